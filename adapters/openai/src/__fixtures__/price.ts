/** Test helpers: the adapter, and a pricer over its shipped price book. */
import { CostSignal, type PriceBook, PricingRegistry, ProviderAdapter } from "@agentcost/core"
import { openai } from "../OpenAIAdapter.ts"

export const adapter = openai({ providerAccount: "proj_acme" })

export const pricer = new PricingRegistry.Pricer({ shipped: [adapter.defaultPrices] })

/** Only used when a body has no timestamp of its own. */
const NOW = Date.parse("2026-12-03T00:00:00.000Z")

/** Normalizes a raw body and prices it with the shipped book, as `agentcost price` would. */
export const signalOf = (
  raw: unknown,
  context: CostSignal.CallContext = {},
  books: { readonly user?: ReadonlyArray<PriceBook.PriceBookFile> } = {},
): CostSignal.CostSignal => {
  const withUser =
    books.user === undefined
      ? pricer
      : new PricingRegistry.Pricer({ user: books.user, shipped: [adapter.defaultPrices] })
  return CostSignal.fromCall(withUser, "openai", adapter.normalize(raw), context, NOW)
}

/** The `MalformedResponse` that normalizing `raw` throws (fails the test if it does not). */
export const malformedOf = (raw: unknown): ProviderAdapter.MalformedResponse => {
  try {
    adapter.normalize(raw)
  } catch (error) {
    if (error instanceof ProviderAdapter.MalformedResponse) return error
    throw error
  }
  throw new Error("expected a MalformedResponse, but the body was accepted")
}
