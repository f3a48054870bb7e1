/**
 * The price book shipped with the adapter (DESIGN.md §3 format). Sources and
 * as-of dates for every price are in the package README and in each entry's
 * `source`; user price books always win over it.
 */
import { PriceBook } from "@agentcost/core"
import prices from "./prices.json" with { type: "json" }

export const defaultPrices: PriceBook.PriceBookFile = PriceBook.decode(
  prices,
  "@agentcost/adapter-openai/prices.json",
)
