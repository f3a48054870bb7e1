/**
 * Test plumbing shared by the ledger-sql test files: one `SqlClient` per file
 * (PGlite starts slowly; PostgreSQL pools are cheap but need not be rebuilt),
 * one schema per file created and dropped, and a fresh (truncated) ledger per
 * test for the contract suite.
 */

import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Ledger as L } from "@agentcost/core"
import type { MakeLedger } from "@agentcost/core/test"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { afterAll, beforeAll, describe } from "vitest"
import * as Migrator from "../src/core/Migrator.ts"
import { tables } from "../src/core/Schema.ts"
import * as SqlLedger from "../src/core/SqlLedger.ts"

/** Set by CI: the PostgreSQL the tests use; when set and unreachable, tests fail. */
export const pgUrl: string | undefined = process.env.AGENTCOST_TEST_PG_URL || undefined

/**
 * Tests that need PostgreSQL: the body gets the URL, and without
 * AGENTCOST_TEST_PG_URL it is never evaluated (vitest collects a
 * `describe.runIf(false)` body all the same), so the block is only skipped.
 */
export const describePostgres = (name: string, body: (url: string) => void): void => {
  if (pgUrl === undefined) describe.skip(name, () => undefined)
  else describe(name, () => body(pgUrl))
}

/** A schema name unique to this test file and process. */
export const schemaFor = (file: string): string =>
  `t_${file.toLowerCase().replace(/[^a-z0-9]+/g, "_")}_${process.pid}`.slice(0, 63)

export interface FileClient {
  (): SqlClient
  /** Everything the driver layer provides (the SqlClient, and its Stager for COPY). */
  readonly context: () => Context.Context<SqlClient>
}

/** Builds `layer` once for the file (in beforeAll) and closes it in afterAll. */
export const fileClient = (
  layer: () => Layer.Layer<SqlClient, unknown>,
  options: { readonly dropSchema?: string | undefined } = {},
): FileClient => {
  let scope: Scope.Closeable | undefined
  let context: Context.Context<SqlClient> | undefined
  let failure: unknown
  beforeAll(async () => {
    scope = Scope.makeUnsafe()
    // Kept for the tests to fail with: an unreachable database fails every
    // test of the file, none is skipped.
    context = await Effect.runPromise(Layer.buildWithScope(layer(), scope)).catch((error) => {
      failure = error
      return undefined
    })
  }, 180_000)
  afterAll(async () => {
    if (context && options.dropSchema) {
      await Effect.runPromise(
        Context.get(context, SqlClient).unsafe(
          `DROP SCHEMA IF EXISTS "${options.dropSchema}" CASCADE`,
        ),
      )
    }
    if (scope) await Effect.runPromise(Scope.close(scope, Exit.void))
  }, 60_000)
  const opened = () => {
    if (!context) throw new Error(`the file's store did not open: ${String(failure)}`)
    return context
  }
  return Object.assign(() => Context.get(opened(), SqlClient), {
    context: opened,
  })
}

const TRUNCATE = [
  "envelopes",
  "signals",
  "entries",
  "resources",
  "contributions",
  "settlement_claims",
  "settlement_attempts",
]

/**
 * A ledger on `schema`, migrated, emptied: what the contract suite needs per
 * test. `copyThreshold: 0` sends every batch through the driver's COPY path.
 */
export const freshLedger =
  (client: FileClient, schema: string, options: SqlLedger.SqlLedgerOptions = {}): MakeLedger =>
  () =>
    Layer.effect(
      L.Ledger,
      Effect.gen(function* () {
        const t = tables(schema)
        yield* Migrator.migrate(t)
        const sql = yield* SqlClient
        yield* sql.unsafe(`TRUNCATE ${TRUNCATE.map((name) => `"${schema}"."${name}"`).join(", ")}`)
        return yield* SqlLedger.make(t, options)
      }),
    ).pipe(Layer.provide(Layer.succeedContext(client.context())))

// -- child processes -------------------------------------------------------------

const CLI = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url))
/** The package root: `@agentcost/ledger-sql` resolves from here (the facade loads it by name). */
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url))

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts a TypeScript file under node with the workspace source condition. */
export const start = (script: string, args: ReadonlyArray<string>): ChildProcess =>
  spawn(process.execPath, ["--conditions=@agentcost/source", script, ...args], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  })

/** Starts `agentcost ...args`. */
export const startCli = (args: ReadonlyArray<string>): ChildProcess => start(CLI, args)

/** Waits for a child to end, with what it printed. */
export const exited = (child: ChildProcess): Promise<Exited> =>
  new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk) => {
      stdout += chunk
    })
    child.stderr?.on("data", (chunk) => {
      stderr += chunk
    })
    child.once("error", reject)
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })

/** Runs `agentcost ...args` to the end; fails the test on a non-zero exit. */
export const cli = async (args: ReadonlyArray<string>): Promise<string> => {
  const result = await exited(startCli(args))
  if (result.code !== 0) {
    throw new Error(`agentcost ${args.join(" ")} exited ${result.code}: ${result.stderr}`)
  }
  return result.stdout
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A store URL on `url`'s database with the tables in `schema`. */
export const withSchema = (url: string, schema: string) =>
  `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`
