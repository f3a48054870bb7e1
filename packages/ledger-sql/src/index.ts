/**
 * @agentcost/ledger-sql — the durable ledger on SQL: embedded PGlite
 * (`pglite:./dir`, `pglite:memory`) and PostgreSQL (`postgres://…`), one set
 * of migrations, one SQL core. `layerFromUrl` is what `AgentCost.create({
 * store })` and the CLI load.
 */
import { type Ledger as LedgerModule, MemoryLedger } from "@agentcost/core"
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import * as Migrator from "./core/Migrator.ts"
import { tables } from "./core/Schema.ts"
import { openError, type StoreOptions } from "./core/Store.ts"
import * as PgliteStore from "./pglite/PgliteStore.ts"
import * as PostgresStore from "./postgres/PostgresStore.ts"
import * as StoreUrl from "./StoreUrl.ts"

const { displayUrl } = PostgresStore

export * as Migrator from "./core/Migrator.ts"
export * as Schema from "./core/Schema.ts"
export * as SqlLedger from "./core/SqlLedger.ts"
export * as Store from "./core/Store.ts"
export * as DirectoryLock from "./pglite/DirectoryLock.ts"
export * as PgliteClient from "./pglite/PgliteClient.ts"
export * as PgliteStore from "./pglite/PgliteStore.ts"
export * as PostgresStore from "./postgres/PostgresStore.ts"
export * as StoreUrl from "./StoreUrl.ts"

/** The ledger (and its `SqlClient`) of a store URL; the store is migrated when it opens. */
export const layerWithClient = (
  url: string,
  options: Pick<StoreOptions, "migrate"> = {},
): Layer.Layer<LedgerModule.Ledger | SqlClient, LedgerModule.LedgerError> =>
  Layer.unwrap(
    Effect.try({ try: () => StoreUrl.parse(url), catch: openError(displayUrl(url)) }).pipe(
      Effect.map((parsed) =>
        parsed.driver === "pglite"
          ? PgliteStore.layer({ dir: parsed.dir, ...options })
          : PostgresStore.layer({ url: parsed.url, schema: parsed.schema, ...options }),
      ),
    ),
  )

/** The ledger of a store URL (what `AgentCost.create({ store })` loads). */
export const layerFromUrl = (
  url: string,
): Layer.Layer<LedgerModule.Ledger, LedgerModule.LedgerError> => layerWithClient(url)

/** Creates or upgrades a store's schema (`agentcost migrate`). */
export const migrateUrl = (
  url: string,
): Effect.Effect<Migrator.MigrationResult, LedgerModule.LedgerError> =>
  Effect.gen(function* () {
    // Errors name the store without its password.
    const store = displayUrl(url)
    const parsed = yield* Effect.try({ try: () => StoreUrl.parse(url), catch: openError(store) })
    const t = yield* Effect.try({
      try: () => tables(parsed.driver === "postgres" ? parsed.schema : undefined),
      catch: openError(store),
    })
    const client =
      parsed.driver === "pglite"
        ? PgliteStore.sqlLayer({ dir: parsed.dir })
        : PostgresStore.sqlLayer({ url: parsed.url })
    return yield* Migrator.migrate(t).pipe(
      Effect.mapError(openError(store)),
      Effect.provide(client),
    )
  })

/**
 * The ledger of any store URL, `memory:` and `memory:<name>` included (the
 * CLI's `--store`): in-memory stores come from core, the rest from here.
 */
export const layerForStore = (
  url: string,
): Layer.Layer<LedgerModule.Ledger, LedgerModule.LedgerError> =>
  url.startsWith("memory:")
    ? MemoryLedger.layer(MemoryLedger.storeNamed(url.slice("memory:".length)))
    : layerFromUrl(url)
