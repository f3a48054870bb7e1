/**
 * COPY for PostgreSQL over its own connection (`CopyConnection`), opened on
 * the first large batch and kept: BEGIN, the staging COPYs, the moving
 * statement, COMMIT. A failed batch is rolled back; a broken connection is
 * replaced by the next batch.
 */
import { Effect, Semaphore } from "effect"
import { SqlError, UnknownError } from "effect/sql/SqlError"
import type { StagerShape } from "../core/BatchCopy.ts"
import { type CopyConnection, connect } from "./CopyConnection.ts"

export const make = (url: string) =>
  Effect.gen(function* () {
    const lock = yield* Semaphore.make(1)
    let connection: Promise<CopyConnection> | undefined
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const open = await connection?.catch(() => undefined)
        open?.close()
      }),
    )
    const run: StagerShape["run"] = (setup, copies, statement) =>
      Semaphore.withPermit(
        lock,
        Effect.tryPromise({
          try: async () => {
            connection ??= connect(url).catch((error) => {
              connection = undefined
              throw error
            })
            const c = await connection
            try {
              await c.query("BEGIN")
              for (const ddl of setup) await c.query(ddl)
              for (const copy of copies) {
                await c.copyIn(`COPY ${copy.table} (${copy.columns}) FROM STDIN`, copy.data)
              }
              const row = await c.query(statement)
              await c.query("COMMIT")
              return row
            } catch (error) {
              await c.query("ROLLBACK").catch(() => {
                connection = undefined
                c.close()
              })
              throw error
            }
          },
          catch: (cause) =>
            new SqlError({
              reason: new UnknownError({
                cause,
                message: (cause as Error).message,
                operation: "copy",
              }),
            }),
        }),
      )
    return { run } satisfies StagerShape
  })
