import { readFileSync } from "node:fs"
import { CostSignal, PricingRegistry } from "@agentcost/core"
import { malformedResponse } from "@agentcost/core/test"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { anthropic } from "./AnthropicAdapter.ts"
import { defaultPrices } from "./DefaultPrices.ts"
import { mergeStreamUsage } from "./StreamEvents.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests reshape fixtures freely
type Json = Record<string, any>

/** A fresh copy of a fixture, so a test may change it. */
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8"))

const adapter = anthropic()
const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
const DEC_2026 = Date.parse("2026-12-01T12:00:00Z")

const signal = (raw: unknown, at = DEC_2026) =>
  CostSignal.fromCall(pricer, "anthropic", adapter.normalize(raw), { at }, at)

const malformed = (raw: unknown) => malformedResponse(adapter, raw)

describe("anthropic().normalize", () => {
  it("maps a plain Messages response", () => {
    expect(adapter.normalize(fixture("message"))).toEqual({
      model: "claude-sonnet-4-5-20250929",
      endpoint: "messages",
      usage: { input_tokens: 2095, output_tokens: 503 },
      serviceTier: "standard",
      region: null,
      attributes: {},
      capabilities: [],
      providerRequestId: "msg_01XFDUDYJgAACzvnptvVoYEL",
      providerAccount: null,
      providerReportedCost: null,
      observedAt: null,
    })
    const priced = signal(fixture("message"))
    // 2095 × $3/M = 0.006285; 503 × $15/M = 0.007545; total 0.01383
    expect(priced.base_cost).toBe("0.01383")
    expect(priced.cost_components).toEqual({ input_tokens: "0.006285", output_tokens: "0.007545" })
    expect(priced.price_ref).toBe("anthropic/claude-sonnet-4-5@2025-09-29")
    expect(priced.signal_id).toBe("anthropic:msg_01XFDUDYJgAACzvnptvVoYEL")
    expect(priced.pending_cost).toBe(false)
  })

  it("folds a stream's events: usage is cumulative, the 1h cache split comes from message_start", () => {
    const call = adapter.normalize(fixture("stream-events"))
    expect(call.model).toBe("claude-haiku-4-5-20251001")
    expect(call.providerRequestId).toBe("msg_01HnKqCq6jpDbNfUrH1fF3bY")
    // output_tokens 89 from the final message_delta, not message_start's 2
    expect(call.usage).toEqual({
      input_tokens: 472,
      cache_write_1h_tokens: 1024,
      output_tokens: 89,
      tool_calls: 1,
    })
    expect(call.capabilities).toEqual(["tool_use"])
    const priced = signal(fixture("stream-events"))
    // 472 × $1/M = 0.000472; 1024 × $2/M (1h write) = 0.002048; 89 × $5/M = 0.000445
    // total 0.002965; tool_calls are observed, not charged
    expect(priced.base_cost).toBe("0.002965")
    expect(priced.cost_components).toEqual({
      input_tokens: "0.000472",
      cache_write_1h_tokens: "0.002048",
      output_tokens: "0.000445",
    })
  })

  it("mergeStreamUsage gives the Message the events describe", () => {
    const merged = mergeStreamUsage(fixture("stream-events") as unknown as Array<unknown>)
    expect(merged.id).toBe("msg_01HnKqCq6jpDbNfUrH1fF3bY")
    expect(merged.usage).toEqual({
      input_tokens: 472,
      cache_creation_input_tokens: 1024,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1024 },
      output_tokens: 89,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: "standard",
      inference_geo: null,
      speed: null,
    })
    expect((merged.content as Array<Json>).map((block) => block.type)).toEqual(["text", "tool_use"])
  })

  it("splits cache reads and 5m/1h cache writes into their own buckets", () => {
    expect(adapter.normalize(fixture("cache")).usage).toEqual({
      input_tokens: 1200,
      cache_read_tokens: 30000,
      cache_write_tokens: 2000,
      cache_write_1h_tokens: 3000,
      output_tokens: 800,
    })
    const priced = signal(fixture("cache"))
    // Opus 4.5: 1200 × $5/M = 0.006; 30000 × $0.5/M = 0.015; 2000 × $6.25/M = 0.0125;
    // 3000 × $10/M = 0.03; 800 × $25/M = 0.02; total 0.0835
    expect(priced.base_cost).toBe("0.0835")
    expect(priced.cost_components).toEqual({
      input_tokens: "0.006",
      cache_read_tokens: "0.015",
      cache_write_tokens: "0.0125",
      cache_write_1h_tokens: "0.03",
      output_tokens: "0.02",
    })
    expect(priced.fallbacks).toEqual([])
  })

  it("reads cache_creation_input_tokens as 5-minute writes when the split is absent", () => {
    const body = fixture("cache")
    delete body.usage.cache_creation
    expect(adapter.normalize(body).usage.cache_write_tokens).toBe(5000)
    expect(adapter.normalize(body).usage.cache_write_1h_tokens).toBeUndefined()
    // 5000 × $6.25/M = 0.03125 replaces 0.0125 + 0.03: 0.006 + 0.015 + 0.03125 + 0.02 = 0.07225
    expect(signal(body).base_cost).toBe("0.07225")
  })

  it("writes a remainder the split leaves at the default TTL; a split above the total is malformed", () => {
    const short = fixture("cache")
    short.usage.cache_creation_input_tokens = 5500
    expect(adapter.normalize(short).usage).toMatchObject({
      cache_write_tokens: 2500,
      cache_write_1h_tokens: 3000,
    })
    const over = fixture("cache")
    over.usage.cache_creation_input_tokens = 4000
    const error = malformed(over)
    expect(error.field).toBe("usage.cache_creation")
    expect(error.message).toBe(
      "anthropic response: usage.cache_creation: ephemeral_5m_input_tokens + ephemeral_1h_input_tokens (5000) exceed cache_creation_input_tokens (4000)",
    )
  })

  it("takes thinking out of output_tokens (which includes it) into reasoning_tokens", () => {
    const call = adapter.normalize(fixture("thinking"))
    expect(call.usage).toEqual({ input_tokens: 850, output_tokens: 700, reasoning_tokens: 2400 })
    expect(call.capabilities).toEqual(["reasoning"])
    expect(call.region).toBe("global")
    expect(call.attributes).toEqual({ speed: "standard" })
    const priced = signal(fixture("thinking"))
    // Opus 4.8: 850 × $5/M = 0.00425; 700 × $25/M = 0.0175; 2400 × $25/M (thinking is output) = 0.06
    expect(priced.base_cost).toBe("0.08175")
    expect(priced.fallbacks).toEqual(["reasoning_tokens->output_tokens"])
    expect(priced.price_ref).toBe("anthropic/claude-opus-4-8@2026-05-28")
  })

  it("leaves thinking inside output_tokens when output_tokens_details is absent, at the same cost", () => {
    const body = fixture("thinking")
    delete body.usage.output_tokens_details
    const call = adapter.normalize(body)
    expect(call.usage).toEqual({ input_tokens: 850, output_tokens: 3100 })
    // the thinking block still says the call reasoned
    expect(call.capabilities).toEqual(["reasoning"])
    // 0.00425 + 3100 × $25/M = 0.0775 → 0.08175, as with the split
    expect(signal(body).base_cost).toBe("0.08175")
  })

  it("rejects thinking_tokens above output_tokens", () => {
    const body = fixture("thinking")
    body.usage.output_tokens_details.thinking_tokens = 3200
    expect(malformed(body).message).toBe(
      "anthropic response: usage.output_tokens_details.thinking_tokens: 3200 exceeds output_tokens (3100), which includes thinking",
    )
  })

  it("counts tool_use blocks as tool calls", () => {
    const call = adapter.normalize(fixture("tool-use"))
    expect(call.usage).toEqual({ input_tokens: 1530, output_tokens: 212, tool_calls: 2 })
    expect(call.capabilities).toEqual(["tool_use"])
    const priced = signal(fixture("tool-use"))
    // Sonnet 4.6 (flat since 2026-03-13): 1530 × $3/M = 0.00459; 212 × $15/M = 0.00318
    expect(priced.base_cost).toBe("0.00777")
    expect(priced.price_ref).toBe("anthropic/claude-sonnet-4-6@2026-03-13")
  })

  it("counts web searches and web fetches (x_web_fetch_requests)", () => {
    const call = adapter.normalize(fixture("web-search"))
    expect(call.usage).toEqual({
      input_tokens: 10450,
      output_tokens: 640,
      web_search_requests: 2,
      x_web_fetch_requests: 1,
    })
    expect(call.capabilities).toEqual(["web_search"])
    const priced = signal(fixture("web-search"))
    // Opus 4.7: 10450 × $5/M = 0.05225; 640 × $25/M = 0.016; 2 searches × $0.01 = 0.02;
    // 1 fetch × $0 = 0; total 0.08825
    expect(priced.base_cost).toBe("0.08825")
    expect(priced.cost_components).toEqual({
      input_tokens: "0.05225",
      output_tokens: "0.016",
      web_search_requests: "0.02",
      x_web_fetch_requests: "0",
    })
  })

  it("prices a Message Batches result line at the batch tier, US-only inference at 1.1x", () => {
    const call = adapter.normalize(fixture("batch-result-us"))
    expect(call.serviceTier).toBe("batch")
    expect(call.region).toBe("us")
    expect(call.providerRequestId).toBe("msg_01FqfsLoHwgeFbguDgpz48m7")
    // Opus 4.6 batch × us = 0.5 × 1.1 = 0.55 of list: $2.75 in, $0.275 cache read, $13.75 out
    // 4000 × 2.75/M = 0.011; 10000 × 0.275/M = 0.00275; 1000 × 13.75/M = 0.01375
    expect(signal(fixture("batch-result-us")).base_cost).toBe("0.0275")

    const standardUs = fixture("batch-result-us")
    standardUs.result.message.usage.service_tier = "standard"
    // 1.1 × list: 4000 × 5.5/M = 0.022; 10000 × 0.55/M = 0.0055; 1000 × 27.5/M = 0.0275
    expect(signal(standardUs).base_cost).toBe("0.055")

    const priorityGlobal = fixture("batch-result-us")
    priorityGlobal.result.message.usage.service_tier = "priority"
    priorityGlobal.result.message.usage.inference_geo = "global"
    // list rates: 4000 × 5/M = 0.02; 10000 × 0.5/M = 0.005; 1000 × 25/M = 0.025
    expect(signal(priorityGlobal).base_cost).toBe("0.05")
  })

  it("prices above 200k input tokens (all input buckets) at the long-context tier", () => {
    const priced = signal(fixture("long-context"))
    // 150000 + 60000 cached = 210000 > 200000 → Sonnet 4.5 long context:
    // 150000 × $6/M = 0.9; 60000 × $0.6/M = 0.036; 2000 × $22.5/M = 0.045
    expect(priced.base_cost).toBe("0.981")

    const atLimit = fixture("long-context")
    atLimit.usage.input_tokens = 140000
    // 200000 is not above 200000: list rates 140000 × 3/M = 0.42; 60000 × 0.3/M = 0.018; 2000 × 15/M = 0.03
    expect(signal(atLimit).base_cost).toBe("0.468")
  })

  it("prices Opus 4.6 at the price in force at the call time (long-context tier ended 2026-03-13)", () => {
    const body = fixture("long-context")
    body.model = "claude-opus-4-6"
    const march = signal(body, Date.parse("2026-03-01T00:00:00Z"))
    // 150000 × $10/M = 1.5; 60000 × $1/M = 0.06; 2000 × $37.5/M = 0.075
    expect(march.base_cost).toBe("1.635")
    expect(march.price_ref).toBe("anthropic/claude-opus-4-6@2026-02-05")
    const april = signal(body, Date.parse("2026-04-01T00:00:00Z"))
    // flat: 150000 × $5/M = 0.75; 60000 × $0.5/M = 0.03; 2000 × $25/M = 0.05
    expect(april.base_cost).toBe("0.83")
    expect(april.price_ref).toBe("anthropic/claude-opus-4-6@2026-03-13")
  })

  it("records an unknown model as pending with no cost, never $0", () => {
    const body = fixture("message")
    body.model = "claude-nonexistent-9"
    const priced = signal(body)
    expect(priced.base_cost).toBeNull()
    expect(priced.pending_cost).toBe(true)
    expect(priced.estimate_method).toBe("unpriced")
    expect(priced.pricing_error).toBe(
      "no price for anthropic/claude-nonexistent-9 (messages) at 2026-12-01T12:00:00.000Z; add a price book entry (--prices FILE)",
    )
  })

  it("takes the account from the call's hint, else from the adapter's options", () => {
    const withDefault = anthropic({ providerAccount: "wrkspc_default" })
    expect(withDefault.normalize(fixture("message")).providerAccount).toBe("wrkspc_default")
    expect(
      withDefault.normalize(fixture("message"), { providerAccount: "wrkspc_tenant" })
        .providerAccount,
    ).toBe("wrkspc_tenant")
  })

  it("adds the integration's capability hints and endpoint", () => {
    const call = adapter.normalize(fixture("message"), {
      capabilities: ["rag"],
      endpoint: "messages.batches",
    })
    expect(call.capabilities).toEqual(["rag"])
    expect(call.endpoint).toBe("messages.batches")
  })
})

describe("anthropic().normalize rejects what is not a priceable Message", () => {
  it("quotes an error body", () => {
    const error = malformed(fixture("error"))
    expect(error.field).toBe("error")
    expect(error.message).toBe(
      'anthropic response: error: the API returned an error, not a message: {"type":"overloaded_error","message":"Overloaded"} (request_id req_011CSHoEeqs5C35K2UUqR7Fy)',
    )
  })

  it("quotes an error event inside a stream, naming its index", () => {
    const events = fixture("stream-events") as unknown as Array<unknown>
    events.splice(3, 0, { type: "error", error: { type: "api_error", message: "Internal error" } })
    expect(malformed(events).message).toBe(
      'anthropic response: [3].error: the API returned an error, not a message: {"type":"api_error","message":"Internal error"}',
    )
  })

  it("quotes an errored batch result and refuses an expired one", () => {
    const errored = {
      custom_id: "ticket-1",
      result: { type: "errored", error: fixture("error") },
    }
    expect(malformed(errored).field).toBe("result.error")
    expect(malformed({ custom_id: "ticket-2", result: { type: "expired" } }).message).toBe(
      'anthropic response: result.type: "expired": the batch request was not processed, so there is no usage to price',
    )
  })

  it("asks for the stream's events when given the final message_delta alone", () => {
    const events = fixture("stream-events") as unknown as Array<Json>
    const delta = events.find((event) => event.type === "message_delta")
    const error = malformed(delta)
    expect(error.field).toBe("type")
    expect(error.message).toContain("pass the stream's events from message_start on")
  })

  it("refuses a stream without message_start or cut before message_delta", () => {
    const events = fixture("stream-events") as unknown as Array<Json>
    expect(malformed(events.slice(1, 8)).message).toBe(
      "anthropic response: no message_start event: pass the stream's events from message_start on",
    )
    expect(malformed(events.slice(1)).message).toBe(
      "anthropic response: [7]: message_delta before message_start: pass the stream's events from message_start on",
    )
    expect(malformed(events.slice(0, 8)).message).toBe(
      "anthropic response: no message_delta event: the stream ended before its final usage, so output tokens are unknown",
    )
  })

  it("names the field of a count that is not a whole non-negative number", () => {
    const cases: Array<[string, (body: Json) => void, string]> = [
      [
        "text",
        (b) => (b.usage.input_tokens = "2095"),
        'usage.input_tokens: expected a number, got "2095"',
      ],
      [
        "negative",
        (b) => (b.usage.output_tokens = -5),
        "usage.output_tokens: expected a whole non-negative count, got -5",
      ],
      [
        "fraction",
        (b) => (b.usage.cache_read_input_tokens = 1.5),
        "usage.cache_read_input_tokens: expected a whole non-negative count, got 1.5",
      ],
      [
        "NaN",
        (b) => (b.usage.cache_creation.ephemeral_1h_input_tokens = Number.NaN),
        "usage.cache_creation.ephemeral_1h_input_tokens: expected a number, got NaN",
      ],
      ["missing", (b) => delete b.usage.input_tokens, "usage.input_tokens: missing"],
      [
        "server tool",
        (b) => (b.usage.server_tool_use = { web_search_requests: "2" }),
        'usage.server_tool_use.web_search_requests: expected a number, got "2"',
      ],
    ]
    for (const [, change, expected] of cases) {
      const body = fixture("message")
      change(body)
      expect(malformed(body).message).toBe(`anthropic response: ${expected}`)
    }
  })

  it("names a missing or mistyped structural field", () => {
    expect(malformed("hello").message).toBe('anthropic response: expected an object, got "hello"')
    expect(malformed({ type: "completion" }).message).toBe(
      'anthropic response: type: expected "message", got "completion"',
    )
    const noModel = fixture("message")
    delete noModel.model
    expect(malformed(noModel).message).toBe("anthropic response: model: missing")
    const noUsage = fixture("message")
    delete noUsage.usage
    expect(malformed(noUsage).message).toBe(
      "anthropic response: usage: expected an object, got nothing",
    )
    const badTier = fixture("message")
    badTier.usage.service_tier = 1
    expect(malformed(badTier).message).toBe(
      "anthropic response: usage.service_tier: expected a string, got 1",
    )
    const badContent = fixture("message")
    badContent.content = [null]
    expect(malformed(badContent).message).toBe(
      "anthropic response: content[0]: expected an object, got null",
    )
  })
})

describe("anthropic usage buckets are disjoint", () => {
  it("every reported token lands in exactly one bucket", () => {
    const count = fc.integer({ min: 0, max: 5_000_000 })
    fc.assert(
      fc.property(
        count,
        count,
        count,
        count,
        count,
        count,
        count,
        (input, read, w5, w1h, extra, output, thinkingShare) => {
          const thinking = output === 0 ? 0 : thinkingShare % (output + 1)
          const body = fixture("message")
          body.usage = {
            input_tokens: input,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: w5 + w1h + extra,
            cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1h },
            output_tokens: output,
            output_tokens_details: { thinking_tokens: thinking },
          }
          const usage = adapter.normalize(body).usage
          const bucket = (unit: string) => usage[unit] ?? 0
          expect(
            bucket("input_tokens") +
              bucket("cache_read_tokens") +
              bucket("cache_write_tokens") +
              bucket("cache_write_1h_tokens"),
          ).toBe(input + read + w5 + w1h + extra)
          expect(bucket("cache_write_1h_tokens")).toBe(w1h)
          expect(bucket("output_tokens") + bucket("reasoning_tokens")).toBe(output)
          expect(bucket("reasoning_tokens")).toBe(thinking)
        },
      ),
    )
  })
})
