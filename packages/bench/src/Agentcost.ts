/**
 * Our path for one raw response: the adapter's `normalize`, then
 * `CostSignal.fromCall` with a `Pricer` over every adapter's shipped book —
 * exactly what `agentcost price` and the integrations run per call.
 */
import { CostSignal, PricingRegistry, type ProviderAdapter } from "@agentcost/core"
import { ADAPTERS, type RawResponse } from "./MixedResponses.ts"

export const pricer = new PricingRegistry.Pricer({
  shipped: ADAPTERS.map((adapter) => adapter.defaultPrices),
})

/** The pricing half alone, on an already normalized call. */
export const priceCall = (
  provider: string,
  call: ProviderAdapter.NormalizedCall,
  now: number,
): CostSignal.CostSignal => CostSignal.fromCall(pricer, provider, call, {}, now)

/** `now` is only the call time of a response without a timestamp of its own. */
export const price = (response: RawResponse, now: number): CostSignal.CostSignal =>
  priceCall(response.adapter.provider, response.adapter.normalize(response.raw), now)
