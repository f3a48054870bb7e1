import type { CostSignal } from "@agentcost/core"
import { describe, expect, test } from "vitest"
import * as Comparison from "./Comparison.ts"

const signal = (overrides: Partial<CostSignal.CostSignal>): CostSignal.CostSignal => ({
  signal_id: "anthropic:msg_1",
  envelope_id: null,
  tenant_id: null,
  workflow_type: null,
  resource_id: null,
  provider: "anthropic",
  provider_account: null,
  model: "claude-opus-4-5-20251101",
  endpoint: null,
  strategy: "TOKEN_BASED",
  usage: {},
  base_cost: null,
  currency: "USD",
  cost_source: "local",
  pending_cost: false,
  estimate_method: null,
  cost_components: {},
  fallbacks: [],
  provider_request_id: "msg_1",
  provider_invoice_id: null,
  operation_id: null,
  attempt: 1,
  attempt_outcome: "succeeded",
  price_ref: null,
  observed_at: "2026-12-03T00:00:00.000Z",
  ...overrides,
})

// Anthropic's cache fixture: 1200 uncached, 30000 read, 2000 5m writes, 3000 1h writes, 800 out.
const disjoint = {
  input_tokens: 1200,
  cache_read_tokens: 30000,
  cache_write_tokens: 2000,
  cache_write_1h_tokens: 3000,
  output_tokens: 800,
  tool_calls: 1,
}
// The same call as genai-prices' Anthropic extractor reports it: input is the total.
const overlapping = {
  input_tokens: 36200,
  cache_read_tokens: 30000,
  cache_write_tokens: 5000,
  cache_write_5m_tokens: 2000,
  cache_write_1h_tokens: 3000,
  output_tokens: 800,
}

describe("usage buckets", () => {
  test("disjoint units count in every total that contains them; tool calls have no counterpart", () => {
    expect(Comparison.fromCanonical(disjoint)).toEqual({
      input: 36200,
      cache_read: 30000,
      cache_write: 5000,
      cache_write_1h: 3000,
      input_audio: 0,
      input_image: 0,
      output: 800,
      reasoning: 0,
      output_audio: 0,
      web_searches: 0,
    })
  })

  test("reasoning and cached audio land in their totals too", () => {
    const buckets = Comparison.fromCanonical({
      input_tokens: 4000,
      input_audio_tokens: 6000,
      cache_read_tokens: 16000,
      x_cache_read_audio_tokens: 24000,
      output_tokens: 600,
      reasoning_tokens: 150,
    })
    expect(buckets.input).toBe(50000)
    expect(buckets.cache_read).toBe(40000)
    expect(buckets.input_audio).toBe(30000)
    expect(buckets.output).toBe(750)
    expect(buckets.reasoning).toBe(150)
  })

  test("genai-prices' keys map one to one; the 5m split has no bucket of its own", () => {
    expect(Comparison.fromGenaiPrices(overlapping)).toEqual(Comparison.fromCanonical(disjoint))
  })
})

describe("compare", () => {
  const genai = (usage: { readonly [key: string]: number }, total: number | null) => ({
    model: "claude-opus-4-5-20251101",
    usage,
    price:
      total === null ? null : ({ total_price: total, model: { id: "claude-opus-4-5" } } as never),
  })

  test("a float total within 1e-9 of the exact decimal agrees, flagged as float noise", () => {
    const result = Comparison.compare(
      "anthropic/cache",
      signal({ usage: disjoint, base_cost: "0.00592" }),
      genai(overlapping, 0.005920000000000001),
    )
    expect(result.costsAgree).toBe(true)
    expect(result.floatNoise).toBe(true)
    expect(result.usageDifferences).toEqual([])
    expect(Comparison.disagrees(result)).toBe(false)
  })

  test("an exact float match is not noise", () => {
    const result = Comparison.compare(
      "anthropic/cache",
      signal({ usage: disjoint, base_cost: "0.0835" }),
      genai(overlapping, 0.0835),
    )
    expect(result.floatNoise).toBe(false)
  })

  test("a different cost or bucket disagrees and names the bucket", () => {
    const result = Comparison.compare(
      "anthropic/cache",
      signal({ usage: { ...disjoint, web_search_requests: 2 }, base_cost: "0.1035" }),
      genai(overlapping, 0.0835),
    )
    expect(result.costsAgree).toBe(false)
    expect(result.usageDifferences).toEqual([{ bucket: "web_searches", ours: 2, genaiPrices: 0 }])
    expect(result.genaiPricesModel).toBe("claude-opus-4-5")
  })

  test("no price on one side only is a disagreement; on both sides it is not", () => {
    const unpriced = signal({ usage: disjoint, base_cost: null })
    expect(Comparison.compare("x", unpriced, genai(overlapping, 0.0835)).costsAgree).toBe(false)
    expect(Comparison.compare("x", unpriced, genai(overlapping, null)).costsAgree).toBe(true)
  })

  test("a provider-reported cost keeps the book estimate beside it", () => {
    const result = Comparison.compare(
      "openrouter/byok",
      signal({
        usage: { input_tokens: 9171, output_tokens: 113 },
        base_cost: "0.0102228",
        cost_source: "provider",
        cost_components: { provider_reported: "0.0102228", local_estimate: "0.009736" },
      }),
      genai({ input_tokens: 9171, output_tokens: 113 }, 0.009736),
    )
    expect(result.costsAgree).toBe(false)
    expect(result.localEstimate).toBe("0.009736")
  })
})
