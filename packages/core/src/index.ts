/**
 * @agentcost/core — per-tenant cost attribution for AI agent workloads.
 * Each module is one concept, exported as a namespace: `Money.apportion`,
 * `PriceBook.load`, `PricingRegistry.Pricer`, `CostSignal.decode`.
 */
export * as CostSignal from "./CostSignal.ts"
export * as HttpSettlement from "./HttpSettlement.ts"
export * as Money from "./Money.ts"
export * as PriceBook from "./PriceBook.ts"
export * as PricingRegistry from "./PricingRegistry.ts"
export * as ProviderAdapter from "./ProviderAdapter.ts"
export * as SettlementSource from "./SettlementSource.ts"
export * as Usage from "./Usage.ts"
