/**
 * Test plumbing shared by the ledger-sql test files: one `SqlClient` per file
 * (PGlite starts slowly; PostgreSQL pools are cheap but need not be rebuilt),
 * one schema per file created and dropped, and a fresh (truncated) ledger per
 * test for the contract suite.
 */

import { Ledger as L } from "@agentcost/core"
import type { MakeLedger } from "@agentcost/core/test"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { afterAll, beforeAll } from "vitest"
import * as Migrator from "../src/core/Migrator.ts"
import { tables } from "../src/core/Schema.ts"
import * as SqlLedger from "../src/core/SqlLedger.ts"

/** Set by CI: the PostgreSQL the tests use; when set and unreachable, tests fail. */
export const pgUrl: string | undefined = process.env.AGENTCOST_TEST_PG_URL || undefined

/** A schema name unique to this test file and process. */
export const schemaFor = (file: string): string =>
  `t_${file.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_${process.pid}`.slice(0, 63)

/** Builds `layer` once for the file (in beforeAll) and closes it in afterAll. */
export const fileClient = (
  layer: () => Layer.Layer<SqlClient, unknown>,
  options: { readonly dropSchema?: string | undefined } = {},
): (() => SqlClient) => {
  let scope: Scope.Closeable | undefined
  let client: SqlClient | undefined
  beforeAll(async () => {
    scope = Scope.makeUnsafe()
    const context = await Effect.runPromise(Layer.buildWithScope(layer(), scope))
    client = Context.get(context, SqlClient)
  }, 180_000)
  afterAll(async () => {
    if (client && options.dropSchema) {
      await Effect.runPromise(
        client.unsafe(`DROP SCHEMA IF EXISTS "${options.dropSchema}" CASCADE`),
      )
    }
    if (scope) await Effect.runPromise(Scope.close(scope, Exit.void))
  }, 60_000)
  return () => {
    if (!client) throw new Error("the file's SqlClient did not open (see beforeAll)")
    return client
  }
}

const TRUNCATE = [
  "envelopes",
  "signals",
  "entries",
  "resources",
  "contributions",
  "settlement_claims",
  "settlement_attempts",
]

/** A ledger on `schema`, migrated, emptied: what the contract suite needs per test. */
export const freshLedger =
  (client: () => SqlClient, schema: string): MakeLedger =>
  () =>
    Layer.effect(
      L.Ledger,
      Effect.gen(function* () {
        const t = tables(schema)
        yield* Migrator.migrate(t)
        const sql = yield* SqlClient
        yield* sql.unsafe(`TRUNCATE ${TRUNCATE.map((name) => `"${schema}"."${name}"`).join(", ")}`)
        return yield* SqlLedger.make(t)
      }),
    ).pipe(Layer.provide(Layer.succeed(SqlClient, client())))
