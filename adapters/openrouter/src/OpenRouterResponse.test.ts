import { readFileSync } from "node:fs"
import { CostSignal, PricingRegistry, type ProviderAdapter } from "@agentcost/core"
import { malformedResponse } from "@agentcost/core/test"
import { describe, expect, test } from "vitest"
import { defaultPrices, openrouter } from "./index.ts"

const fixture = (name: string): { [key: string]: unknown } =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8"))

const adapter = openrouter({ providerAccount: "org_acme" })
const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
const NOW = Date.parse("2026-12-01T00:00:00Z")
const signalOf = (raw: unknown, hints?: ProviderAdapter.NormalizeHints) =>
  CostSignal.fromCall(pricer, adapter.provider, adapter.normalize(raw, hints), {}, NOW)

const malformed = (raw: unknown) => malformedResponse(adapter, raw)

describe("normalize: usage buckets and facts", () => {
  test("plain completion", () => {
    const call = adapter.normalize(fixture("plain"))
    expect(call).toEqual({
      model: "openai/gpt-4o-mini",
      endpoint: "chat.completions",
      usage: { input_tokens: 1234, output_tokens: 256 },
      serviceTier: null,
      region: null,
      attributes: { upstream_provider: "OpenAI" },
      capabilities: [],
      providerRequestId: "gen-1793700000-Vq3LxT8nKc2RbW5yHm7J",
      providerAccount: "org_acme",
      // Not BYOK: upstream_inference_cost (0.0003387) is a breakdown of the same charge, not added.
      providerReportedCost: { amount: "0.0003387", currency: "USD" },
      observedAt: "2026-11-03T10:00:00.000Z",
    })
  })

  test("final SSE chunk of a stream, served under a dated permaslug", () => {
    const call = adapter.normalize(fixture("stream-final-chunk"))
    expect(call.model).toBe("anthropic/claude-4.5-sonnet-20250929")
    expect(call.endpoint).toBe("chat.completions")
    expect(call.usage).toEqual({ input_tokens: 5210, output_tokens: 812 })
    expect(call.attributes).toEqual({ upstream_provider: "Amazon Bedrock" })
    expect(call.providerReportedCost).toEqual({ amount: "0.02781", currency: "USD" })
  })

  test("cache reads and writes come out of prompt_tokens", () => {
    // 48210 prompt = 40960 cached + 6144 written + 1106 uncached.
    expect(adapter.normalize(fixture("cached")).usage).toEqual({
      input_tokens: 1106,
      cache_read_tokens: 40960,
      cache_write_tokens: 6144,
      output_tokens: 412,
    })
  })

  test("reasoning comes out of completion_tokens", () => {
    const call = adapter.normalize(fixture("reasoning"))
    // 1520 prompt = 1024 cached + 496; 3890 completion = 3456 reasoning + 434.
    expect(call.usage).toEqual({
      input_tokens: 496,
      cache_read_tokens: 1024,
      output_tokens: 434,
      reasoning_tokens: 3456,
    })
    expect(call.capabilities).toEqual(["reasoning"])
  })

  test("tool calls are counted and mark tool use", () => {
    const call = adapter.normalize(fixture("tool-calls"))
    expect(call.usage).toEqual({ input_tokens: 2875, output_tokens: 96, tool_calls: 2 })
    expect(call.capabilities).toEqual(["tool_use"])
  })

  test("a stream's final chunk that stopped for tools marks tool use without a count", () => {
    const chunk = fixture("stream-final-chunk")
    const choice = (chunk.choices as Array<{ [key: string]: unknown }>)[0]!
    const call = adapter.normalize({
      ...chunk,
      choices: [{ ...choice, finish_reason: "tool_calls" }],
    })
    expect(call.usage.tool_calls).toBeUndefined()
    expect(call.capabilities).toEqual(["tool_use"])
  })

  test("web searches are a counted event and a capability", () => {
    const call = adapter.normalize(fixture("web-search"))
    expect(call.usage).toEqual({
      input_tokens: 4210,
      output_tokens: 188,
      reasoning_tokens: 192,
      web_search_requests: 1,
    })
    expect(call.capabilities).toEqual(["reasoning", "web_search"])
  })

  test("integration hints add capabilities and the per-call account wins over the default", () => {
    const call = adapter.normalize(fixture("plain"), {
      capabilities: ["rag"],
      providerAccount: "key_support_bot",
      endpoint: "responses",
    })
    expect(call.capabilities).toEqual(["rag"])
    expect(call.providerAccount).toBe("key_support_bot")
    expect(call.endpoint).toBe("responses")
    expect(openrouter().normalize(fixture("plain")).providerAccount).toBeNull()
  })
})

describe("BYOK: the tenant's cost is OpenRouter's fee plus the upstream inference cost", () => {
  test("both parts are booked, and kept apart in attributes for reconciliation", () => {
    const call = adapter.normalize(fixture("byok"))
    // 0.0004868 fee (OpenRouter) + 0.009736 upstream (billed by Anthropic to our key) = 0.0102228
    expect(call.providerReportedCost).toEqual({ amount: "0.0102228", currency: "USD" })
    expect(call.attributes).toEqual({
      upstream_provider: "Anthropic",
      byok: "true",
      openrouter_fee: "0.0004868",
      upstream_inference_cost: "0.009736",
    })
  })

  test("a BYOK call inside the free allowance (fee 0) costs the upstream part", () => {
    const raw = fixture("byok")
    const usage = raw.usage as { [key: string]: unknown }
    const call = adapter.normalize({ ...raw, usage: { ...usage, cost: 0 } })
    expect(call.providerReportedCost).toEqual({ amount: "0.009736", currency: "USD" })
    expect(call.attributes.openrouter_fee).toBe("0")
  })

  test("without the upstream part the fee alone is not booked as the cost: the book prices it", () => {
    const raw = fixture("byok")
    const usage = raw.usage as { [key: string]: unknown }
    const signal = signalOf({ ...raw, usage: { ...usage, cost_details: null } })
    expect(signal.cost_source).toBe("local")
    // claude-haiku-4.5 at $1 / $5 per million: 9171 × 1 + 113 × 5 = 9736 µ$ = 0.009736
    expect(signal.base_cost).toBe("0.009736")
    expect(signal.attributes).toEqual({
      upstream_provider: "Anthropic",
      byok: "true",
      openrouter_fee: "0.0004868",
    })
  })
})

describe("exact cost through the pricing core", () => {
  test("plain: provider cost, local estimate beside it", () => {
    const signal = signalOf(fixture("plain"))
    // gpt-4o-mini $0.15 / $0.60 per million: 1234 × 0.15 = 185.1 µ$, 256 × 0.6 = 153.6 µ$ → 0.0003387
    expect(signal).toMatchObject({
      signal_id: "openrouter:gen-1793700000-Vq3LxT8nKc2RbW5yHm7J",
      provider: "openrouter",
      provider_account: "org_acme",
      strategy: "TOKEN_BASED",
      base_cost: "0.0003387",
      currency: "USD",
      cost_source: "provider",
      pending_cost: false,
      estimate_method: null,
      cost_components: { provider_reported: "0.0003387", local_estimate: "0.0003387" },
      price_ref: "openrouter/openai/gpt-4o-mini@2026-09-23",
      observed_at: "2026-11-03T10:00:00.000Z",
    })
  })

  test("stream chunk: the permaslug resolves to the slug's entry", () => {
    const signal = signalOf(fixture("stream-final-chunk"))
    // claude-sonnet-4.5 $3 / $15: 5210 × 3 = 15630 µ$, 812 × 15 = 12180 µ$ → 0.02781
    expect(signal.price_ref).toBe("openrouter/anthropic/claude-sonnet-4.5@2026-09-23")
    expect(signal.cost_components).toEqual({
      provider_reported: "0.02781",
      local_estimate: "0.02781",
    })
  })

  test("cached: cache reads and writes at their own rates", () => {
    const signal = signalOf(fixture("cached"))
    // 1106 × 3 = 3318, 40960 × 0.3 = 12288, 6144 × 3.75 = 23040, 412 × 15 = 6180 → 44826 µ$
    expect(signal.cost_components).toEqual({
      provider_reported: "0.044826",
      local_estimate: "0.044826",
    })
  })

  test("reasoning: priced at the output rate by fallback", () => {
    const signal = signalOf(fixture("reasoning"))
    // o4-mini $1.1 / cache $0.275 / $4.4: 496 × 1.1 = 545.6, 1024 × 0.275 = 281.6,
    // 434 × 4.4 = 1909.6, 3456 × 4.4 = 15206.4 → 17943.2 µ$
    expect(signal.cost_components).toEqual({
      provider_reported: "0.0179432",
      local_estimate: "0.0179432",
    })
    expect(signal.fallbacks).toEqual(["reasoning_tokens->output_tokens"])
  })

  test("tool calls: observed, not charged", () => {
    const signal = signalOf(fixture("tool-calls"))
    // gpt-4.1 $2 / $8: 2875 × 2 = 5750, 96 × 8 = 768 → 6518 µ$
    expect(signal.cost_components.local_estimate).toBe("0.006518")
    expect(signal.usage.tool_calls).toBe(2)
  })

  test("long context: the >200k tier prices every token of the call", () => {
    const signal = signalOf(fixture("long-context"))
    // tier $6 / $22.5: 212000 × 6 = 1 272 000, 1500 × 22.5 = 33 750 → 1 305 750 µ$
    expect(signal.cost_components).toEqual({
      provider_reported: "1.30575",
      local_estimate: "1.30575",
    })
  })

  test("BYOK: fee + upstream, the book's estimate beside it", () => {
    const signal = signalOf(fixture("byok"))
    expect(signal.base_cost).toBe("0.0102228")
    expect(signal.cost_components).toEqual({
      provider_reported: "0.0102228",
      local_estimate: "0.009736",
    })
  })

  test("web search: the provider's cost stands; the book has no search fee, so no local estimate", () => {
    const signal = signalOf(fixture("web-search"))
    // $0.0018125 of tokens + $0.02 of search results, as OpenRouter reports it.
    expect(signal.base_cost).toBe("0.0218125")
    expect(signal.cost_components).toEqual({ provider_reported: "0.0218125" })
    expect(signal.pending_cost).toBe(false)
    expect(signal.pricing_error).toBeNull()
  })

  test("no usage.cost: priced locally from the book", () => {
    const signal = signalOf(fixture("no-cost"))
    // deepseek-chat-v3.1 $0.21 / cache $0.13 / $0.79: 952 × 0.21 = 199.92,
    // 2048 × 0.13 = 266.24, 700 × 0.79 = 553 → 1019.16 µ$
    expect(signal).toMatchObject({
      usage: { input_tokens: 952, cache_read_tokens: 2048, output_tokens: 700 },
      cost_source: "local",
      base_cost: "0.00101916",
      cost_components: {
        input_tokens: "0.00019992",
        cache_read_tokens: "0.00026624",
        output_tokens: "0.000553",
      },
      pending_cost: false,
    })
  })

  test("a model the book does not know, with a reported cost: the provider's number, no estimate", () => {
    const signal = signalOf({ ...fixture("plain"), model: "nousresearch/hermes-4-405b" })
    expect(signal.base_cost).toBe("0.0003387")
    expect(signal.cost_components).toEqual({ provider_reported: "0.0003387" })
    expect(signal.pending_cost).toBe(false)
  })

  test("every shipped entry decodes and names its source", () => {
    expect(defaultPrices.entries.length).toBe(35)
    for (const entry of defaultPrices.entries) {
      expect(entry.provider).toBe("openrouter")
      expect(entry.source).toContain("genai-prices 0.1.8")
    }
  })
})

describe("malformed responses", () => {
  test("an error body is quoted", () => {
    const error = malformed(fixture("error"))
    expect(error.field).toBe("error")
    expect(error.message).toBe(
      'openrouter response: error: OpenRouter returned error 429 (upstream Google AI Studio) instead of a completion: "Provider returned error"',
    )
  })

  test("a mid-stream error chunk is quoted", () => {
    const error = malformed(fixture("stream-error-chunk"))
    expect(error.field).toBe("error")
    expect(error.message).toContain('"server_error"')
    expect(error.message).toContain('"Provider disconnected unexpectedly"')
  })

  test("a stream chunk without usage says which chunk to pass", () => {
    const chunk = fixture("stream-final-chunk")
    const { usage: _, ...rest } = chunk
    const error = malformed(rest)
    expect(error.field).toBe("usage")
    expect(error.reason).toContain("only the final stream chunk carries usage")
  })

  test("counts must be whole non-negative numbers, named by path", () => {
    const raw = fixture("cached")
    const usage = raw.usage as { [key: string]: unknown }
    const error = malformed({
      ...raw,
      usage: { ...usage, prompt_tokens_details: { cached_tokens: "40960" } },
    })
    expect(error.field).toBe("usage.prompt_tokens_details.cached_tokens")
  })

  test("parts larger than their total are inconsistent", () => {
    const raw = fixture("reasoning")
    const usage = raw.usage as { [key: string]: unknown }
    expect(malformed({ ...raw, usage: { ...usage, prompt_tokens: 1000 } }).field).toBe(
      "usage.prompt_tokens",
    )
    expect(malformed({ ...raw, usage: { ...usage, completion_tokens: 3000 } }).field).toBe(
      "usage.completion_tokens",
    )
  })

  test("cost, BYOK flag, model and the body itself are checked", () => {
    const raw = fixture("plain")
    const usage = raw.usage as { [key: string]: unknown }
    expect(malformed({ ...raw, usage: { ...usage, cost: "0.0003387" } }).field).toBe("usage.cost")
    expect(malformed({ ...raw, usage: { ...usage, cost: -1 } }).field).toBe("usage.cost")
    expect(malformed({ ...raw, usage: { ...usage, is_byok: "yes" } }).field).toBe("usage.is_byok")
    expect(malformed({ ...raw, model: 42 }).field).toBe("model")
    expect(malformed({ ...raw, created: "2026-11-03" }).field).toBe("created")
    expect(malformed([raw]).field).toBe("")
  })
})
