/**
 * @agentcost/adapter-generic — onboard a compute-unit or outcome-priced
 * provider without code: a JSON config says where each fact lives in the
 * provider's response, what it costs, and where its cost-by-job endpoint is.
 */
import { PriceBook, type ProviderAdapter } from "@agentcost/core"
import { type CostByJobOptions, costByJobSettlement } from "./CostByJobSettlement.ts"
import * as GenericConfig from "./GenericConfig.ts"
import { normalizeWith } from "./GenericResponse.ts"
import shipped from "./prices.json" with { type: "json" }

export { type CostByJobOptions, costByJobSettlement, settledCost } from "./CostByJobSettlement.ts"
export { normalizeWith } from "./GenericResponse.ts"
export * as JsonPath from "./JsonPath.ts"
export { GenericConfig }

/** The shipped book is empty: a generic provider's prices come from its config. */
const shippedPrices = PriceBook.decode(shipped, "@agentcost/adapter-generic/prices.json")

/**
 * A provider adapter from a config object (e.g. parsed JSON) or a config file
 * path; throws `InvalidGenericConfig` naming the field when the config is wrong.
 */
export const generic = (
  config: unknown,
  options: CostByJobOptions = {},
): ProviderAdapter.ProviderAdapter => {
  const checked =
    typeof config === "string" ? GenericConfig.load(config) : GenericConfig.decode(config)
  return {
    provider: checked.provider,
    normalize: (raw, hints) => normalizeWith(checked, raw, hints),
    defaultPrices: { version: 1, entries: [...shippedPrices.entries, ...checked.prices] },
    settlement:
      checked.settlement === undefined
        ? undefined
        : costByJobSettlement(checked.provider, checked.settlement, options),
  }
}
