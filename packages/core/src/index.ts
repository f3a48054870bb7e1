/**
 * @agentcost/core — per-tenant cost attribution for AI agent workloads.
 * Each module is one concept, exported as a namespace (`Money.apportion`,
 * `PriceBook.load`, `EnvelopeTracker.EnvelopeTracker`); the Promise facade
 * `AgentCost` is exported directly for people who do not use Effect.
 */
export {
  AgentCost,
  type AgentCostOptions,
  type CallHandle,
  EnvelopeHandle,
  type RunOptions,
} from "./AgentCost.ts"
export * as Booking from "./Booking.ts"
export * as CostEnvelope from "./CostEnvelope.ts"
export * as CostSignal from "./CostSignal.ts"
export * as EnvelopeContext from "./EnvelopeContext.ts"
export * as EnvelopeTracker from "./EnvelopeTracker.ts"
export * as HttpSettlement from "./HttpSettlement.ts"
export * as JsonPosition from "./JsonPosition.ts"
export * as Ledger from "./Ledger.ts"
export * as MemoryLedger from "./MemoryLedger.ts"
export * as Money from "./Money.ts"
export * as PriceBook from "./PriceBook.ts"
export * as PricingRegistry from "./PricingRegistry.ts"
export * as ProviderAdapter from "./ProviderAdapter.ts"
export * as ResponseFields from "./ResponseFields.ts"
export * as Settlement from "./Settlement.ts"
export * as SettlementSource from "./SettlementSource.ts"
export * as SharedResource from "./SharedResource.ts"
export * as Timestamp from "./Timestamp.ts"
export * as Usage from "./Usage.ts"
export * as WriteBuffer from "./WriteBuffer.ts"
