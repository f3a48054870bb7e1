/**
 * `pnpm test`: the whole vitest suite with the default reporter, plus a JSON
 * report that this script reads to end with one summary line CI can judge:
 *
 *   vitest: 412 passed, 0 failed
 *
 * A test file that fails before any test runs (an import error) counts as one
 * failure, so a broken file can never hide behind "0 failed". Extra
 * arguments go to vitest (`pnpm test packages/cli`).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

interface JsonReport {
  readonly numPassedTests: number
  readonly numFailedTests: number
  readonly testResults: ReadonlyArray<{
    readonly status: "passed" | "failed"
    readonly assertionResults: ReadonlyArray<{ readonly status: string }>
  }>
}

const require = createRequire(import.meta.url)
const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs")
const dir = mkdtempSync(join(tmpdir(), "agentcost-vitest-"))
const reportFile = join(dir, "report.json")

const run = spawnSync(
  process.execPath,
  [
    vitest,
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${reportFile}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
)

let passed = 0
let failed = 0
try {
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as JsonReport
  passed = report.numPassedTests
  failed = report.numFailedTests
  for (const file of report.testResults) {
    const hasFailedTest = file.assertionResults.some((test) => test.status === "failed")
    if (file.status === "failed" && !hasFailedTest) failed++
  }
} catch {
  // No report: vitest itself did not run (bad config, crash). That is a failure.
  failed = Math.max(failed, 1)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
if (run.status !== 0 && failed === 0) failed = 1

console.log(`vitest: ${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
