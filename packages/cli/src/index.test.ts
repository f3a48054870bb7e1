import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { main, version } from "./index.ts"
import { runInProcess } from "./testing.ts"

const run = (args: ReadonlyArray<string>) => runInProcess(main, args)
const packageVersion = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string
  }
).version

describe("agentcost", () => {
  it("--version prints package.json's version on stdout", async () => {
    expect(version).toBe(packageVersion)
    expect(await run(["--version"])).toEqual({
      exitCode: 0,
      stdout: `${packageVersion}\n`,
      stderr: "",
    })
  })

  it("--help prints usage and the subcommands on stdout", async () => {
    const result = await run(["--help"])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout).toContain("USAGE\n  agentcost <subcommand> [flags]")
    expect(result.stdout).toMatch(/^ {2}price .*Price one raw provider response/m)
  })

  it("an unknown flag is one line on stderr and exit 2", async () => {
    const result = await run(["--bogus"])
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "agentcost: Unrecognized flag: --bogus in command agentcost (see agentcost --help)\n",
    })
  })

  it("an unknown subcommand is one line on stderr and exit 2", async () => {
    const result = await run(["frobnicate"])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr.split("\n")).toHaveLength(2)
    expect(result.stderr).toMatch(/^agentcost: .*frobnicate/)
  })
})
