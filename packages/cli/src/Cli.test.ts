import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PriceBook } from "@agentcost/core"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { describe, expect, it } from "vitest"
import * as Cli from "./Cli.ts"
import { runInProcess } from "./testing.ts"

// A toy CLI built only from the shared conventions, so these tests pin the
// conventions themselves rather than one command's behaviour.
const echo = Command.make(
  "echo",
  {
    ...Cli.storeFlags,
    file: Argument.String("file").pipe(Argument.optional),
  },
  (options) =>
    Effect.gen(function* () {
      const input = yield* Cli.readInput(options.file)
      const value = yield* Cli.parseJson(input)
      if (options.json) return yield* Cli.printJson({ store: options.store, value })
      yield* Cli.note("a note for people")
      yield* Cli.print(`store ${options.store}`)
    }),
)
const fail = Command.make(
  "fail",
  { how: Flag.String("how"), book: Flag.String("book").pipe(Flag.optional) },
  (options) =>
    Effect.gen(function* () {
      if (options.how === "alert") {
        yield* Cli.print("report written")
        return yield* new Cli.ExitWith({ code: Cli.EXIT_ALERT })
      }
      if (options.how === "book" && Option.isSome(options.book)) {
        const file = options.book.value
        yield* Cli.attempt(() => PriceBook.load(file))
      }
      if (options.how === "defect") {
        yield* Effect.sync(() => {
          throw new TypeError("boom\nsecond line")
        })
      }
    }),
)
const work = Command.make("work", {}, () =>
  Effect.gen(function* () {
    const bar = yield* Cli.progress("working", 3)
    yield* bar.advance()
    yield* bar.advance(2)
    yield* bar.done
    yield* Cli.print("done")
  }),
)
const toy = Command.make("toy").pipe(Command.withSubcommands([echo, fail, work]))
const main = Cli.run(toy, "1.2.3")
const run = (args: ReadonlyArray<string>, options?: Parameters<typeof runInProcess>[2]) =>
  runInProcess(main, args, options)

const tempFile = (name: string, text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), "agentcost-cli-")), name)
  writeFileSync(path, text)
  return path
}

describe("Cli conventions", () => {
  it("--store defaults to the embedded PGlite store and --json keeps stdout to one JSON line", async () => {
    const result = await run(["echo", "--json"], { stdin: '{"a":1}' })
    expect(result).toEqual({
      exitCode: 0,
      stdout: '{"store":"pglite:./.agentcost","value":{"a":1}}\n',
      stderr: "",
    })
  })

  it("human output goes to stdout and notes to stderr", async () => {
    const result = await run(["echo", "--store", "memory:"], { stdin: "{}" })
    expect(result).toEqual({
      exitCode: 0,
      stdout: "store memory:\n",
      stderr: "a note for people\n",
    })
  })

  it("an unknown flag is one stderr line naming it, exit 2, nothing on stdout", async () => {
    const result = await run(["echo", "--nope"])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    const lines = result.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^toy echo: .*--nope.* \(see toy echo --help\)$/)
  })

  it("invalid JSON names the file and the line, exit 2", async () => {
    const file = tempFile("bad.json", '{\n  "a": 1,\n  "b": }\n')
    const result = await run(["echo", file])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(new RegExp(`^toy echo: ${file}:3: invalid JSON \\(.*\\)\\n$`))
  })

  it("invalid JSON on stdin is named stdin", async () => {
    const result = await run(["echo"], { stdin: "not json" })
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/^toy echo: stdin(:1)?: invalid JSON/)
  })

  it("a missing file is named, exit 2", async () => {
    const result = await run(["echo", "/nonexistent/response.json"])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(
      /^toy echo: \/nonexistent\/response\.json: cannot read the file \(.*\)\n$/,
    )
  })

  it("an interactive stdin is refused instead of waiting", async () => {
    const result = await run(["echo"], { stdinIsTerminal: true })
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "toy echo: no input: pass a FILE or pipe it on stdin\n",
    })
  })

  it("a core input error (a price book field) exits 2 with the file and field", async () => {
    const book = tempFile(
      "prices.json",
      JSON.stringify({
        version: 1,
        entries: [
          {
            provider: "p",
            model: "m",
            validFrom: "2026-01-01",
            strategy: "TOKEN_BASED",
            currency: "USD",
            rates: { input_tokens: "1.x" },
          },
        ],
      }),
    )
    const result = await run(["fail", "--how", "book", "--book", book])
    expect(result.exitCode).toBe(2)
    const [line, ...rest] = result.stderr.split("\n")
    expect(rest).toEqual([""])
    expect(line).toMatch(new RegExp(`^toy fail: ${book}: entries\\[0\\]\\.rates\\.input_tokens: `))
  })

  it("ExitWith ends with its code after the output is written (reconcile's alert)", async () => {
    const result = await run(["fail", "--how", "alert"])
    expect(result).toEqual({ exitCode: 3, stdout: "report written\n", stderr: "" })
  })

  it("an unexpected defect is one line, marked internal, exit 1", async () => {
    const result = await run(["fail", "--how", "defect"])
    expect(result).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "toy fail: internal error: boom second line\n",
    })
  })

  it("no subcommand prints help on stderr, not stdout, and exits 2", async () => {
    const result = await run([])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain("echo")
  })

  it("--version prints the version alone", async () => {
    expect(await run(["--version"])).toEqual({ exitCode: 0, stdout: "1.2.3\n", stderr: "" })
  })

  it("the progress bar draws on stderr only when stderr is a terminal", async () => {
    const piped = await run(["work"])
    expect(piped).toEqual({ exitCode: 0, stdout: "done\n", stderr: "" })

    const tty = await run(["work"], { stderrIsTerminal: true })
    expect(tty.stdout).toBe("done\n")
    // First advance draws (1/3); the second completes the bar, which always draws (3/3).
    expect(tty.stderr).toBe(
      `\r\x1b[2Kworking [##########--------------------] 1/3` +
        `\r\x1b[2Kworking [##############################] 3/3` +
        `\r\x1b[2K`,
    )
  })
})

describe("exitCodeOf", () => {
  it("maps bad input to 2, ExitWith to its code, anything else to 1", () => {
    expect(Cli.exitCodeOf(new Cli.BadInput({ message: "x" }))).toBe(2)
    expect(
      Cli.exitCodeOf(new PriceBook.InvalidPriceBook({ source: "f", path: "", reason: "r" })),
    ).toBe(2)
    expect(Cli.exitCodeOf(new Cli.ExitWith({ code: 3 }))).toBe(3)
    expect(Cli.exitCodeOf(new Error("store is locked"))).toBe(1)
  })
})
