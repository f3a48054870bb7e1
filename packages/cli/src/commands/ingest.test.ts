import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MemoryLedger } from "@agentcost/core"
import { signal } from "@agentcost/core/test"
import { describe, expect, it } from "vitest"
import { main } from "../index.ts"
import { runInProcess } from "../testing.ts"

const dir = () => mkdtempSync(join(tmpdir(), "agentcost-ingest-"))
const jsonl = (lines: ReadonlyArray<unknown>) =>
  `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`
const file = (lines: ReadonlyArray<unknown>, name = "events.jsonl") => {
  const path = join(dir(), name)
  writeFileSync(path, jsonl(lines))
  return path
}
let stores = 0
const memoryStore = () => `memory:ingest-test-${++stores}`
const run = (args: ReadonlyArray<string>) => runInProcess(main, args)
const json = async (args: ReadonlyArray<string>) => {
  const result = await run([...args, "--json"])
  expect(result.stderr).toBe("")
  expect(result.exitCode).toBe(0)
  return JSON.parse(result.stdout)
}

/** Two single-call signals and one run of one call with a finalize and an outcome. */
const events = [
  signal("s1", { envelope_id: null, observed_at: "2026-11-03T10:00:00Z" }),
  signal("s2", { envelope_id: null, tenant_id: "globex", base_cost: "0.5" }),
  {
    type: "envelope",
    event: "open",
    envelope_id: "run-1",
    tenant_id: "acme",
    workflow_type: "research",
    at: "2026-11-04T10:00:00Z",
  },
  signal("s3", {
    envelope_id: "run-1",
    workflow_type: "research",
    base_cost: "1.25",
    observed_at: "2026-11-04T10:01:00.000Z",
  }),
  {
    type: "envelope",
    event: "finalize",
    envelope_id: "run-1",
    status: "succeeded",
    at: "2026-11-04T10:02:00Z",
  },
  { type: "outcome", envelope_id: "run-1", outcome: "succeeded", at: "2026-11-05T00:00:00Z" },
]

describe("agentcost ingest", () => {
  it("books signals and envelope events; a second run changes nothing", async () => {
    const store = memoryStore()
    const path = file(events)
    expect(await json(["ingest", path, "--store", store])).toEqual({
      file: path,
      lines: 6,
      signals: 3,
      new_signals: 3,
      opens: 1,
      finalized: 1,
      outcomes: 1,
      already_applied: 0,
      conflicts: [],
      rejected: 0,
      rejected_lines: [],
      rejects_file: null,
    })
    // acme: s1 0.00325 (own envelope, settled at its time) + s3 1.25 (run-1, nothing pending).
    const expected = {
      period: "2026-11",
      by: "tenant",
      currency: "USD",
      total: "1.75325",
      rows: [
        { key: "acme", total: "1.25325", estimated: "1.25325", settled: "1.25325", pending: "0" },
        { key: "globex", total: "0.5", estimated: "0.5", settled: "0.5", pending: "0" },
      ],
      unpriced: [],
      settlement_errors: [],
    }
    const report = ["report", "--period", "2026-11", "--by", "tenant", "--store", store]
    expect(await json(report)).toEqual(expected)
    const again = await json(["ingest", path, "--store", store])
    expect(again).toMatchObject({
      signals: 3,
      new_signals: 0,
      finalized: 0,
      outcomes: 0,
      already_applied: 2,
    })
    expect(await json(report)).toEqual(expected)
  })

  it("says how many signals were new and how many the store had already", async () => {
    const store = memoryStore()
    const first = file([events[0]], "first.jsonl")
    const second = file([events[0], events[1]], "second.jsonl")
    expect((await run(["ingest", first, "--store", store])).stdout).toBe(
      `ingested ${first}: 1 signal(s) (1 new), 0 envelope open(s), 0 finalize(s), 0 outcome(s)\n`,
    )
    const result = await run(["ingest", second, "--store", store])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe(
      `ingested ${second}: 2 signal(s) (1 new, 1 already in the store), 0 envelope open(s), 0 finalize(s), 0 outcome(s)\n`,
    )
    expect(await json(["ingest", second, "--store", store])).toMatchObject({
      signals: 2,
      new_signals: 0,
    })
  })

  it("reports a bad line by number and field and writes nothing from the file", async () => {
    const store = memoryStore()
    const path = file([...events.slice(0, 2), { ...signal("s9"), base_cost: 0.1 }, "{oops"])
    const result = await run(["ingest", path, "--store", store])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe(
      `agentcost ingest: ${path}:3: base_cost: Expected string | null (and 1 more bad line); nothing was written (--skip-bad writes the other lines)\n`,
    )
    const report = await json(["report", "--period", "2026-11", "--by", "tenant", "--store", store])
    expect(report.rows).toEqual([])
    expect(report.total).toBe("0")
  })

  it("--skip-bad writes the good lines and puts the bad ones in the rejects file", async () => {
    const store = memoryStore()
    const bad = [JSON.stringify({ type: "outcome", envelope_id: "x" }), "[1, 2]"]
    const path = file([events[0], bad[0], events[1], bad[1]])
    const summary = await json(["ingest", path, "--store", store, "--skip-bad"])
    expect(summary).toMatchObject({
      signals: 2,
      rejected: 2,
      rejected_lines: [
        `${path}:2: outcome: Missing key`,
        `${path}:4: expected a JSON object (a cost signal or an event)`,
      ],
      rejects_file: `${path}.rejected.jsonl`,
    })
    expect(readFileSync(`${path}.rejected.jsonl`, "utf8")).toBe(`${bad[0]}\n${bad[1]}\n`)
  })

  it("refuses events for envelopes that neither the file nor the store opened", async () => {
    const store = memoryStore()
    const path = file([
      signal("s1", { envelope_id: "ghost" }),
      { type: "envelope", event: "finalize", envelope_id: "late", status: "failed" },
      { type: "envelope", event: "open", envelope_id: "late" },
      { type: "kind-of-event" },
    ])
    const result = await run(["ingest", path, "--store", store, "--skip-bad", "--json"])
    expect(JSON.parse(result.stdout).rejected_lines).toEqual([
      `${path}:1: envelope_id: envelope "ghost" is opened neither in this file nor in the store (add a {"type":"envelope","event":"open"} line, or leave a signal's envelope_id null for a single-call envelope)`,
      `${path}:2: envelope_id: envelope "late" is opened later, on line 3`,
      `${path}:4: type: unknown event type "kind-of-event" (expected "envelope" or "outcome"; a line without type is a cost signal)`,
    ])
    expect(existsSync(`${path}.rejected.jsonl`)).toBe(true)
  })

  it("keeps unpriced and pending signals pending: listed by report, retried by settle", async () => {
    const store = memoryStore()
    const unpriced = signal("u1", {
      envelope_id: null,
      base_cost: null,
      strategy: null,
      price_ref: null,
      pending_cost: true,
      estimate_method: "unpriced",
      cost_components: {},
      pricing_error: 'no price for openai model "mystery"',
    })
    await json(["ingest", file([unpriced, events[0]]), "--store", store])
    const settled = await json(["settle", "--store", store])
    expect(settled.claimed).toBe(1)
    expect(settled.settled).toBe(0)
    const error = `u1: no price for openai model "mystery"; no settlement source for openai`
    expect(settled.envelopes).toEqual([
      { envelope_id: "env_sig_u1", settled: false, adjustments: 0, error },
    ])
    expect(settled.pending).toMatchObject([
      { envelope_id: "env_sig_u1", settlement: "due", attempts: 1, error },
    ])
    const report = await json(["report", "--period", "2026-11", "--by", "tenant", "--store", store])
    expect(report.unpriced).toEqual([
      { signal_id: "u1", reason: 'no price for openai model "mystery"' },
    ])
    expect(report.settlement_errors).toEqual([{ envelope_id: "env_sig_u1", error }])
    // The priced signal is settled; the unpriced one has no entry (unknown, never $0).
    expect(report.rows).toEqual([
      { key: "acme", total: "0.00325", estimated: "0.00325", settled: "0.00325", pending: "0" },
    ])
  })

  it("reads a timestamp without a zone as UTC, whatever the machine's time zone", async () => {
    const zone = process.env.TZ
    process.env.TZ = "America/New_York"
    try {
      const store = memoryStore()
      const path = file([
        signal("late", { envelope_id: null, observed_at: "2026-11-30T23:30:00" }),
        { type: "envelope", event: "open", envelope_id: "run-z", at: "2026-11-30T23:40:00" },
        signal("late-run", { envelope_id: "run-z", observed_at: "2026-11-30T23:45:00" }),
      ])
      await json(["ingest", path, "--store", store])
      const report = await json([
        ...["report", "--period", "2026-11", "--by", "tenant", "--store", store],
      ])
      // Both calls at the default price (0.00325) in November, UTC; local New York time would make them December.
      expect(report.total).toBe("0.0065")
      const stored = MemoryLedger.storeNamed(store.slice("memory:".length))
      expect(stored.envelopes.get("run-z")?.opened_at).toBe("2026-11-30T23:40:00.000Z")
    } finally {
      if (zone === undefined) delete process.env.TZ
      else process.env.TZ = zone
    }
  })

  it("refuses a file it cannot read before it opens (or creates) the store", async () => {
    const storeDir = join(dir(), "store")
    const missing = join(dir(), "missing.jsonl")
    for (const path of [missing, dir()]) {
      const result = await run(["ingest", path, "--store", `pglite:${storeDir}`])
      expect(result.exitCode).toBe(2)
      expect(result.stdout).toBe("")
      expect(result.stderr).toMatch(
        new RegExp(`^agentcost ingest: ${path}: cannot read the file \\(.+\\)\n$`),
      )
    }
    // A pipe (`<(zcat calls.jsonl.gz)`) could be read once; the second pass would book nothing.
    const fifo = join(dir(), "calls.fifo")
    execFileSync("mkfifo", [fifo])
    expect(await run(["ingest", fifo, "--store", `pglite:${storeDir}`])).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: `agentcost ingest: ${fifo}: cannot read the file (not a regular file: ingest reads it twice, so it cannot be a pipe or a directory)\n`,
    })
    expect(existsSync(storeDir)).toBe(false)
  })

  it("ingests into an embedded PGlite store", async () => {
    const store = `pglite:${join(dir(), "store")}`
    const path = file(events)
    const summary = await json(["ingest", path, "--store", store])
    expect(summary).toMatchObject({ signals: 3, new_signals: 3 })
    expect(await json(["ingest", path, "--store", store])).toMatchObject({
      signals: 3,
      new_signals: 0,
    })
    const report = await json([
      "report",
      "--period",
      "2026-11",
      "--by",
      "workflow",
      "--store",
      store,
    ])
    expect(report.rows).toEqual([
      { key: "research", total: "1.25", estimated: "1.25", settled: "1.25", pending: "0" },
      { key: "support", total: "0.50325", estimated: "0.50325", settled: "0.50325", pending: "0" },
    ])
  }, 120_000)
})
