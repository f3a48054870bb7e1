/**
 * Runs a CLI in-process with captured stdout and stderr, for tests: the same
 * `main` as the binary (`Cli.run`), with real files and a scripted stdin.
 */
import { NodeServices } from "@effect/platform-node"
import { Effect, Sink, Stdio, Stream } from "effect"
import type { Command } from "effect/cli"

export interface RunResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  /** What arrives on stdin; when absent stdin is empty. */
  readonly stdin?: string | undefined
  /** Pretend stdin is an interactive terminal. */
  readonly stdinIsTerminal?: boolean | undefined
  /** Pretend stderr is a terminal (progress bars draw only then). */
  readonly stderrIsTerminal?: boolean | undefined
}

export const runInProcess = (
  main: (args: ReadonlyArray<string>) => Effect.Effect<number, never, Command.Environment>,
  args: ReadonlyArray<string>,
  options: RunOptions = {},
): Promise<RunResult> => {
  const out: Array<string> = []
  const err: Array<string> = []
  const decoder = new TextDecoder()
  const capture = (into: Array<string>) => () =>
    Sink.forEachArray((chunks: ReadonlyArray<string | Uint8Array>) =>
      Effect.sync(() => {
        for (const chunk of chunks) {
          into.push(typeof chunk === "string" ? chunk : decoder.decode(chunk))
        }
      }),
    )
  const stdio = Stdio.layerTest({
    args: Effect.succeed(args),
    stdout: capture(out),
    stderr: capture(err),
    stdin:
      options.stdin === undefined
        ? Stream.empty
        : Stream.succeed(new TextEncoder().encode(options.stdin)),
    stdinIsTerminal: Effect.succeed(options.stdinIsTerminal ?? false),
    stderrIsTerminal: Effect.succeed(options.stderrIsTerminal ?? false),
  })
  return main(args).pipe(
    Effect.provide(stdio),
    Effect.provide(NodeServices.layer),
    Effect.map((exitCode) => ({ exitCode, stdout: out.join(""), stderr: err.join("") })),
    Effect.runPromise,
  )
}
