/**
 * The subcommands of `agentcost`. Adding one: a file in this folder that
 * builds it with `Command.make` and the conventions in `../Cli.ts`, and one
 * entry here.
 */
import { price } from "./price.ts"

export const commands = [price] as const
