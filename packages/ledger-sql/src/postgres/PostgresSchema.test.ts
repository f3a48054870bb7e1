/**
 * What only a real PostgreSQL shows: monthly partitions created on demand,
 * the keys and types of the schema, migrations racing, and workers racing
 * for due envelopes on separate connections.
 */
import { Ledger as L } from "@agentcost/core"
import { entry, envelope, signal } from "@agentcost/core/test"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { expect, it } from "vitest"
import { describePostgres, fileClient, schemaFor } from "../../test/support.ts"
import * as Migrator from "../core/Migrator.ts"
import { tables } from "../core/Schema.ts"
import * as SqlLedger from "../core/SqlLedger.ts"
import * as PostgresStore from "./PostgresStore.ts"

const schema = schemaFor("PostgresSchema")
const t = tables(schema)

describePostgres("PostgreSQL schema (AGENTCOST_TEST_PG_URL)", (url) => {
  const client = fileClient(() => PostgresStore.sqlLayer({ url: url }), { dropSchema: schema })
  const run = <A, E>(effect: Effect.Effect<A, E, SqlClient>) =>
    Effect.runPromise(Effect.provideService(effect, SqlClient, client()))
  /** A ledger on its own pool, as a separate process would have. */
  const pool = () => PostgresStore.layer({ url: url, schema, maxConnections: 2 })

  it("migrates once when several processes open a new store at the same time", async () => {
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        Effect.runPromise(
          Migrator.migrate(t).pipe(Effect.provide(PostgresStore.sqlLayer({ url: url }))),
        ),
      ),
    )
    expect(results.flatMap((r) => r.applied)).toEqual(["0001_ledger"])
    expect(results.map((r) => r.version)).toEqual([1, 1, 1])
  })

  it("partitions entries by month, created on demand, with tenant and month in the unique key", async () => {
    await run(
      Effect.gen(function* () {
        const ledger = yield* SqlLedger.make(t)
        yield* ledger.write({
          entries: [
            entry("a", { occurred_at: "2026-11-30T23:59:59.999Z" }),
            entry("b", { occurred_at: "2026-12-01T00:00:00.000Z" }),
            entry("c", { occurred_at: "2031-02-10T00:00:00.000Z", tenant_id: null }),
          ],
        })
        const sql = yield* SqlClient
        const parts = yield* sql<{ name: string; bound: string }>`
          SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = ${t.entries}::regclass ORDER BY c.relname`
        expect(parts.map((p) => p.name)).toEqual([
          "entries_2026_11",
          "entries_2026_12",
          "entries_2031_02",
        ])
        expect(parts[0]?.bound).toBe(
          "FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00')",
        )
        const [unique] = yield* sql<{ def: string }>`
          SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
          WHERE indrelid = ${t.entries}::regclass AND indisunique`
        expect(unique?.def).toMatch(/\(tenant_key, key, occurred_at\)$/)
        const [amount] = yield* sql<{ type: string }>`
          SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
          WHERE attrelid = ${t.entries}::regclass AND attname = 'amount'`
        expect(amount?.type).toBe("numeric")
        const [row] = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM ${sql.literal(t.partition("2031-02"))} WHERE tenant_key = ''`
        expect(row?.n).toBe(1)
      }),
    )
  })

  it("COPYs new rows straight in, and stages a batch the store partly has (only its new rows land)", async () => {
    await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient
        yield* sql.unsafe(
          `TRUNCATE ${t.envelopes}, ${t.signals}, ${t.entries}, ${t.claims}, ${t.attempts}`,
        )
        const ledger = yield* SqlLedger.make(t, { copyThreshold: 0 })
        const first = yield* ledger.write({
          envelopes: [envelope("copy_a", { settlement: "due" }), envelope("copy_b")],
          signals: [signal("copy_s1")],
          entries: [entry("copy_e1"), entry("copy_e2", { tenant_id: null })],
        })
        expect(first).toEqual({ signals: 1, entries: 2 })
        // copy_a, copy_s1 and copy_e2 are there already: the direct COPY is refused.
        const second = yield* ledger.write({
          envelopes: [
            envelope("copy_a", { settlement: "due" }),
            envelope("copy_c", { settlement: "due" }),
          ],
          signals: [signal("copy_s1"), signal("copy_s2")],
          entries: [entry("copy_e2", { tenant_id: null }), entry("copy_e3")],
        })
        expect(second).toEqual({ signals: 1, entries: 1 })
        const count = (table: string) =>
          sql<{
            keys: string
          }>`SELECT string_agg(k, ',' ORDER BY k) AS keys FROM (${sql.literal(table)}) x`.pipe(
            Effect.map((rows) => rows[0]?.keys),
          )
        expect(yield* count(`SELECT envelope_id AS k FROM ${t.envelopes}`)).toBe(
          "copy_a,copy_b,copy_c",
        )
        expect(yield* count(`SELECT envelope_id || ':' || tenant_key AS k FROM ${t.claims}`)).toBe(
          "copy_a:acme,copy_c:acme",
        )
        expect(yield* count(`SELECT signal_id AS k FROM ${t.signals}`)).toBe("copy_s1,copy_s2")
        expect(yield* count(`SELECT key || ':' || tenant_key AS k FROM ${t.entries}`)).toBe(
          "copy_e1:acme,copy_e2:,copy_e3:acme",
        )
        yield* sql.unsafe(
          `TRUNCATE ${t.envelopes}, ${t.signals}, ${t.entries}, ${t.claims}, ${t.attempts}`,
        )
      }).pipe(Effect.provide(client.context())),
    )
  })

  it("refuses a store whose schema is newer than this code", async () => {
    await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient
        yield* sql.unsafe(`INSERT INTO ${t.migrations} (id, name) VALUES (999, 'future')`)
        const error = yield* Effect.flip(Migrator.migrate(t))
        yield* sql.unsafe(`DELETE FROM ${t.migrations} WHERE id = 999`)
        expect(error.message).toBe(
          `the store's schema "${schema}" is at version 999, newer than this @agentcost/ledger-sql knows (1); upgrade agentcost`,
        )
      }),
    )
  })

  it("workers on separate pools claim disjoint envelopes (FOR UPDATE SKIP LOCKED)", async () => {
    const now = "2026-11-10T00:00:00.000Z"
    const ids = Array.from({ length: 200 }, (_, i) => `race_${String(i).padStart(3, "0")}`)
    await Effect.runPromise(
      Effect.flatMap(L.Ledger, (ledger) =>
        ledger.write({ envelopes: ids.map((id) => envelope(id, { settlement: "due" })) }),
      ).pipe(Effect.provide(pool())),
    )
    const worker = (name: string) =>
      Effect.gen(function* () {
        const ledger = yield* L.Ledger
        const mine: Array<string> = []
        for (;;) {
          const claimed = yield* ledger.claimDue({ worker: name, now, limit: 7, leaseMs: 60_000 })
          if (claimed.length === 0) return mine
          for (const e of claimed) {
            mine.push(e.envelope_id)
            yield* ledger.updateEnvelope(
              e.envelope_id,
              { settlement: ["due"] },
              {
                settlement: "settled",
                settled_at: now,
              },
            )
            yield* ledger.releaseClaim(e.envelope_id, name)
          }
        }
      }).pipe(Effect.provide(pool()))
    const [a, b, c] = await Promise.all([
      Effect.runPromise(worker("a")),
      Effect.runPromise(worker("b")),
      Effect.runPromise(worker("c")),
    ])
    const all = [...a!, ...b!, ...c!]
    expect(all.sort()).toEqual(ids)
    expect(new Set(all).size).toBe(ids.length)
  })
})
