/**
 * COPY for PGlite: `COPY … FROM '/dev/blob'` with the rows as a Blob, inside
 * a transaction of the store's `SqlClient`, which holds PGlite's one session
 * for the whole batch.
 */
import type { PGlite } from "@electric-sql/pglite"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { SqlError, UnknownError } from "effect/sql/SqlError"
import type { StagerShape } from "../core/BatchCopy.ts"

export const make = (db: PGlite): Effect.Effect<StagerShape, never, SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient
    return {
      run: (setup, copies, statement) =>
        sql.withTransaction(
          Effect.gen(function* () {
            for (const ddl of setup) yield* sql.unsafe(ddl)
            for (const copy of copies) {
              yield* Effect.tryPromise({
                try: () =>
                  db.query(`COPY ${copy.table} (${copy.columns}) FROM '/dev/blob'`, [], {
                    blob: new Blob([copy.data]),
                  }),
                catch: (cause) =>
                  new SqlError({
                    reason: new UnknownError({
                      cause,
                      message: (cause as Error).message,
                      operation: "copy",
                    }),
                  }),
              })
            }
            const [row] = yield* sql.unsafe(statement).values
            return row
          }),
        ),
    }
  })
