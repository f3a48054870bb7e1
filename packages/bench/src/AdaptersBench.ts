/**
 * Benchmark: normalize + price of a mixed set of raw provider responses per
 * second, ours (exact decimals) against `@pydantic/genai-prices` (floats) on
 * the same responses in the same run, then both results compared per response.
 */
import type { CostSignal } from "@agentcost/core"
import { benchRow, formatBenchTable } from "@agentcost/core/test"
import { Bench } from "tinybench"
import * as Agentcost from "./Agentcost.ts"
import * as Comparison from "./Comparison.ts"
import { WHY } from "./Disagreements.ts"
import * as GenaiPrices from "./GenaiPrices.ts"
import * as MixedResponses from "./MixedResponses.ts"
import { integer, section, table } from "./Report.ts"

/** Ours must price at least this many times as many responses per second. */
export const TARGET_RATIO = 3
// Many short alternating rounds: on a shared machine the load shifts within
// seconds, and a ratio taken inside one short round sees the same load on
// both sides. The ratio reported is the median of the rounds' ratios.
const ROUNDS = 24
const ROUND_TIME_MS = 250
const BREAKDOWN_ROUNDS = 3
const BREAKDOWN_TIME_MS = 300

const OURS = "agentcost: adapter.normalize + CostSignal.fromCall (exact decimals)"
const BASELINE = "genai-prices: extractUsage + calcPrice (floats)"

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

type Task = readonly [name: string, fn: () => void]

/** Responses per second of each task; one task call prices the whole set once. */
const measure = (
  tasks: ReadonlyArray<Task>,
  timeMs: number,
  responses: number,
  warmup: boolean,
) => {
  const bench = new Bench({ time: timeMs, warmup, warmupTime: 200, throws: true })
  for (const [name, fn] of tasks) bench.add(name, fn)
  return new Map(
    bench.runSync().map((task) => {
      const row = benchRow(task, responses)
      return [row.name, row.opsPerSecond]
    }),
  )
}

/** Several short rounds, the task order rotated each round so no task always runs first. */
const measureRounds = (
  tasks: ReadonlyArray<Task>,
  rounds: number,
  timeMs: number,
  responses: number,
): Array<Map<string, number>> =>
  Array.from({ length: rounds }, (_, round) =>
    // Only the first round warms up: the functions stay optimized across rounds.
    measure(
      tasks.map((_, i) => tasks[(i + round) % tasks.length]!),
      timeMs,
      responses,
      round === 0,
    ),
  )

interface Prepared {
  readonly response: MixedResponses.RawResponse
  /** Our signal, priced once before timing, for the comparison. */
  readonly signal: CostSignal.CostSignal
  readonly genai: GenaiPrices.GenaiPricesInput
}

// Keeps every result alive, so no call can be optimized away.
let sink = 0

/** Median responses/s of each path over alternating rounds, and each round's ratio. */
const throughput = (prepared: ReadonlyArray<Prepared>, now: number) => {
  const ours = () => {
    for (const { response } of prepared) sink += Agentcost.price(response, now).usage ? 1 : 0
  }
  const baseline = () => {
    for (const { genai } of prepared) sink += GenaiPrices.price(genai).price ? 1 : 0
  }
  const rounds = measureRounds(
    [
      [OURS, ours],
      [BASELINE, baseline],
    ],
    ROUNDS,
    ROUND_TIME_MS,
    prepared.length,
  )
  const oursRate = median(rounds.map((r) => r.get(OURS)!))
  const baselineRate = median(rounds.map((r) => r.get(BASELINE)!))
  const ratios = rounds.map((r) => r.get(OURS)! / r.get(BASELINE)!)
  return { ours: oursRate, baseline: baselineRate, ratio: median(ratios), ratios }
}

/** Each path split into its two halves, on the same responses: median responses/s per step. */
const breakdown = (prepared: ReadonlyArray<Prepared>, now: number): Map<string, number> => {
  const calls = prepared.map(({ response }) => ({
    provider: response.adapter.provider,
    call: response.adapter.normalize(response.raw),
  }))
  const extracted = prepared.map(({ genai }) => ({
    ...GenaiPrices.extract(genai),
    options: { providerId: genai.provider.id, timestamp: genai.timestamp },
  }))
  const rounds = measureRounds(
    [
      [
        "agentcost: adapter.normalize only",
        () => {
          for (const { response } of prepared) {
            sink += response.adapter.normalize(response.raw) ? 1 : 0
          }
        },
      ],
      [
        "agentcost: CostSignal.fromCall only (normalized calls)",
        () => {
          for (const { provider, call } of calls) {
            sink += Agentcost.priceCall(provider, call, now).usage ? 1 : 0
          }
        },
      ],
      [
        "genai-prices: extractUsage only",
        () => {
          for (const { genai } of prepared) sink += GenaiPrices.extract(genai).usage ? 1 : 0
        },
      ],
      [
        "genai-prices: calcPrice only (extracted usage)",
        () => {
          for (const { model, usage, options } of extracted) {
            sink += model !== null && GenaiPrices.calc(usage, model, options) ? 1 : 0
          }
        },
      ],
    ],
    BREAKDOWN_ROUNDS,
    BREAKDOWN_TIME_MS,
    prepared.length,
  )
  return new Map(
    [...rounds[0]!.keys()].map((name) => [name, median(rounds.map((r) => r.get(name)!))]),
  )
}

const costOf = (c: Comparison.Comparison): string => {
  const cost = c.ourCost ?? "unpriced"
  if (c.costSource !== "provider") return cost
  return `${cost} (provider-reported${c.localEstimate ? `; book estimate ${c.localEstimate}` : ""})`
}

const disagreement = (c: Comparison.Comparison): string =>
  [
    `${c.id}  ${c.model} -> genai-prices ${c.genaiPricesModel ?? "(no price)"}`,
    `  usage (ours/genai-prices): ${c.usageDifferences.map((d) => `${d.bucket} ${d.ours}/${d.genaiPrices}`).join(", ") || "same"}`,
    `  cost: ours ${costOf(c)}, genai-prices ${c.genaiPricesCost ?? "no price"}`,
    `  why: ${WHY[c.id] ?? "UNEXPLAINED: investigate"}`,
  ].join("\n")

/** Runs the benchmark and the comparison; returns the report to print. */
export const run = (): string => {
  const { responses, skipped } = MixedResponses.load()
  const now = Date.now()
  const prepared: Array<Prepared> = responses.map((response) => {
    const signal = Agentcost.price(response, now)
    const genai = GenaiPrices.inputFor(response, Date.parse(signal.observed_at))
    return { response, signal, genai }
  })
  const rates = throughput(prepared, now)
  const steps = breakdown(prepared, now)
  if (sink === 0) throw new Error("no response was priced")

  const comparisons = prepared.map(({ response, signal, genai }) =>
    Comparison.compare(response.id, signal, GenaiPrices.price(genai)),
  )
  const disagreeing = comparisons.filter(Comparison.disagrees)
  const stale = comparisons.filter((c) => !Comparison.disagrees(c) && WHY[c.id] !== undefined)
  const perProvider = MixedResponses.ADAPTERS.map(
    ({ provider }) =>
      `${responses.filter((response) => response.adapter.provider === provider).length} ${provider}`,
  )

  const output = [
    section(`normalize + price: ${prepared.length} raw responses (${perProvider.join(", ")})`),
    formatBenchTable(
      [
        { name: OURS, opsPerSecond: rates.ours },
        { name: BASELINE, opsPerSecond: rates.baseline },
      ],
      BASELINE,
    ),
    "",
    `ops/s = responses normalized and priced per second, the median over ${ROUNDS} alternating rounds of ${ROUND_TIME_MS} ms.`,
    `ratio = median of the rounds' own ratios: ${rates.ratio.toFixed(2)}× (range ${Math.min(...rates.ratios).toFixed(2)}× .. ${Math.max(...rates.ratios).toFixed(2)}×); target ≥ ${TARGET_RATIO}× genai-prices: ${rates.ratio >= TARGET_RATIO ? "met" : "NOT MET"}`,
    section(`where the time goes (median of ${BREAKDOWN_ROUNDS} rounds, same responses)`),
    table(
      ["step", "responses/s", "µs per response"],
      [...steps].map(([name, rate]) => [name, integer(rate), (1e6 / rate).toFixed(2)]),
      ["left", "right", "right"],
    ),
    section("usage and cost per response, ours against genai-prices"),
    `${comparisons.length - disagreeing.length} of ${comparisons.length} agree on usage and cost; ` +
      `${comparisons.filter((c) => c.floatNoise).length} of the agreeing genai-prices totals are not the exact decimal (float rounding).`,
    "Usage is compared as genai-prices counts it: input and output are totals that contain their cache, modality and reasoning parts.",
    "",
    disagreeing.map(disagreement).join("\n\n"),
    ...(stale.length > 0
      ? [`\nstale explanations (these now agree): ${stale.map((c) => c.id).join(", ")}`]
      : []),
    section("skipped fixtures (their adapter rejects them)"),
    table(
      ["fixture", "adapter's error"],
      skipped.map((s) => [s.id, s.reason.length > 110 ? `${s.reason.slice(0, 107)}...` : s.reason]),
    ),
  ]
  return output.join("\n")
}
