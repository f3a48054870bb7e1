import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { signal } from "@agentcost/core/test"
import { describe, expect, it } from "vitest"
import { main } from "../index.ts"
import { runInProcess } from "../testing.ts"

const run = (args: ReadonlyArray<string>) => runInProcess(main, args)
let stores = 0

/** A store with acme 0.00325 + 1.2 and globex 0.5, all settled, in November 2026. */
const seeded = async () => {
  const store = `memory:report-test-${++stores}`
  const path = join(mkdtempSync(join(tmpdir(), "agentcost-report-")), "signals.jsonl")
  const lines = [
    signal("a1", { envelope_id: null }),
    signal("a2", { envelope_id: null, base_cost: "1.2", model: "claude-x", provider: "anthropic" }),
    signal("g1", { envelope_id: null, tenant_id: "globex", base_cost: "0.5" }),
  ]
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n"))
  expect((await run(["ingest", path, "--store", store])).exitCode).toBe(0)
  return store
}

describe("agentcost report", () => {
  it("prints a table with a total line", async () => {
    const store = await seeded()
    const result = await run(["report", "--period", "2026-11", "--by", "tenant", "--store", store])
    expect(result).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "2026-11 by tenant, USD (by occurred_at, UTC)",
        "TENANT    TOTAL  ESTIMATED  SETTLED  PENDING",
        "acme    1.20325    1.20325  1.20325        0",
        "globex      0.5        0.5      0.5        0",
        "TOTAL   1.70325    1.70325  1.70325        0",
        "",
      ].join("\n"),
    })
  })

  it("prints CSV with --csv", async () => {
    const store = await seeded()
    const result = await run([
      "report",
      "--period",
      "2026-11",
      "--by",
      "model",
      "--csv",
      "--store",
      store,
    ])
    expect(result.stdout).toBe(
      "key,total,estimated,settled,pending\nclaude-x,1.2,1.2,1.2,0\ngpt-5.1,0.50325,0.50325,0.50325,0\n",
    )
  })

  it("--as-of before the signals were recorded reports nothing", async () => {
    const store = await seeded()
    const result = await run([
      "report",
      "--period",
      "2026-11",
      "--by",
      "tenant",
      "--as-of",
      "2026-11-30",
      "--json",
      "--store",
      store,
    ])
    expect(JSON.parse(result.stdout)).toMatchObject({ total: "0", rows: [] })
  })

  it("names what is wrong with the flags", async () => {
    const store = await seeded()
    const base = ["report", "--by", "tenant", "--store", store]
    expect(await run([...base, "--period", "2026-13"])).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: 'agentcost report: --period: "2026-13" is not YYYY-MM (e.g. 2026-11)\n',
    })
    expect((await run([...base, "--period", "2026-11", "--json", "--csv"])).stderr).toBe(
      "agentcost report: --json and --csv: choose one\n",
    )
    expect((await run([...base, "--period", "2026-11", "--as-of", "yesterday"])).stderr).toBe(
      'agentcost report: --as-of: "yesterday" is not an ISO 8601 date or timestamp (e.g. 2026-12-01T00:00:00Z)\n',
    )
    // JavaScript would roll these over into the next month; a report at another instant is wrong.
    for (const day of ["2026-11-31", "2026-02-29T10:00:00Z"]) {
      expect(await run([...base, "--period", "2026-11", "--as-of", day])).toEqual({
        exitCode: 2,
        stdout: "",
        stderr: `agentcost report: --as-of: "${day}" is not an ISO 8601 date or timestamp (e.g. 2026-12-01T00:00:00Z)\n`,
      })
    }
    expect(await run([...base, "--period", "2026-11", "--dual"])).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "agentcost report: dual attribution is not available yet\n",
    })
  })
})
