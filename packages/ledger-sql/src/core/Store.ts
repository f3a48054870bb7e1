/**
 * What every driver shares once it has a `SqlClient`: migrate (unless told
 * not to), then the SQL ledger on the store's schema. Driver failures while
 * opening become one `LedgerError` naming the store.
 */

import type { Ledger as LedgerModule } from "@agentcost/core"
import { Ledger as L } from "@agentcost/core"
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import * as Migrator from "./Migrator.ts"
import { tables } from "./Schema.ts"
import * as SqlLedger from "./SqlLedger.ts"

export interface StoreOptions {
  /** PostgreSQL schema holding the tables (default `agentcost`). */
  readonly schema?: string | undefined
  /** Apply pending migrations when the store opens (default true). */
  readonly migrate?: boolean | undefined
}

export const openError = (store: string) => (error: unknown) =>
  error instanceof L.LedgerError
    ? error
    : new L.LedgerError({
        operation: "open",
        reason: `${store}: ${error instanceof Error || (typeof error === "object" && error !== null && "message" in error) ? (error as { message: string }).message : String(error)}`,
      })

/** The ledger over whatever `SqlClient` the driver provides. */
export const ledger = (
  store: string,
  options: StoreOptions = {},
): Layer.Layer<LedgerModule.Ledger, LedgerModule.LedgerError, SqlClient> =>
  Layer.effect(
    L.Ledger,
    Effect.gen(function* () {
      const t = yield* Effect.try({ try: () => tables(options.schema), catch: openError(store) })
      if (options.migrate ?? true)
        yield* Migrator.migrate(t).pipe(Effect.mapError(openError(store)))
      return yield* SqlLedger.make(t)
    }),
  )
