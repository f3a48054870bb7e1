import { PriceBook, PricingRegistry } from "@agentcost/core"
import { describe, expect, it } from "vitest"
import { defaultPrices } from "./DefaultPrices.ts"
import prices from "./prices.json" with { type: "json" }

const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
const at = Date.parse("2026-12-01T00:00:00Z")
const rateOf = (model: string, unit: string) =>
  pricer.price({ provider: "anthropic", model, at, usage: { [unit]: 1_000_000 } }).baseCost

describe("the Anthropic default price book", () => {
  it("decodes under the contract format, every entry with its source", () => {
    expect(PriceBook.decode(prices, "prices.json").entries).toHaveLength(15)
    for (const entry of defaultPrices.entries) {
      expect(entry.provider).toBe("anthropic")
      expect(entry.source).toMatch(
        /^@pydantic\/genai-prices 0\.1\.8 anthropic\/claude-[a-z0-9-]+.*, read 2026-12-03;/,
      )
    }
  })

  it("lists 1h cache writes at 2x input and cache reads at 0.1x (per million)", () => {
    expect(rateOf("claude-opus-4-5-20251101", "input_tokens")).toBe("5")
    expect(rateOf("claude-opus-4-5-20251101", "cache_write_tokens")).toBe("6.25")
    expect(rateOf("claude-opus-4-5-20251101", "cache_write_1h_tokens")).toBe("10")
    expect(rateOf("claude-opus-4-5-20251101", "cache_read_tokens")).toBe("0.5")
    expect(rateOf("claude-haiku-4-5-20251001", "cache_write_1h_tokens")).toBe("2")
    expect(rateOf("claude-sonnet-4-6", "output_tokens")).toBe("15")
  })

  it("resolves snapshot ids, aliases and Vertex ids of Claude 4", () => {
    for (const model of [
      "claude-sonnet-4-20250514",
      "claude-sonnet-4-0",
      "claude-sonnet-4@20250514",
    ]) {
      expect(pricer.resolve({ provider: "anthropic", model, at }).priceRef).toBe(
        "anthropic/claude-sonnet-4@2025-05-14",
      )
    }
    expect(
      pricer.resolve({ provider: "anthropic", model: "claude-opus-4-1-20250805", at }).priceRef,
    ).toBe("anthropic/claude-opus-4-1@2025-08-05")
  })

  it("does not price a model before it existed", () => {
    expect(() =>
      pricer.resolve({
        provider: "anthropic",
        model: "claude-opus-5",
        at: Date.parse("2026-07-01T00:00:00Z"),
      }),
    ).toThrow(PricingRegistry.UnpricedModel)
  })
})
