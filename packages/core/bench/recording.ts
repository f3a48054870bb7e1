/**
 * Recording benchmarks (issue #3), each against a baseline in the same run:
 *
 * - baseline: `CostSignal.fromCall` alone — pricing a call into a signal,
 *   the least work any recorder must do;
 * - tracker: `EnvelopeTracker.record` into an open envelope (price, book the
 *   estimate, queue it in the write buffer, memory ledger), in Effect;
 * - facade: `envelope.record(...)` through the Promise facade, i.e. what an
 *   integration pays per call (ManagedRuntime + the tracker).
 *
 * Reports signals/s and the ratio to the baseline.
 */
import { Layer, ManagedRuntime } from "effect"
import { Bench } from "tinybench"
import book from "../src/__fixtures__/envelope-prices.json" with { type: "json" }
import { AgentCost } from "../src/AgentCost.ts"
import * as CostSignal from "../src/CostSignal.ts"
import { EnvelopeTracker } from "../src/EnvelopeTracker.ts"
import * as MemoryLedger from "../src/MemoryLedger.ts"
import type { PriceBookFile } from "../src/PriceBook.ts"
import { Pricer, PricingRegistry } from "../src/PricingRegistry.ts"
import { benchRow, normalizedCall } from "../src/testing/index.ts"
import { WriteBuffer } from "../src/WriteBuffer.ts"

const prices = book as PriceBookFile
const NOW = Date.parse("2026-11-03T10:00:00.000Z")
let n = 0
const nextCall = () =>
  normalizedCall(
    "chat-1",
    { input_tokens: 1000 + (n % 997), output_tokens: 200 + (n % 13) },
    {
      providerRequestId: `req-${++n}`,
    },
  )

export const runRecordingBench = async (time: number) => {
  const pricer = new Pricer({ user: [prices] })
  const runtime = ManagedRuntime.make(
    EnvelopeTracker.layer().pipe(
      Layer.provideMerge(WriteBuffer.layer({ flushIntervalMs: 50 })),
      Layer.provideMerge(PricingRegistry.layer({ user: [prices] })),
      Layer.provideMerge(MemoryLedger.layer()),
    ),
  )
  const active = await runtime.runPromise(EnvelopeTracker.use((t) => t.open({ tenantId: "acme" })))
  const agentcost = await AgentCost.create({
    store: "memory:",
    prices: [prices],
    handleSignals: false,
  })
  const envelope = await agentcost.open({ tenantId: "acme" })

  const bench = new Bench({ time, warmupTime: Math.min(200, time) })
  bench
    .add(BASELINE, () => {
      CostSignal.fromCall(pricer, "acme", nextCall(), { envelopeId: "env", tenantId: "acme" }, NOW)
    })
    .add("EnvelopeTracker.record", async () => {
      await runtime.runPromise(
        EnvelopeTracker.use((tracker) =>
          tracker.record(active, { provider: "acme", call: nextCall() }),
        ),
      )
    })
    .add("facade envelope.record", async () => {
      await envelope.record({ provider: "acme", call: nextCall() })
    })
  await bench.run()
  await agentcost.close()
  await runtime.dispose()

  return bench.tasks.map((task) => benchRow(task))
}

export const BASELINE = "baseline: CostSignal.fromCall"
