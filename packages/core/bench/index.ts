/**
 * `pnpm bench` for @agentcost/core: how fast a normalized usage becomes a
 * price and a full cost signal, against a baseline measured in the same run —
 * the naive float computation of the same calls (tokens × rate / 1e6 in JS
 * numbers, the entry looked up in a plain Map). The baseline knows nothing of
 * tiers, surcharges, effective dating or strategies and rounds; the ratio is
 * what exact, rule-complete pricing costs on top of it.
 */
import { CostSignal, type PriceBook, PricingRegistry, Usage } from "@agentcost/core"
import { benchRow, formatBenchTable } from "@agentcost/core/test"
import { Bench } from "tinybench"
import { BASELINE as RECORDING_BASELINE, runRecordingBench } from "./recording.ts"
import { type BenchCall, book, makeCalls } from "./workload.ts"

const CALLS = 1024
const calls = makeCalls(CALLS)
const pricer = new PricingRegistry.Pricer({ shipped: [book] })
const inputs: ReadonlyArray<PricingRegistry.PricingInput> = calls.map(({ provider, call, at }) => ({
  provider,
  model: call.model,
  endpoint: call.endpoint,
  at,
  usage: call.usage,
  serviceTier: call.serviceTier,
  region: call.region,
  attributes: call.attributes,
  capabilities: call.capabilities,
}))

// The baseline's rate card: per-million token rates and per-unit fees as floats.
interface FloatTable {
  readonly rates: ReadonlyMap<string, number>
  readonly fees: ReadonlyMap<string, number>
}
const floats = (record: { readonly [unit: string]: string } | undefined) =>
  new Map(Object.entries(record ?? {}).map(([unit, value]) => [unit, Number(value)]))
const rateCard = new Map<string, FloatTable>(
  book.entries.map((entry: PriceBook.PriceEntry) => [
    PricingRegistry.priceRefOf(entry),
    { rates: floats(entry.rates), fees: floats(entry.fees) },
  ]),
)
// What a hand-written calculator does for buckets without their own rate.
const NAIVE_FALLBACK: { readonly [unit: string]: string } = {
  reasoning_tokens: "output_tokens",
  output_audio_tokens: "output_tokens",
  cache_read_tokens: "input_tokens",
  cache_write_tokens: "input_tokens",
  cache_write_1h_tokens: "input_tokens",
  input_audio_tokens: "input_tokens",
  input_image_tokens: "input_tokens",
}

const naiveCost = ({ baselineKey, call }: BenchCall): number => {
  const table = rateCard.get(baselineKey)!
  let cost = table.fees.get("per_call") ?? 0
  for (const unit in call.usage) {
    const count = call.usage[unit]!
    if (Usage.isTokenUnit(unit)) {
      const rate = table.rates.get(unit) ?? table.rates.get(NAIVE_FALLBACK[unit] ?? "") ?? 0
      cost += (count * rate) / 1e6
    } else {
      cost += count * (table.fees.get(unit) ?? 0)
    }
  }
  return cost
}

// Results flow into `sink` so the optimizer cannot drop the work.
let sink = 0
const now = Date.parse("2026-11-01T00:00:00Z")

const bench = new Bench({ time: 2500, warmupTime: 500, throws: true })
bench
  .add("float baseline (Map lookup)", () => {
    for (const call of calls) sink += naiveCost(call)
  })
  .add("Pricer.price", () => {
    for (const input of inputs) sink += pricer.price(input).fallbacks.length
  })
  .add("CostSignal.fromCall", () => {
    for (let i = 0; i < CALLS; i++) {
      const { provider, call, at } = calls[i]!
      const signal = CostSignal.fromCall(
        pricer,
        provider,
        call,
        { envelopeId: "env_bench", tenantId: "acme", callIndex: i, at },
        now,
      )
      sink += signal.base_cost?.length ?? 0
    }
  })
await bench.run()
if (!Number.isFinite(sink)) throw new Error("bench sink is not finite")

// How often the float baseline lands on the exact price: where it does not,
// the call used a tier, surcharge or strategy the baseline does not model.
let agree = 0
calls.forEach((call, i) => {
  const exact = Number(pricer.price(inputs[i]!).baseCost)
  if (Math.abs(naiveCost(call) - exact) <= 1e-9 * Math.max(1, exact)) agree++
})

console.log(
  `@agentcost/core pricing: ${CALLS} mixed calls over a ${book.entries.length}-entry book; ops/s = calls priced (signals) per second\n`,
)
console.log(
  formatBenchTable(
    bench.tasks.map((task) => benchRow(task, CALLS)),
    "float baseline (Map lookup)",
  ),
)
console.log(
  `\nthe float baseline matches the exact price on ${agree}/${CALLS} calls; the rest use tiers, surcharges or pending estimates it does not model`,
)

const recording = await runRecordingBench(1500)
console.log(
  "\nrecording a priced signal into an open envelope; ops/s = signals recorded per second\n",
)
console.log(formatBenchTable(recording, RECORDING_BASELINE))
const perCall = (name: string) => 1e6 / recording.find((row) => row.name === name)!.opsPerSecond
console.log(
  `\nper-call overhead of the facade over pricing alone: ${(perCall("facade envelope.record") - perCall(RECORDING_BASELINE)).toFixed(1)} µs`,
)
