/**
 * The production store: `postgres://user@host:5432/db[?schema=name]`, a pool
 * from `@effect/sql-pg`. Several application processes and several settlement
 * workers share one database; workers claim due envelopes with
 * `FOR UPDATE SKIP LOCKED`, so none is settled twice.
 */
import type { Ledger as LedgerModule } from "@agentcost/core"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { Stager } from "../core/BatchCopy.ts"
import * as Store from "../core/Store.ts"
import * as PostgresStager from "./PostgresStager.ts"

export interface PostgresOptions extends Store.StoreOptions {
  /** `postgres://…` without the `schema` parameter. */
  readonly url: string
  readonly maxConnections?: number | undefined
}

/** Redacts the password for error messages. */
export const displayUrl = (url: string): string => url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@")

export const sqlLayer = (
  options: Pick<PostgresOptions, "url" | "maxConnections">,
): Layer.Layer<SqlClient | Stager, LedgerModule.LedgerError> => {
  const client = Layer.effect(
    SqlClient,
    Effect.gen(function* () {
      const client = yield* PgClient.make({
        url: Redacted.make(options.url),
        applicationName: "agentcost",
        maxConnections: options.maxConnections ?? 10,
        connectTimeout: "10 seconds",
      })
      // Fail now, naming the store, rather than at the first query.
      yield* client`SELECT 1`
      return client as SqlClient
    }).pipe(Effect.mapError(Store.openError(displayUrl(options.url)))),
  ).pipe(Layer.provide(Reactivity.layer))
  return Layer.merge(client, Layer.effect(Stager, PostgresStager.make(options.url)))
}

export const layer = (
  options: PostgresOptions,
): Layer.Layer<LedgerModule.Ledger | SqlClient | Stager, LedgerModule.LedgerError> =>
  Store.ledger(displayUrl(options.url), options).pipe(Layer.provideMerge(sqlLayer(options)))
