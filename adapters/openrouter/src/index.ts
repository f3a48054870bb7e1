/**
 * @agentcost/adapter-openrouter — OpenRouter responses to canonical usage,
 * the provider-reported cost, OpenRouter list prices as a dated default book,
 * and settlement against the generation-stats endpoint.
 */
import { PriceBook, type ProviderAdapter } from "@agentcost/core"
import { generationSettlement } from "./GenerationSettlement.ts"
import { normalize, PROVIDER } from "./OpenRouterResponse.ts"
import prices from "./prices.json" with { type: "json" }

export { DEFAULT_BASE_URL, generationSettlement, settledCost } from "./GenerationSettlement.ts"
export { normalize, PROVIDER } from "./OpenRouterResponse.ts"

export interface OpenRouterOptions {
  /** The OpenRouter account or key the calls are made with, when a call's hints do not say. */
  readonly providerAccount?: string | undefined
  /** For settlement lookups; defaults to the `OPENROUTER_API_KEY` environment variable. */
  readonly apiKey?: string | undefined
  /** Defaults to `https://openrouter.ai`. */
  readonly baseUrl?: string | undefined
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Settlement lookup timeout in milliseconds. */
  readonly timeoutMs?: number | undefined
}

export const defaultPrices: PriceBook.PriceBookFile = PriceBook.decode(
  prices,
  "@agentcost/adapter-openrouter/prices.json",
)

export const openrouter = (options: OpenRouterOptions = {}): ProviderAdapter.ProviderAdapter => ({
  provider: PROVIDER,
  normalize: (raw, hints) => normalize(raw, hints, options.providerAccount ?? null),
  defaultPrices,
  settlement: generationSettlement(options),
})
