/**
 * @agentcost/cli — the `agentcost` command. `agentcost` is the root command
 * (for embedding or in-process tests) and `main` runs it on an argument list,
 * resolving to the exit code.
 */
import { readFileSync } from "node:fs"
import { Command } from "effect/cli"
import * as Cli from "./Cli.ts"
import { commands } from "./commands/index.ts"

/** From package.json, read at runtime so `src/` and `dist/` report the same. */
export const version: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string
  }
).version

export const agentcost = Command.make("agentcost").pipe(
  Command.withDescription(
    "Per-tenant cost attribution for AI agent workloads: price provider responses, ingest cost signals, settle, report and reconcile against invoices.",
  ),
  Command.withSubcommands(commands),
)

export const main = Cli.run(agentcost, version)

export * as Cli from "./Cli.ts"
