/**
 * COPY for PostgreSQL over its own connection (`CopyConnection`), opened on
 * the first large batch and kept. A batch is one transaction sent in one
 * round trip: BEGIN, the COPYs (and the moving statement when staged),
 * COMMIT. A failed batch is rolled back; a broken connection is replaced by
 * the next batch.
 */
import { Effect, Semaphore } from "effect"
import { SqlError, UnknownError } from "effect/sql/SqlError"
import type { Copy, StagerShape } from "../core/BatchCopy.ts"
import { type CopyConnection, connect, PgWireError, type Step } from "./CopyConnection.ts"

/** SQLSTATE `unique_violation`: a direct COPY met a row the store has. */
const UNIQUE_VIOLATION = "23505"

const copyStep = (copy: Copy): Step => ({
  sql: `COPY ${copy.table} (${copy.columns}) FROM STDIN`,
  data: copy.data,
})

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
    /** Runs `steps` in one transaction; a connection that breaks is dropped. */
    const transaction = <A>(
      steps: ReadonlyArray<Step>,
      answer: (row: ReadonlyArray<unknown> | undefined) => A,
      refused?: (error: PgWireError) => A | undefined,
    ) =>
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
              return answer(await c.transaction(steps))
            } catch (error) {
              if (!(error instanceof PgWireError) || error.code === undefined) {
                connection = undefined
                c.close()
              } else {
                const result = refused?.(error)
                if (result !== undefined) return result
              }
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
    return {
      direct: (copies) =>
        transaction(
          copies.map(copyStep),
          () => true,
          (error) => (error.code === UNIQUE_VIOLATION ? false : undefined),
        ),
      run: (setup, copies, statement) =>
        transaction(
          [...setup.map((sql) => ({ sql })), ...copies.map(copyStep), { sql: statement }],
          (row) => row,
        ),
    } satisfies StagerShape
  })
