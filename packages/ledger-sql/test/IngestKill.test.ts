/**
 * Fault test: `agentcost ingest` is SIGKILLed mid-stream, then run again on
 * the same file. Writes are idempotent batches in transactions, so the second
 * run completes what the first began: every total is exact, nothing counted
 * twice. On PostgreSQL and on PGlite (whose directory lock is left behind by
 * the killed process and taken over by the next).
 */
import { createWriteStream, mkdtempSync, readdirSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Money } from "@agentcost/core"
import { signal } from "@agentcost/core/test"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as PostgresStore from "../src/postgres/PostgresStore.ts"
import {
  cli,
  describePostgres,
  exited,
  fileClient,
  schemaFor,
  sleep,
  startCli,
  withSchema,
} from "./support.ts"

const N = 30_000
const TENANTS = 7
const work = mkdtempSync(join(tmpdir(), "agentcost-ingest-kill-"))
const input = join(work, "signals.jsonl")

/** Writes the input and works out the expected per-tenant totals. */
const expected = (async () => {
  const out = createWriteStream(input)
  const totals = new Map<string, Money.Decimal>()
  for (let i = 0; i < N; i++) {
    const tenant = `t${i % TENANTS}`
    const cost = `0.0000${(i % 9973) + 1}`
    totals.set(tenant, (totals.get(tenant) ?? Money.ZERO).plus(cost))
    const line = JSON.stringify(
      signal(`openai:req_${i}`, {
        envelope_id: null,
        tenant_id: tenant,
        base_cost: cost,
        provider_request_id: `req_${i}`,
        observed_at: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
      }),
    )
    if (!out.write(`${line}\n`))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  await new Promise<void>((resolve) => out.end(resolve))
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, total]) => ({ key, total: Money.format(total) }))
})()

const report = async (store: string) =>
  JSON.parse(
    await cli(["report", "--period", "2026-11", "--by", "tenant", "--json", "--store", store]),
  )

/** Kills `agentcost ingest` once `progressed()` says it has written part of the file. */
const killMidStream = async (store: string, progressed: () => Promise<boolean>) => {
  const child = startCli(["ingest", input, "--store", store])
  const done = exited(child)
  let finished = false
  void done.then(() => {
    finished = true
  })
  while (!finished && !(await progressed())) await sleep(50)
  child.kill("SIGKILL")
  const result = await done
  expect(result.signal).toBe("SIGKILL")
}

const allTotals = async () => {
  const rows = await expected
  const total = Money.format(Money.sum(rows.map((r) => new Money.Decimal(r.total))))
  return { rows, total }
}

describePostgres("ingest killed mid-stream: PostgreSQL", (url) => {
  const schema = schemaFor("IngestKill")
  const store = withSchema(url, schema)
  const client = fileClient(() => PostgresStore.sqlLayer({ url: url }), { dropSchema: schema })
  const count = (table: string) =>
    Effect.runPromise(
      client().unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`),
    ).then((rows) => rows[0]!.n)

  it("re-ingesting after a SIGKILL gives exactly the expected totals", async () => {
    await expected
    await cli(["migrate", "--store", store])
    let seen = 0
    await killMidStream(store, async () => {
      seen = await count("entries")
      return seen > 0
    })
    const partial = await count("entries")
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(N)
    // Batches are transactions: a signal is never without its entry, nor
    // without its envelope (offered first, so perhaps in an earlier batch).
    expect(await count("signals")).toBe(partial)
    expect(await count("envelopes")).toBeGreaterThanOrEqual(partial)

    await cli(["ingest", input, "--store", store])
    await cli(["ingest", input, "--store", store])
    for (const table of ["entries", "signals", "envelopes"]) expect(await count(table)).toBe(N)
    const { rows, total } = await allTotals()
    const result = await report(store)
    expect(result.total).toBe(total)
    expect(
      result.rows.map((r: { key: string; total: string }) => ({ key: r.key, total: r.total })),
    ).toEqual(rows)
  }, 300_000)
})

const sizeOf = (path: string): number => {
  let total = 0
  for (const name of readdirSync(path)) {
    const child = join(path, name)
    const stat = statSync(child, { throwIfNoEntry: false })
    if (stat === undefined) continue
    total += stat.isDirectory() ? sizeOf(child) : stat.size
  }
  return total
}

describe("ingest killed mid-stream: PGlite", () => {
  const dir = join(work, "store")
  const store = `pglite:${dir}`

  it("the next run takes over the dead process's lock and completes the totals", async () => {
    await expected
    await cli(["migrate", "--store", store])
    const before = sizeOf(join(dir, "pgdata"))
    // Killed once the data directory has grown by a few megabytes of writes.
    await killMidStream(store, async () => sizeOf(join(dir, "pgdata")) > before + 4_000_000)
    await cli(["ingest", input, "--store", store])
    const { rows, total } = await allTotals()
    const result = await report(store)
    expect(result.total).toBe(total)
    expect(
      result.rows.map((r: { key: string; total: string }) => ({ key: r.key, total: r.total })),
    ).toEqual(rows)
  }, 300_000)
})
