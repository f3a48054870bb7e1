/**
 * An application that records and never calls close(): it must still exit by
 * itself, with everything it recorded written. Writes land in the file named
 * by argv[2], one signal id a line.
 */
import { appendFileSync } from "node:fs"
import { Effect, Layer } from "effect"
import { AgentCost } from "../AgentCost.ts"
import { Ledger } from "../Ledger.ts"
import * as MemoryLedger from "../MemoryLedger.ts"
import type { PriceBookFile } from "../PriceBook.ts"
import { normalizedCall } from "../testing/Calls.ts"
import book from "./envelope-prices.json" with { type: "json" }

const out = process.argv[2]!
const memory = MemoryLedger.make()
const ledger = Layer.succeed(Ledger, {
  ...memory,
  write: (batch) =>
    memory.write(batch).pipe(
      Effect.tap(() =>
        Effect.sync(() => {
          for (const signal of batch.signals ?? []) appendFileSync(out, `${signal.signal_id}\n`)
        }),
      ),
    ),
})

const agentcost = await AgentCost.create({
  ledger,
  prices: [book as PriceBookFile],
  flushIntervalMs: 60_000,
})
const envelope = await agentcost.open({ tenantId: "acme" })
for (const id of ["a", "b", "c"]) {
  await envelope.record({
    provider: "acme",
    call: normalizedCall("chat-1", { input_tokens: 10 }, { providerRequestId: id }),
  })
}
