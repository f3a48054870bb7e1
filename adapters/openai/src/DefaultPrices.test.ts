import { PricingRegistry } from "@agentcost/core"
import { describe, expect, it } from "vitest"
import { defaultPrices } from "./DefaultPrices.ts"

const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
// 100K each of input, cached input and output: 200K input stays below the 272K long-context
// threshold, and the cost is a tenth of the sum of the three per-1M rates.
const USAGE = { input_tokens: 100_000, cache_read_tokens: 100_000, output_tokens: 100_000 }
const price = (model: string, at: string, serviceTier: string | null = null) =>
  pricer.price({ provider: "openai", model, at: Date.parse(at), usage: USAGE, serviceTier })

describe("default price book", () => {
  it("decodes, and every entry says where its prices come from", () => {
    expect(defaultPrices.entries.length).toBe(32)
    for (const entry of defaultPrices.entries) {
      expect(entry.provider).toBe("openai")
      expect(entry.source).toContain("@pydantic/genai-prices 0.1.8")
    }
  })

  it("has one entry in force per model at any time (no overlapping windows)", () => {
    const byModel = new Map<string, Array<{ from: number; to: number }>>()
    for (const entry of defaultPrices.entries) {
      const windows = byModel.get(entry.model) ?? []
      windows.push({
        from: Date.parse(entry.validFrom),
        to: entry.validTo ? Date.parse(entry.validTo) : Number.POSITIVE_INFINITY,
      })
      byModel.set(entry.model, windows)
    }
    for (const [model, windows] of byModel) {
      windows.sort((a, b) => a.from - b.from)
      for (let i = 1; i < windows.length; i++) {
        expect(windows[i]!.from, model).toBeGreaterThanOrEqual(windows[i - 1]!.to)
      }
    }
  })

  it.each([
    // model, call time, service tier, (input + cached + output per 1M) / 10
    ["gpt-5.1", "2026-01-10", null, "1.1375"], // 1.25 + 0.125 + 10
    ["gpt-5.1", "2026-01-10", "flex", "0.56875"], // 0.625 + 0.0625 + 5
    ["gpt-5.1", "2026-01-10", "batch", "0.56875"],
    ["gpt-5.1", "2026-01-10", "priority", "2.275"], // 2.5 + 0.25 + 20
    ["gpt-5.1", "2026-01-10", "default", "1.1375"],
    ["gpt-5.1", "2026-01-10", "scale", "1.1375"], // Scale Tier is prepaid: token rates as standard
    ["gpt-4o-mini", "2025-03-01", "priority", "0.1375"], // 0.25 + 0.125 + 1
    ["gpt-4o-2024-05-13", "2025-03-01", null, "2.5"], // 5 + 5 (no cached rate: input) + 15
    ["o3", "2025-07-01", null, "1.05"], // 2 + 0.5 + 8
    ["gpt-5.6-sol", "2026-08-20", null, "3.55"], // 5 + 0.5 + 30
    ["gpt-5.6-sol", "2026-08-21", null, "2.44"], // 4 + 0.4 + 20
    ["gpt-5.6-sol", "2026-08-21", "priority", "4.88"], // 8 + 0.8 + 40
    ["gpt-5.6", "2026-09-01", null, "2.44"], // the gpt-5.6 alias is Sol
    ["gpt-5.6-luna", "2026-07-29", null, "0.71"], // 1 + 0.1 + 6
    ["gpt-5.6-luna", "2026-07-30", null, "0.142"], // 0.2 + 0.02 + 1.2
    ["gpt-6-sol", "2026-10-01", null, "1.22"], // 2 + 0.2 + 10
    ["gpt-6-astra", "2026-10-01", "flex", "3.05"], // 5 + 0.5 + 25
    ["gpt-6-astra", "2026-10-01", "priority", "6.1"], // no Fast price published: standard 10 + 1 + 50
  ])("%s at %s, tier %s: %s", (model, at, tier, expected) => {
    expect(price(model, `${at}T12:00:00.000Z`, tier).baseCost).toBe(expected)
  })

  it("prices cache writes of GPT-5.6 and later at 1.25x input, for both retentions", () => {
    const priced = pricer.price({
      provider: "openai",
      model: "gpt-6-luna",
      at: Date.parse("2026-10-01T00:00:00.000Z"),
      usage: { cache_write_tokens: 100_000, cache_write_1h_tokens: 100_000 },
    })
    // $0.10 x 1.25 = $0.125 per 1M; 100K tokens -> 0.0125, each.
    expect(priced.components.cache_write_tokens).toBe("0.0125")
    expect(priced.components.cache_write_1h_tokens).toBe("0.0125")
    expect(priced.fallbacks).toEqual([])
  })

  it("has no price before a model's first date", () => {
    expect(() => price("gpt-6-sol", "2026-09-21T23:59:59.000Z")).toThrow(
      "no price for openai/gpt-6-sol at 2026-09-21T23:59:59.000Z",
    )
  })
})
