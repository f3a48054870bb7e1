/**
 * A file that grows while it is ingested (a log still being written): the
 * second pass must book only the lines the first pass checked.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { signal } from "@agentcost/core/test"
import { describe, expect, it, vi } from "vitest"

const grows = vi.hoisted(() => ({ path: "", extra: "", opened: 0 }))

vi.mock("node:fs", async (original) => {
  const fs = await original<typeof import("node:fs")>()
  return {
    ...fs,
    // The second read of the file (pass 2) finds lines appended since pass 1.
    createReadStream: ((path: string, ...rest: Array<never>) => {
      if (path === grows.path && ++grows.opened === 2) fs.appendFileSync(path, grows.extra)
      return fs.createReadStream(path, ...rest)
    }) as typeof fs.createReadStream,
  }
})

const { main } = await import("../index.ts")
const { runInProcess } = await import("../testing.ts")

describe("agentcost ingest of a growing file", () => {
  it("books only the lines it checked; lines appended meanwhile wait for the next run", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "agentcost-grows-")), "calls.jsonl")
    writeFileSync(path, `${JSON.stringify(signal("g1", { envelope_id: null }))}\n`)
    grows.path = path
    // A good call and a line torn mid-write, appended between the passes.
    grows.extra = `${JSON.stringify(signal("g2", { envelope_id: null }))}\n{"signal_id":"g3","tok`
    const store = "memory:ingest-grows"
    const result = await runInProcess(main, ["ingest", path, "--store", store, "--json"])
    expect(result.stderr).toBe("")
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ lines: 1, signals: 1, new_signals: 1 })
    const report = await runInProcess(main, [
      ...["report", "--period", "2026-11", "--by", "tenant", "--store", store, "--json"],
    ])
    expect(JSON.parse(report.stdout).total).toBe("0.00325")
  })
})
