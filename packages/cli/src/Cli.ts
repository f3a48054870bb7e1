/**
 * The conventions every `agentcost` subcommand shares (DESIGN.md §6), in one
 * place: the `--store` and `--json` flags, where output goes, how input is
 * read, how a failure becomes one line on stderr and an exit code, and the
 * progress bar. A subcommand is a file in `src/commands/` that uses these.
 *
 * All output goes through effect's `Stdio` service, so tests run the CLI
 * in-process with capturing sinks (see `testing.ts`).
 */

import { JsonPosition } from "@agentcost/core"
import { Cause, Clock, Effect, FileSystem, Option, Runtime, Schema, Stdio, Stream } from "effect"
import { CliError, CliOutput, Command, Flag } from "effect/cli"

// -- exit codes --------------------------------------------------------------

export const EXIT_OK = 0
/** Something went wrong that is not the user's input (a store that will not open, a bug). */
export const EXIT_FAILURE = 1
/** The input is wrong: a flag, a file, a field. Nothing was written to the store. */
export const EXIT_BAD_INPUT = 2
/** `reconcile` found divergence above the threshold (after writing its report). */
export const EXIT_ALERT = 3
/** Interrupted (Ctrl-C), as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130

// -- shared flags ------------------------------------------------------------

export const DEFAULT_STORE = "pglite:./.agentcost"

/** `--store URL`: every command that reads or writes the ledger takes it. */
export const store = Flag.String("store").pipe(
  Flag.withMetavar("URL"),
  Flag.withDescription(
    `ledger store: pglite:DIR (embedded), memory: or postgres://... (default ${DEFAULT_STORE})`,
  ),
  Flag.withDefault(DEFAULT_STORE),
)

/** `--json`: machine-readable output on stdout and nothing else on stdout. */
export const json = Flag.Boolean("json").pipe(
  Flag.withDescription("print machine-readable JSON on stdout (and nothing else on stdout)"),
  Flag.withDefault(false),
)

/** The flags of a store command: `Command.make("report", { ...Cli.storeFlags, period: ... }, ...)`. */
export const storeFlags = { store, json } as const

// -- errors ------------------------------------------------------------------

/** The user's input is wrong; `message` names the file, line or field. Exit 2. */
export class BadInput extends Schema.TaggedError<BadInput>()("BadInput", {
  message: Schema.String,
}) {
  override readonly [Runtime.errorExitCode] = EXIT_BAD_INPUT
}

/**
 * Ends a command with a chosen exit code after it has written its output
 * (reconcile's alert). Prints nothing more.
 */
export class ExitWith extends Schema.TaggedError<ExitWith>()("ExitWith", {
  code: Schema.Int,
}) {}

/**
 * Errors of core and adapters that mean "the input is wrong" (exit 2). An
 * error of your own can instead carry `readonly [Runtime.errorExitCode] = 2`.
 */
const BAD_INPUT_TAGS: ReadonlySet<string> = new Set([
  "BadInput",
  "InvalidAmount",
  "InvalidGenericConfig",
  "InvalidPriceBook",
  "InvalidSignal",
  "InvalidUsage",
  "MalformedResponse",
])

const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : undefined

/** The exit code a failure ends the process with. */
export const exitCodeOf = (error: unknown): number => {
  if (error instanceof ExitWith) return error.code
  if (CliError.isCliError(error)) return EXIT_BAD_INPUT
  if (typeof error === "object" && error !== null && Runtime.errorExitCode in error) {
    return Runtime.getErrorExitCode(error)
  }
  const tag = tagOf(error)
  return tag !== undefined && BAD_INPUT_TAGS.has(tag) ? EXIT_BAD_INPUT : EXIT_FAILURE
}

/** One line: a multi-line message would break `2>err.log; head -1 err.log` style checks. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, " ").trim()

/** The stderr line for a failure: `agentcost price: response.json: usage.prompt_tokens: expected a number`. */
export const errorLine = (commandPath: ReadonlyArray<string>, error: unknown): string => {
  const message =
    error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
      ? String((error as { message: unknown }).message)
      : String(error)
  const known = exitCodeOf(error) !== EXIT_FAILURE || tagOf(error) !== undefined
  const text = known ? message : `internal error: ${message}`
  return `${commandPath.join(" ")}: ${oneLine(text || tagOf(error) || "failed")}`
}

/** Runs a synchronous core call that throws tagged errors (`PriceBook.load`, `adapter.normalize`). */
export const attempt = <A>(f: () => A): Effect.Effect<A, unknown> =>
  Effect.try({ try: f, catch: (error) => error })

// -- output ------------------------------------------------------------------

const write = (
  stream: "stdout" | "stderr",
  text: string,
): Effect.Effect<void, never, Stdio.Stdio> =>
  Effect.gen(function* () {
    const stdio = yield* Stdio.Stdio
    yield* Stream.run(Stream.succeed(text), stdio[stream]()).pipe(Effect.orDie)
  })

/** Human-readable output, one line (or block) on stdout. Use only without `--json`. */
export const print = (text: string) => write("stdout", `${text}\n`)

/** The machine output of `--json`: one JSON document on one line of stdout. */
export const printJson = (value: unknown) => write("stdout", `${JSON.stringify(value)}\n`)

/** Notes and warnings for people: stderr, so stdout stays machine-readable. */
export const note = (text: string) => write("stderr", `${text}\n`)

// -- input -------------------------------------------------------------------

export interface Input {
  readonly text: string
  /** The file path, or "stdin": the first word of every error about this input. */
  readonly source: string
}

/**
 * Reads FILE, or stdin when FILE is absent or "-". An interactive stdin is
 * refused, because waiting for a paste would look like a hang.
 */
export const readInput = (
  file: Option.Option<string>,
): Effect.Effect<Input, BadInput, Stdio.Stdio | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const path = Option.filter(file, (f) => f !== "-")
    if (Option.isSome(path)) {
      const fs = yield* FileSystem.FileSystem
      const text = yield* fs
        .readFileString(path.value)
        .pipe(
          Effect.mapError(
            (error) =>
              new BadInput({ message: `${path.value}: cannot read the file (${error.message})` }),
          ),
        )
      return { text, source: path.value }
    }
    const stdio = yield* Stdio.Stdio
    if (yield* stdio.stdinIsTerminal) {
      return yield* new BadInput({ message: "no input: pass a FILE or pipe it on stdin" })
    }
    const text = yield* stdio.stdin.pipe(
      Stream.decodeText(),
      Stream.mkString,
      Effect.mapError(
        (error) => new BadInput({ message: `stdin: cannot read (${error.message})` }),
      ),
    )
    return { text, source: "stdin" }
  })

/** Parses JSON input; a syntax error names the source and line (`response.json:3: ...`). */
export const parseJson = (input: Input): Effect.Effect<unknown, BadInput> =>
  Effect.try({
    try: () => JSON.parse(input.text) as unknown,
    catch: (cause) => {
      const offset = JsonPosition.errorOffset(input.text)
      const at = offset < 0 ? "" : `:${JsonPosition.lineOf(input.text, offset)}`
      return new BadInput({
        message: `${input.source}${at}: invalid JSON (${(cause as Error).message})`,
      })
    },
  })

// -- progress ----------------------------------------------------------------

export interface Progress {
  /** Marks `n` more items done (default 1). */
  readonly advance: (n?: number) => Effect.Effect<void>
  /** Clears the bar; call it before printing the result. */
  readonly done: Effect.Effect<void>
}

const REDRAW_EVERY_MS = 100
const BAR_WIDTH = 30

/**
 * A progress bar for long work, drawn on stderr only when stderr is a
 * terminal: piped or logged runs get no control characters at all.
 */
export const progress = (
  label: string,
  total: number,
): Effect.Effect<Progress, never, Stdio.Stdio> =>
  Effect.gen(function* () {
    const stdio = yield* Stdio.Stdio
    const silent: Progress = { advance: () => Effect.void, done: Effect.void }
    if (!(yield* stdio.stderrIsTerminal) || total <= 0) return silent
    const draw = (text: string) =>
      Stream.run(Stream.succeed(text), stdio.stderr()).pipe(Effect.orDie)
    let completed = 0
    let drawnAt = Number.NEGATIVE_INFINITY
    const render = () => {
      const ratio = Math.min(completed / total, 1)
      const filled = Math.round(ratio * BAR_WIDTH)
      return `\r\x1b[2K${label} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${completed}/${total}`
    }
    return {
      advance: (n = 1) =>
        Effect.gen(function* () {
          completed += n
          const now = yield* Clock.currentTimeMillis
          if (now - drawnAt < REDRAW_EVERY_MS && completed < total) return
          drawnAt = now
          yield* draw(render())
        }),
      done: draw("\r\x1b[2K"),
    }
  })

// -- running -----------------------------------------------------------------

/** The subcommand named in `args`, for the prefix of error lines. */
const commandPathOf = (
  root: Command.Command.Any,
  args: ReadonlyArray<string>,
): ReadonlyArray<string> => {
  const names = new Set(root.subcommands.flatMap((group) => group.commands.map((c) => c.name)))
  const sub = args.find((arg) => !arg.startsWith("-"))
  return sub !== undefined && names.has(sub) ? [root.name, sub] : [root.name]
}

/**
 * Help and version on stdout; an invalid invocation as one line on stderr
 * (the full help would bury the one thing that is wrong).
 */
const presenter = (stdio: Stdio.Stdio): CliOutput.Presenter => {
  const out = (stream: "stdout" | "stderr", text: string) =>
    Stream.run(Stream.succeed(`${text}\n`), stdio[stream]()).pipe(Effect.orDie)
  return {
    present: (event) =>
      Effect.gen(function* () {
        const formatter = yield* CliOutput.Formatter
        switch (event._tag) {
          case "Version":
            return yield* out("stdout", event.version)
          case "Help":
            // Implicit help (no subcommand given) is not the output asked for.
            return yield* out(
              event.reason === "Requested" ? "stdout" : "stderr",
              formatter.formatHelpDoc(event.helpDoc),
            )
          case "InvalidInvocation": {
            const path = event.commandPath.join(" ")
            const problems = event.errors.map((e) => oneLine(e.message)).join("; ")
            return yield* out("stderr", `${path}: ${problems} (see ${path} --help)`)
          }
        }
      }),
  }
}

/**
 * Runs `root` on `args` and resolves to the process exit code; never fails.
 * Failures are written as one line on stderr. `bin.ts` and the tests both
 * call this, so what the tests see is what a shell sees.
 */
export const run =
  <Name extends string, Input, ContextInput, E, R>(
    root: Command.Command<Name, Input, ContextInput, E, R>,
    version: string,
  ) =>
  (args: ReadonlyArray<string>): Effect.Effect<number, never, R | Command.Environment> =>
    Effect.gen(function* () {
      const stdio = yield* Stdio.Stdio
      return yield* Command.runWith(root, { version })(args).pipe(
        Effect.provide(CliOutput.layerPresenter(presenter(stdio))),
        Effect.as(EXIT_OK),
        Effect.catchCause((cause) => {
          if (Cause.hasInterruptsOnly(cause)) return Effect.succeed(EXIT_INTERRUPTED)
          const error = Cause.squash(cause)
          // Parse errors were presented already; implicit help (no subcommand) too.
          if (CliError.isCliError(error) && error._tag === "ShowHelp") {
            return Effect.succeed(EXIT_BAD_INPUT)
          }
          if (error instanceof ExitWith) return Effect.succeed(error.code)
          return Effect.as(
            write("stderr", `${errorLine(commandPathOf(root, args), error)}\n`),
            exitCodeOf(error),
          )
        }),
      )
    })
