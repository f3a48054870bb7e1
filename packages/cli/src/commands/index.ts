/**
 * The subcommands of `agentcost`. Adding one: a file in this folder that
 * builds it with `Command.make` and the conventions in `../Cli.ts`, and one
 * entry here.
 */
import { ingest } from "./ingest.ts"
import { migrate } from "./migrate.ts"
import { price } from "./price.ts"
import { report } from "./report.ts"
import { settle } from "./settle.ts"

export const commands = [price, migrate, ingest, report, settle] as const
