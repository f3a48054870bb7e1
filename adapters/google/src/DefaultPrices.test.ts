import { PriceBook, PricingRegistry } from "@agentcost/core"
import { describe, expect, it } from "vitest"
import { defaultPrices } from "./DefaultPrices.ts"
import prices from "./prices.json" with { type: "json" }

const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
const at = Date.parse("2026-12-01T00:00:00Z")
const refOf = (model: string) => pricer.resolve({ provider: "google", model, at }).priceRef

describe("the Google default price book", () => {
  it("decodes under the contract format, every entry with its source", () => {
    expect(PriceBook.decode(prices, "prices.json").entries).toHaveLength(15)
    for (const entry of defaultPrices.entries) {
      expect(entry.provider).toBe("google")
      expect(entry.source).toMatch(
        /^@pydantic\/genai-prices 0\.1\.8 google\/gemini-[a-z0-9.-]+.*, read 2026-12-03;/,
      )
      // cached audio has no fallback, so every entry must price it
      expect(entry.rates?.x_cache_read_audio_tokens).toBeDefined()
    }
  })

  it("resolves preview and dated model versions, not TTS or Lite lookalikes", () => {
    expect(refOf("gemini-2.5-pro-preview-06-05")).toBe("google/gemini-2.5-pro@2025-01-01")
    expect(refOf("gemini-2.5-flash-preview-09-2025")).toBe("google/gemini-2.5-flash@2025-01-01")
    expect(refOf("gemini-2.5-flash-lite-preview-06-17")).toBe(
      "google/gemini-2.5-flash-lite@2025-01-01",
    )
    expect(refOf("gemini-3-pro-preview-11-2025")).toBe("google/gemini-3-pro-preview@2025-01-01")
    expect(refOf("gemini-3.5-flash-lite")).toBe("google/gemini-3.5-flash-lite@2025-01-01")
    expect(() => refOf("gemini-2.5-pro-preview-tts")).toThrow(PricingRegistry.UnpricedModel)
    expect(() => refOf("gemini-2.5-flash-lite-preview-tts")).toThrow(PricingRegistry.UnpricedModel)
  })
})
