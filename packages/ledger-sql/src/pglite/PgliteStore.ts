/**
 * The embedded store: `pglite:./dir` (a directory on disk) or `pglite:memory`.
 * PGlite runs PostgreSQL in this process, so the SQL and the migrations are
 * the production ones. A directory holds `pgdata/` (PGlite's data directory)
 * and `agentcost.lock` (one process at a time, see `DirectoryLock`).
 */
import { mkdirSync } from "node:fs"
import { resolve } from "node:path"
import type { Ledger as LedgerModule } from "@agentcost/core"
import type { PGlite } from "@electric-sql/pglite"
import { Effect, Layer } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { Stager } from "../core/BatchCopy.ts"
import * as Store from "../core/Store.ts"
import * as DirectoryLock from "./DirectoryLock.ts"
import * as PgliteClient from "./PgliteClient.ts"
import * as PgliteStager from "./PgliteStager.ts"

export interface PgliteOptions extends Store.StoreOptions {
  /** The store directory; absent: in memory, gone when the process ends. */
  readonly dir?: string | undefined
}

/** A `SqlClient` over a PGlite instance the caller opened and will close. */
export const clientLayer = (db: PGlite): Layer.Layer<SqlClient | Stager> => {
  const client = Layer.effect(SqlClient, PgliteClient.make(db)).pipe(
    Layer.provide(Reactivity.layer),
  )
  return Layer.effect(Stager, PgliteStager.make(db)).pipe(Layer.provideMerge(client))
}

/** Opens PGlite (taking the directory's lock); closes and unlocks with the scope. */
export const open = (options: { readonly dir?: string | undefined }) => {
  const name = options.dir === undefined ? "pglite:memory" : `pglite:${options.dir}`
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        // Loaded on demand: PostgreSQL users never pay for the WebAssembly build.
        const { PGlite } = await import("@electric-sql/pglite")
        if (options.dir === undefined) return { db: await PGlite.create(), lock: undefined }
        const dir = resolve(options.dir)
        mkdirSync(dir, { recursive: true })
        const lock = DirectoryLock.acquire(dir)
        try {
          return { db: await PGlite.create({ dataDir: `${dir}/pgdata` }), lock }
        } catch (error) {
          lock.release()
          throw error
        }
      },
      catch: Store.openError(name),
    }),
    ({ db, lock }) =>
      Effect.promise(() => db.close()).pipe(Effect.ensuring(Effect.sync(() => lock?.release()))),
  ).pipe(Effect.map(({ db }) => db))
}

export const sqlLayer = (options: {
  readonly dir?: string | undefined
}): Layer.Layer<SqlClient | Stager, LedgerModule.LedgerError> =>
  Layer.unwrap(Effect.map(open(options), clientLayer))

export const layer = (
  options: PgliteOptions = {},
): Layer.Layer<LedgerModule.Ledger | SqlClient | Stager, LedgerModule.LedgerError> => {
  const name = options.dir === undefined ? "pglite:memory" : `pglite:${options.dir}`
  return Store.ledger(name, options).pipe(Layer.provideMerge(sqlLayer(options)))
}
