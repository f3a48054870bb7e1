/**
 * An effect `SqlClient` over an in-process PGlite instance. PGlite is one
 * PostgreSQL backend in WebAssembly: one session, so every statement and every
 * transaction takes the single connection in turn (the SQLite acquirers of
 * `effect/sql` do exactly that). SQL is compiled with the PostgreSQL dialect of
 * `@effect/sql-pg`, so the shared ledger core runs unchanged on both stores.
 */

import { PgClient } from "@effect/sql-pg"
import type { PGlite } from "@electric-sql/pglite"
import { Effect, Semaphore, Stream } from "effect"
import type * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import {
  ConstraintError,
  DeadlockError,
  SerializationError,
  SqlError,
  SqlSyntaxError,
  UniqueViolation,
  UnknownError,
} from "effect/sql/SqlError"

/** The SQLSTATE classes the ledger cares about; the rest is UnknownError. */
const classify = (cause: unknown, operation: string) => {
  const code = (cause as { code?: unknown })?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  const props = { cause, message, operation }
  if (typeof code !== "string") return new UnknownError(props)
  if (code === "23505") {
    const constraint = (cause as { constraint?: unknown }).constraint
    return new UniqueViolation({
      ...props,
      constraint: typeof constraint === "string" ? constraint : "unknown",
    })
  }
  if (code.startsWith("23")) return new ConstraintError(props)
  if (code.startsWith("42")) return new SqlSyntaxError(props)
  if (code === "40P01") return new DeadlockError(props)
  if (code === "40001") return new SerializationError(props)
  return new UnknownError(props)
}

const connectionOf = (db: PGlite): Connection => {
  const query = (sql: string, params: ReadonlyArray<unknown>, rowMode: "object" | "array") =>
    Effect.tryPromise({
      try: () => db.query<Record<string, unknown>>(sql, params as Array<unknown>, { rowMode }),
      catch: (cause) => new SqlError({ reason: classify(cause, "execute") }),
    }).pipe(Effect.map((result) => result.rows))
  const execute = <A extends object>(
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows: ((rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined,
  ) =>
    query(sql, params, "object").pipe(
      Effect.map((rows) => (transformRows ? transformRows(rows as ReadonlyArray<A>) : rows)),
    )
  const values = (sql: string, params: ReadonlyArray<unknown>) =>
    query(sql, params, "array") as unknown as Effect.Effect<
      ReadonlyArray<ReadonlyArray<unknown>>,
      SqlError
    >
  return {
    execute,
    executeRaw: (sql, params) => query(sql, params, "object"),
    executeStream: (sql, params, transformRows) =>
      Stream.fromIterableEffect(execute(sql, params, transformRows)),
    executeValues: values,
    executeValuesUnprepared: values,
    executeUnprepared: execute,
  }
}

/** A `SqlClient` whose statements and transactions run one at a time on `db`. */
export const make = (
  db: PGlite,
): Effect.Effect<SqlClient.SqlClient, never, Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const semaphore = yield* Semaphore.make(1)
    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connectionOf(db)),
      semaphore,
    })
    return yield* SqlClient.make({
      ...acquirers,
      compiler: PgClient.makeCompiler(),
      driver: "pglite",
      spanAttributes: [["db.system.name", "postgresql"]],
    })
  })
