import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

it("an application that forgets close() still exits by itself, with everything it recorded written", () => {
  const out = join(mkdtempSync(join(tmpdir(), "agentcost-exit-")), "written.txt")
  const script = fileURLToPath(new URL("./__fixtures__/forgetsClose.ts", import.meta.url))
  // The flush interval is a minute: only the beforeExit flush can write these in time.
  const child = spawnSync(process.execPath, ["--conditions=@agentcost/source", script, out], {
    encoding: "utf8",
    timeout: 20_000,
  })
  expect(child.error).toBeUndefined()
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  expect(readFileSync(out, "utf8").split("\n").filter(Boolean)).toEqual([
    "acme:a",
    "acme:b",
    "acme:c",
  ])
})
