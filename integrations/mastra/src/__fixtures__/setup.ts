/** An `AgentCost` on a named in-memory store with the test price book and a clock in November 2026. */
import { AgentCost, type CostEnvelope, type CostSignal, MemoryLedger } from "@agentcost/core"
import { prices } from "./prices.ts"

export const NOW = Date.parse("2026-11-03T10:00:00.000Z")

let stores = 0

/** A fresh store name; pass it to `setup` twice for two processes sharing one database. */
export const storeName = (): string => `mastra-test-${process.pid}-${++stores}`

export const setup = async (name = storeName()) => {
  const agentcost = await AgentCost.create({
    store: `memory:${name}`,
    prices: [prices],
    handleSignals: false,
    now: () => NOW,
  })
  const store = MemoryLedger.storeNamed(name)
  return {
    agentcost,
    /** Per-tenant totals of November 2026, as decimal strings. */
    byTenant: async (): Promise<Record<string, string>> => {
      const report = await agentcost.report({ period: "2026-11", by: "tenant" })
      return Object.fromEntries(report.rows.map((row) => [row.key, row.total]))
    },
    signals: async (): Promise<Array<CostSignal.CostSignal>> => {
      await agentcost.flush()
      return [...store.signals.values()]
    },
    envelopes: async (): Promise<Array<CostEnvelope.EnvelopeRecord>> => {
      await agentcost.flush()
      return [...store.envelopes.values()]
    },
  }
}
