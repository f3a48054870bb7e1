/**
 * Fault test: two settlement worker processes (`agentcost settle`) race on
 * 1,000 due envelopes in one PostgreSQL. Claims (FOR UPDATE SKIP LOCKED)
 * keep them apart: each envelope is looked up once and adjusted once.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Booking } from "@agentcost/core"
import { envelope, signal } from "@agentcost/core/test"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { afterAll, expect, it } from "vitest"
import * as Migrator from "../src/core/Migrator.ts"
import { tables } from "../src/core/Schema.ts"
import * as SqlLedger from "../src/core/SqlLedger.ts"
import * as PostgresStore from "../src/postgres/PostgresStore.ts"
import { describePostgres, exited, fileClient, schemaFor, startCli, withSchema } from "./support.ts"

const ENVELOPES = 1_000
const forgeConfig = fileURLToPath(
  new URL("../../../adapters/generic/src/__fixtures__/forge-compute.config.json", import.meta.url),
)

describePostgres("two settlement workers racing (PostgreSQL)", (url) => {
  const schema = schemaFor("SettlementRace")
  const store = withSchema(url, schema)
  const client = fileClient(() => PostgresStore.sqlLayer({ url: url }), { dropSchema: schema })
  const lookups = new Map<string, number>()
  // The provider's cost-by-job endpoint: a little slow, so the workers overlap.
  const server = createServer((request, response) => {
    const job = /^\/v1\/jobs\/([^/]+)\/cost$/.exec(request.url ?? "")?.[1] ?? "?"
    lookups.set(job, (lookups.get(job) ?? 0) + 1)
    setTimeout(() => {
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          status: "finalized",
          cost: { amount: "0.00256", currency: "USD", revision: "rev_1" },
        }),
      )
    }, 2)
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  it("settles each of 1,000 due envelopes exactly once", async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const config = JSON.parse(readFileSync(forgeConfig, "utf8"))
    config.settlement.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/jobs/{provider_request_id}/cost`
    delete config.settlement.headers
    const configPath = join(mkdtempSync(join(tmpdir(), "agentcost-race-")), "forge.json")
    writeFileSync(configPath, JSON.stringify(config))

    // 1,000 finalized envelopes, each with one pending compute-unit call.
    const t = tables(schema)
    const ids = Array.from({ length: ENVELOPES }, (_, i) => `race_${i}`)
    const signals = ids.map((id, i) =>
      signal(`forge-compute:job_${i}`, {
        envelope_id: id,
        provider: "forge-compute",
        model: "forge/llama-3.3-70b-instruct",
        strategy: "COMPUTE_UNIT",
        base_cost: "0.003",
        pending_cost: true,
        estimate_method: "compute_units_per_1k_tokens",
        provider_request_id: `job_${i}`,
        price_ref: null,
      }),
    )
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Migrator.migrate(t)
        const ledger = yield* SqlLedger.make(t)
        yield* ledger.write({
          envelopes: ids.map((id) =>
            envelope(id, {
              status: "succeeded",
              finalized_at: "2026-11-03T10:05:00.000Z",
              settlement: "due",
            }),
          ),
          signals,
          entries: signals.map((s) => Booking.estimateEntry(s, "tenant_pays_all", s.observed_at)!),
        })
      }).pipe(Effect.provideService(SqlClient, client())),
    )

    const worker = (name: string) =>
      exited(
        startCli([
          "settle",
          "--adapter-config",
          configPath,
          "--worker",
          name,
          "--json",
          "--store",
          store,
        ]),
      )
    const [a, b] = await Promise.all([worker("a"), worker("b")])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const settledBy = (result: { stdout: string }) =>
      (JSON.parse(result.stdout).envelopes as Array<{ envelope_id: string; settled: boolean }>)
        .filter((e) => e.settled)
        .map((e) => e.envelope_id)
    const byA = settledBy(a)
    const byB = settledBy(b)
    console.log(`worker a settled ${byA.length}, worker b ${byB.length}`)
    expect([...byA, ...byB].sort()).toEqual([...ids].sort())
    expect(byA.filter((id) => byB.includes(id))).toEqual([])
    expect(lookups.size).toBe(ENVELOPES)
    expect([...lookups.values()].every((n) => n === 1)).toBe(true)

    const [counts] = await Effect.runPromise(
      client().unsafe<{ adjustments: number; attempts: number; settled: number }>(`
        SELECT (SELECT count(*)::int FROM "${schema}".entries WHERE kind = 'adjustment') AS adjustments,
               (SELECT count(*)::int FROM "${schema}".settlement_attempts) AS attempts,
               (SELECT count(*)::int FROM "${schema}".envelopes WHERE settlement = 'settled') AS settled`),
    )
    expect(counts).toEqual({ adjustments: ENVELOPES, attempts: ENVELOPES, settled: ENVELOPES })
  }, 180_000)
})
