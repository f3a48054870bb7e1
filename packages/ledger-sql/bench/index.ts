/**
 * `pnpm bench` (packages/ledger-sql): ingest throughput, end to end through
 * `agentcost ingest` (a child process: read, validate, book with core's
 * services, write), into PostgreSQL and PGlite, against a plain `COPY` of the
 * same rows into the same PostgreSQL tables in the same run; and the ingest
 * process's RSS, sampled while it runs.
 *
 *   node --conditions=@agentcost/source bench/index.ts          # ~1 minute
 *   node --conditions=@agentcost/source bench/index.ts --full   # 1,000,000 signals
 *
 * PostgreSQL: AGENTCOST_BENCH_PG_URL, else AGENTCOST_TEST_PG_URL, else
 * postgres://postgres@127.0.0.1:5432/test. COPY runs through `psql`.
 */
import { execFileSync, spawn } from "node:child_process"
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const full = process.argv.includes("--full")
const pgUrl =
  process.env.AGENTCOST_BENCH_PG_URL ??
  process.env.AGENTCOST_TEST_PG_URL ??
  "postgres://postgres@127.0.0.1:5432/test"
const sizes = full ? { postgres: 1_000_000, pglite: 100_000 } : { postgres: 50_000, pglite: 10_000 }
const cli = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "agentcost-bench-"))

// -- input -----------------------------------------------------------------------

/** `n` priced single-call signals over November 2026, 50 tenants, 7 workflows, 2 models. */
const writeSignals = async (path: string, n: number) => {
  const out = createWriteStream(path)
  const start = Date.UTC(2026, 10, 1)
  for (let i = 0; i < n; i++) {
    const line = JSON.stringify({
      signal_id: `openai:req_${i}`,
      envelope_id: null,
      tenant_id: `tenant-${i % 50}`,
      workflow_type: `workflow-${i % 7}`,
      resource_id: null,
      provider: "openai",
      provider_account: null,
      model: i % 2 ? "gpt-5.1" : "gpt-5.1-mini",
      endpoint: "chat.completions",
      strategy: "TOKEN_BASED",
      usage: { input_tokens: 1000 + (i % 100), output_tokens: 200 },
      base_cost: `0.00${(i % 1000) + 1}`,
      currency: "USD",
      cost_source: "local",
      pending_cost: false,
      estimate_method: null,
      cost_components: { input_tokens: "0.00125", output_tokens: "0.002" },
      fallbacks: [],
      provider_request_id: `req_${i}`,
      provider_invoice_id: null,
      operation_id: null,
      attempt: 1,
      attempt_outcome: "succeeded",
      price_ref: null,
      // Spread over the month: one signal every 2.5 s for a million.
      observed_at: new Date(
        start + Math.floor((i * 2_500_000) / Math.max(n, 1_000)) * 1000,
      ).toISOString(),
    })
    if (!out.write(`${line}\n`))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()))
  }
  await new Promise<void>((resolve) => out.end(resolve))
}

// -- running the CLI ---------------------------------------------------------------

const rssKb = (pid: number): number | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

interface Run {
  readonly seconds: number
  readonly rssMb: ReadonlyArray<number>
  readonly stdout: string
}

/** Runs `agentcost ...args`, sampling its RSS every 250 ms. */
const agentcost = (args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--conditions=@agentcost/source", cli, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    })
    const rssMb: Array<number> = []
    const sampler = setInterval(() => {
      const kb = child.pid === undefined ? undefined : rssKb(child.pid)
      if (kb !== undefined) rssMb.push(Math.round(kb / 1024))
    }, 250)
    let stdout = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
    })
    child.once("error", reject)
    child.once("exit", (code) => {
      clearInterval(sampler)
      if (code !== 0) reject(new Error(`agentcost ${args.join(" ")} exited ${code}`))
      else resolve({ seconds: (performance.now() - started) / 1000, rssMb, stdout })
    })
  })

// -- COPY --------------------------------------------------------------------------

const psql = (url: string, commands: ReadonlyArray<string>) =>
  execFileSync(
    "psql",
    [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", ...commands.flatMap((c) => ["-c", c])],
    {
      encoding: "utf8",
    },
  )

const TABLES = ["envelopes", "signals", "entries"] as const

/** The columns of a table that COPY writes (identity columns are generated). */
const columnsOf = (url: string, schema: string, table: string): string =>
  psql(url, [
    `SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}' AND is_identity = 'NO'`,
  ]).trim()

/**
 * Exports what ingest wrote, empties the tables, and times a plain COPY of
 * the same rows back into them (same indexes, same partitions).
 */
const copyBack = (url: string, schema: string): number => {
  const files = TABLES.map((table) => ({
    table,
    columns: columnsOf(url, schema, table),
    file: join(work, `${table}.copy`),
  }))
  psql(
    url,
    files.map(
      ({ table, columns, file }) =>
        `\\copy (SELECT ${columns} FROM "${schema}".${table}) TO '${file}'`,
    ),
  )
  psql(url, [`TRUNCATE ${TABLES.map((t) => `"${schema}".${t}`).join(", ")}`])
  const started = performance.now()
  psql(
    url,
    files.map(
      ({ table, columns, file }) => `\\copy "${schema}".${table} (${columns}) FROM '${file}'`,
    ),
  )
  return (performance.now() - started) / 1000
}

// -- the runs ----------------------------------------------------------------------

const rate = (n: number, seconds: number) => Math.round(n / seconds)

const summarizeRss = (samples: ReadonlyArray<number>) => {
  if (samples.length === 0) return "no samples"
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
  return `peak ${Math.max(...samples)} MB; at 10/25/50/75/90% of the run ${[0.1, 0.25, 0.5, 0.75, 0.9].map(at).join("/")} MB (${samples.length} samples)`
}

const main = async () => {
  console.log(`agentcost ledger-sql bench${full ? " --full" : ""} (${new Date().toISOString()})`)
  const empty = join(work, "empty.jsonl")
  await writeSignals(empty, 0)

  // PostgreSQL: ingest, then COPY of the same rows.
  const schema = `bench_${process.pid}`
  const store = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=${schema}`
  const pgFile = join(work, "postgres.jsonl")
  await writeSignals(pgFile, sizes.postgres)
  await agentcost(["migrate", "--store", store])
  const startup = await agentcost(["ingest", empty, "--store", store])
  const ingest = await agentcost(["ingest", pgFile, "--store", store])
  const copySeconds = copyBack(pgUrl, schema)
  psql(pgUrl, ["SET client_min_messages = warning", `DROP SCHEMA "${schema}" CASCADE`])
  const ingestRate = rate(sizes.postgres, ingest.seconds)
  const steadyRate = rate(sizes.postgres, ingest.seconds - startup.seconds)
  const copyRate = rate(sizes.postgres, copySeconds)
  console.log(
    `\nPostgreSQL, ${sizes.postgres.toLocaleString("en")} signals (3 rows each: envelope, signal, entry)`,
  )
  console.log(
    `  agentcost ingest: ${ingest.seconds.toFixed(1)} s, ${ingestRate} signals/s (${steadyRate}/s without the ${startup.seconds.toFixed(1)} s process start)`,
  )
  console.log(`  COPY of the same rows: ${copySeconds.toFixed(1)} s, ${copyRate} signals/s`)
  console.log(
    `  ingest / COPY: ${(steadyRate / copyRate).toFixed(2)}x (with process start ${(ingestRate / copyRate).toFixed(2)}x)`,
  )
  console.log(`  ingest RSS: ${summarizeRss(ingest.rssMb)}`)

  // PGlite: the embedded store in a fresh directory.
  const dir = join(work, "pglite")
  const pgliteFile = join(work, "pglite.jsonl")
  await writeSignals(pgliteFile, sizes.pglite)
  await agentcost(["migrate", "--store", `pglite:${dir}`])
  const pgliteStartup = await agentcost(["ingest", empty, "--store", `pglite:${dir}`])
  const pglite = await agentcost(["ingest", pgliteFile, "--store", `pglite:${dir}`])
  console.log(`\nPGlite, ${sizes.pglite.toLocaleString("en")} signals`)
  console.log(
    `  agentcost ingest: ${pglite.seconds.toFixed(1)} s, ${rate(sizes.pglite, pglite.seconds)} signals/s (${rate(sizes.pglite, pglite.seconds - pgliteStartup.seconds)}/s without the ${pgliteStartup.seconds.toFixed(1)} s start)`,
  )
  console.log(`  ingest RSS: ${summarizeRss(pglite.rssMb)}`)
  rmSync(work, { recursive: true, force: true })
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
