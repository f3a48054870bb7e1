/**
 * `agentcost migrate`: creates or upgrades the store's schema. Stores also
 * migrate when they open; this is the explicit step for deployments that run
 * migrations before the application (PostgreSQL).
 */
import { migrateUrl, PostgresStore } from "@agentcost/ledger-sql"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Cli from "../Cli.ts"
import { anyError } from "./settle.ts"

export const migrate = Command.make(
  "migrate",
  Cli.storeFlags,
  Effect.fn("agentcost.migrate")(function* (options) {
    if (options.store.startsWith("memory:")) {
      const result = { store: options.store, schema: null, applied: [], version: null }
      if (options.json) return yield* Cli.printJson(result)
      return yield* Cli.print(`${options.store}: in-memory stores have no schema to migrate`)
    }
    const result = yield* migrateUrl(options.store)
    const store = PostgresStore.displayUrl(options.store)
    if (options.json) return yield* Cli.printJson({ store, ...result })
    yield* Cli.print(
      result.applied.length === 0
        ? `${store}: schema "${result.schema}" is up to date (version ${result.version})`
        : `${store}: applied ${result.applied.join(", ")} to schema "${result.schema}" (now version ${result.version})`,
    )
  }, Effect.mapError(anyError)),
).pipe(
  Command.withDescription("Create or upgrade the store's schema (PGlite or PostgreSQL)."),
  Command.withExamples([
    { command: "agentcost migrate", description: "the embedded store in ./.agentcost" },
    {
      command: "agentcost migrate --store postgres://app@db:5432/prod?schema=agentcost --json",
      description: "a PostgreSQL store, before deploying",
    },
  ]),
)
