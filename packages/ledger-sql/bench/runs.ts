/**
 * `pnpm bench` (packages/ledger-sql): the cost of ending a run on
 * PostgreSQL. A run opened by `run()`/`openNow` is finalized in the batch
 * that writes it (one insert); an envelope whose record a store may already
 * hold (an id of the caller's) is finalized through the ledger after the
 * write (read the record, read its signals, update). Same process, same
 * store, interleaved rounds (`measureOverhead`): each sample is 50 runs of 3
 * captured calls, then a flush. CPU time and wall time (round trips).
 *
 *   node --conditions=@agentcost/source bench/runs.ts
 */
import { execFileSync } from "node:child_process"
import { AgentCost, ProviderAdapter } from "@agentcost/core"
import { formatOverheadTable, measureOverhead } from "@agentcost/core/test"
import { Effect } from "effect"
import { layerFromUrl, migrateUrl } from "../src/index.ts"
import { gpt51 } from "../test/fixtures/prices.ts"

const pgUrl =
  process.env.AGENTCOST_BENCH_PG_URL ??
  process.env.AGENTCOST_TEST_PG_URL ??
  "postgres://postgres@127.0.0.1:5432/test"
const schema = `bench_runs_${process.pid}`
const store = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=${schema}`
const RUNS = 50
const CALLS = 3

await Effect.runPromise(migrateUrl(store))
const agentcost = await AgentCost.create({
  ledger: layerFromUrl(store),
  prices: [gpt51],
  handleSignals: false,
  flushIntervalMs: 3_600_000,
})
let calls = 0
const oneRun = (ownId: boolean) => async () => {
  const envelope = ownId
    ? await agentcost.open({ tenantId: "acme", envelopeId: `job-${process.pid}-${calls}` })
    : agentcost.openNow({ tenantId: "acme" })!
  for (let c = 0; c < CALLS; c++) {
    envelope.begin().capture({
      provider: "openai",
      call: ProviderAdapter.normalizedCall(
        "gpt-5.1",
        { input_tokens: 1000, output_tokens: 60 },
        { providerRequestId: `req-${process.pid}-${++calls}` },
      ),
    })
  }
  await envelope.finalizeLater("succeeded")
}
const flush = () => agentcost.flush()
const variants = [
  { name: "finalized through the ledger (caller's id)", run: oneRun(true), settle: flush },
  { name: "finalized in its batch (run, finalizeLater)", run: oneRun(false), settle: flush },
]
try {
  for (const [clock, now] of [
    ["CPU time", undefined],
    ["wall time", () => performance.now() * 1000],
  ] as const) {
    const rows = await measureOverhead(variants, {
      rounds: 30,
      runsPerSample: RUNS,
      warmupRounds: 10,
      now,
    })
    console.log(
      `Ending runs on PostgreSQL, ${RUNS} runs × ${CALLS} calls then a flush per sample: ${clock}`,
    )
    console.log(formatOverheadTable(rows, { unit: "run", unitsPerRun: 1 }))
  }
} finally {
  await agentcost.close()
  execFileSync("psql", [
    pgUrl,
    "-X",
    "-q",
    "-c",
    "SET client_min_messages = warning",
    "-c",
    `DROP SCHEMA "${schema}" CASCADE`,
  ])
}
