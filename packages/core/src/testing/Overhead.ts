/**
 * The overhead benchmarks of the integrations: what a framework run costs
 * with agentcost attached, against the bare run, in the same process and the
 * same run.
 *
 * A 5 % difference is smaller than what load, GC and cache state do to any
 * one long measurement, so the variants are sampled in many short rounds:
 * each round runs every variant once, in a fresh random order, for a few
 * runs, then the work the variant deferred (`settle`: a flush) — deferred
 * pricing is counted, in the variant that caused it. Time is the process's
 * CPU time by default (what the machine's other load does not change). Each
 * row gives the median over rounds of the round's ratio to the baseline (the
 * first variant), and the ratio of the totals; a second copy of the baseline
 * shows the noise floor of the run.
 */
import { AgentCost } from "../AgentCost.ts"
import type { PriceBookFile } from "../PriceBook.ts"
import { alignedTable } from "./Bench.ts"

/**
 * An `AgentCost` for one booking variant: the memory store, and no flush
 * timer — the variant's `settle` flushes, so the work it deferred is timed
 * with it and not with whichever variant runs when a timer fires.
 */
export const benchAgentCost = (prices: ReadonlyArray<PriceBookFile>): Promise<AgentCost> =>
  AgentCost.create({
    store: "memory:",
    prices,
    handleSignals: false,
    flushIntervalMs: 3_600_000,
  })

export interface OverheadVariant {
  readonly name: string
  /** One run of the workload. */
  readonly run: () => Promise<unknown>
  /** The work the variant's runs deferred (a flush), timed with them. */
  readonly settle?: (() => Promise<unknown>) | undefined
}

export interface OverheadOptions {
  readonly rounds: number
  readonly runsPerSample: number
  /** Rounds run first and not counted (JIT warm-up). */
  readonly warmupRounds?: number | undefined
  /** The clock in µs: this process's CPU time unless given (tests pass a fake one). */
  readonly now?: (() => number) | undefined
  /** The order of a round's variants (tests pass a fixed one); a fresh random order unless given. */
  readonly order?: ((names: ReadonlyArray<string>) => ReadonlyArray<string>) | undefined
}

export interface OverheadRow {
  readonly name: string
  /** Median time per run, µs. */
  readonly usPerRun: number
  /** Median over rounds of this variant's time over the baseline's in the round. */
  readonly ratio: number
  /** This variant's total time over the baseline's. */
  readonly totalRatio: number
  /** Median over rounds of the difference to the baseline, µs per run. */
  readonly overheadUsPerRun: number
}

const cpuMicros = (): number => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

const shuffled = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  const order = [...names]
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

export const median = (values: ReadonlyArray<number>): number => {
  if (values.length === 0) throw new Error("median of no values")
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const sum = (values: ReadonlyArray<number>): number => values.reduce((a, b) => a + b, 0)

/** Samples every variant in interleaved rounds; the first variant is the baseline. */
export const measureOverhead = async (
  variants: ReadonlyArray<OverheadVariant>,
  options: OverheadOptions,
): Promise<ReadonlyArray<OverheadRow>> => {
  if (variants.length === 0) throw new Error("measureOverhead needs at least the baseline")
  const now = options.now ?? cpuMicros
  const order = options.order ?? shuffled
  const byName = new Map(variants.map((variant) => [variant.name, variant]))
  if (byName.size !== variants.length) throw new Error("variant names must be unique")
  const names = variants.map((variant) => variant.name)
  const sample = async (variant: OverheadVariant): Promise<number> => {
    const start = now()
    for (let i = 0; i < options.runsPerSample; i++) await variant.run()
    await variant.settle?.()
    return (now() - start) / options.runsPerSample
  }
  const round = async (): Promise<Map<string, number>> => {
    const times = new Map<string, number>()
    for (const name of order(names)) times.set(name, await sample(byName.get(name)!))
    return times
  }
  for (let i = 0; i < (options.warmupRounds ?? 0); i++) await round()
  const samples = new Map<string, Array<number>>(names.map((name) => [name, []]))
  for (let i = 0; i < options.rounds; i++) {
    for (const [name, time] of await round()) samples.get(name)!.push(time)
  }
  const baseline = samples.get(names[0]!)!
  return names.map((name) => {
    const times = samples.get(name)!
    return {
      name,
      usPerRun: median(times),
      ratio: median(times.map((time, i) => time / baseline[i]!)),
      totalRatio: sum(times) / sum(baseline),
      overheadUsPerRun: median(times.map((time, i) => time - baseline[i]!)),
    }
  })
}

/**
 * The table "name  µs/run  ×baseline (median)  ×baseline (totals)  +µs per
 * unit"; `unitsPerRun` divides the overhead (3 → per call of a 3-call run).
 */
export const formatOverheadTable = (
  rows: ReadonlyArray<OverheadRow>,
  options: { readonly unit: string; readonly unitsPerRun: number },
): string => {
  const signed = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`
  const cells = rows.map((row) => [
    row.name,
    row.usPerRun.toFixed(0),
    `×${row.ratio.toFixed(3)}`,
    `×${row.totalRatio.toFixed(3)}`,
    signed(row.overheadUsPerRun / options.unitsPerRun),
  ])
  return alignedTable(
    ["variant", "µs/run", "median ratio", "total ratio", `µs/${options.unit}`],
    cells,
  )
}
