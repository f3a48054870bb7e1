/** The shipped price book: dated Gemini prices, sources in the package README. */
import { PriceBook } from "@agentcost/core"
import prices from "./prices.json" with { type: "json" }

export const defaultPrices: PriceBook.PriceBookFile = PriceBook.decode(
  prices,
  "@agentcost/adapter-google/prices.json",
)
