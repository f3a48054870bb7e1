import { describe, expect, it } from "vitest"
import audio from "./__fixtures__/chat-audio.json" with { type: "json" }
import cachedPrompt from "./__fixtures__/chat-cached-prompt.json" with { type: "json" }
import completion from "./__fixtures__/chat-completion.json" with { type: "json" }
import reasoning from "./__fixtures__/chat-reasoning.json" with { type: "json" }
import flex from "./__fixtures__/chat-service-tier-flex.json" with { type: "json" }
import priority from "./__fixtures__/chat-service-tier-priority.json" with { type: "json" }
import deltaChunk from "./__fixtures__/chat-stream-delta-chunk.json" with { type: "json" }
import finalChunk from "./__fixtures__/chat-stream-final-chunk.json" with { type: "json" }
import toolCalls from "./__fixtures__/chat-tool-calls.json" with { type: "json" }
import { adapter, malformedOf, signalOf } from "./__fixtures__/price.ts"

describe("Chat Completions", () => {
  it("normalizes a plain completion: prompt and completion tokens, nothing hidden inside", () => {
    const call = adapter.normalize(completion)
    expect(call).toEqual({
      model: "gpt-4.1-2025-04-14",
      endpoint: "chat.completions",
      usage: { input_tokens: 1200, output_tokens: 300 },
      serviceTier: "default",
      region: null,
      attributes: {},
      capabilities: [],
      providerRequestId: "chatcmpl-CXq2bGmTzR8dJf4uN1eKs0aWvPy3h",
      providerAccount: "proj_acme",
      providerReportedCost: null,
      observedAt: "2025-11-03T09:15:00.000Z",
    })
    // gpt-4.1 (dated id -> openai/gpt-4.1@2025-04-14): $2 in, $8 out per 1M.
    // 1200 x 2 / 1e6 = 0.0024; 300 x 8 / 1e6 = 0.0024; total 0.0048.
    const signal = signalOf(completion)
    expect(signal.signal_id).toBe("openai:chatcmpl-CXq2bGmTzR8dJf4uN1eKs0aWvPy3h")
    expect(signal.price_ref).toBe("openai/gpt-4.1@2025-04-14")
    expect(signal.cost_components).toEqual({ input_tokens: "0.0024", output_tokens: "0.0024" })
    expect(signal.base_cost).toBe("0.0048")
    expect(signal.pending_cost).toBe(false)
    expect(signal.fallbacks).toEqual([])
    expect(signal.observed_at).toBe("2025-11-03T09:15:00.000Z")
  })

  it("reads the final stream chunk (include_usage) and takes cached tokens out of prompt_tokens", () => {
    const call = adapter.normalize(finalChunk)
    // prompt 2500 includes 1280 cached: 2500 - 1280 = 1220 uncached.
    expect(call.usage).toEqual({ input_tokens: 1220, cache_read_tokens: 1280, output_tokens: 420 })
    expect(call.endpoint).toBe("chat.completions")
    expect(call.providerRequestId).toBe("chatcmpl-CXr9LkQe7pVb2YtA6nWmZ4cHsD1uF")
    // gpt-4o-mini: $0.15 in, $0.075 cached, $0.60 out per 1M.
    // 1220 x 0.15 = 183 -> 0.000183; 1280 x 0.075 = 96 -> 0.000096;
    // 420 x 0.6 = 252 -> 0.000252; total 0.000531.
    const signal = signalOf(finalChunk)
    expect(signal.price_ref).toBe("openai/gpt-4o-mini@2024-07-18")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.000183",
      cache_read_tokens: "0.000096",
      output_tokens: "0.000252",
    })
    expect(signal.base_cost).toBe("0.000531")
  })

  it("rejects a stream chunk before the last one, saying where usage comes from", () => {
    const error = malformedOf(deltaChunk)
    expect(error.field).toBe("usage")
    expect(error.message).toBe(
      "openai response: usage: missing: only the last chunk of a stream carries usage, and only when the request sets stream_options.include_usage",
    )
  })

  it("splits a cached prompt and reasoning tokens into disjoint buckets (gpt-5.1)", () => {
    // prompt 4096 = 3840 cached + 256 uncached; completion 512 = 256 reasoning + 256 visible.
    expect(adapter.normalize(cachedPrompt).usage).toEqual({
      input_tokens: 256,
      cache_read_tokens: 3840,
      output_tokens: 256,
      reasoning_tokens: 256,
    })
    // gpt-5.1: $1.25 in, $0.125 cached, $10 out; reasoning has no rate of its own
    // and falls back to output. 256 x 1.25 = 320 -> 0.00032; 3840 x 0.125 = 480
    // -> 0.00048; 256 x 10 -> 0.00256; 256 x 10 -> 0.00256; total 0.00592.
    const signal = signalOf(cachedPrompt)
    expect(signal.price_ref).toBe("openai/gpt-5.1@2025-11-13")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.00032",
      cache_read_tokens: "0.00048",
      output_tokens: "0.00256",
      reasoning_tokens: "0.00256",
    })
    expect(signal.fallbacks).toEqual(["reasoning_tokens->output_tokens"])
    expect(signal.base_cost).toBe("0.00592")
  })

  it("marks o-series reasoning and prices hidden reasoning as output (o4-mini)", () => {
    const call = adapter.normalize(reasoning)
    // completion 2200 = 1856 reasoning + 344 visible.
    expect(call.usage).toEqual({ input_tokens: 850, output_tokens: 344, reasoning_tokens: 1856 })
    expect(call.capabilities).toEqual(["reasoning"])
    // o4-mini: $1.10 in, $4.40 out. 850 x 1.1 = 935 -> 0.000935;
    // 344 x 4.4 = 1513.6 -> 0.0015136; 1856 x 4.4 = 8166.4 -> 0.0081664;
    // total 0.000935 + 0.0015136 + 0.0081664 = 0.010615 (= 850 x 1.1 + 2200 x 4.4, per 1M).
    const signal = signalOf(reasoning)
    expect(signal.cost_components).toEqual({
      input_tokens: "0.000935",
      output_tokens: "0.0015136",
      reasoning_tokens: "0.0081664",
    })
    expect(signal.base_cost).toBe("0.010615")
    expect(signal.capabilities).toEqual(["reasoning"])
  })

  it("marks tool use when a choice asks for tool calls (gpt-4o)", () => {
    const call = adapter.normalize(toolCalls)
    // Two requested tool calls: counted, and not charged.
    expect(call.usage).toEqual({ input_tokens: 310, output_tokens: 42, tool_calls: 2 })
    expect(call.capabilities).toEqual(["tool_use"])
    // gpt-4o: $2.50 in, $10 out. 310 x 2.5 = 775 -> 0.000775; 42 x 10 = 420 -> 0.00042;
    // total 0.001195.
    const signal = signalOf(toolCalls)
    expect(signal.price_ref).toBe("openai/gpt-4o@2024-08-06")
    expect(signal.cost_components).toEqual({ input_tokens: "0.000775", output_tokens: "0.00042" })
    expect(signal.base_cost).toBe("0.001195")
    expect(signal.pending_cost).toBe(false)
  })

  it("puts audio tokens in the modality buckets, priced at audio rates (gpt-audio)", () => {
    // prompt 120 = 80 audio + 40 text; completion 350 = 300 audio + 50 text.
    expect(adapter.normalize(audio).usage).toEqual({
      input_tokens: 40,
      input_audio_tokens: 80,
      output_tokens: 50,
      output_audio_tokens: 300,
    })
    // gpt-audio: text $2.50 in / $10 out, audio $32 in / $64 out.
    // 40 x 2.5 = 100 -> 0.0001; 80 x 32 = 2560 -> 0.00256; 50 x 10 = 500 -> 0.0005;
    // 300 x 64 = 19200 -> 0.0192; total 0.02236.
    const signal = signalOf(audio)
    expect(signal.price_ref).toBe("openai/gpt-audio@2025-08-28")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.0001",
      input_audio_tokens: "0.00256",
      output_tokens: "0.0005",
      output_audio_tokens: "0.0192",
    })
    expect(signal.fallbacks).toEqual([])
    expect(signal.base_cost).toBe("0.02236")
  })

  it("prices image input at the text input rate, listing the fallback", () => {
    const withImage = {
      ...completion,
      usage: {
        ...completion.usage,
        prompt_tokens: 1965,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0, image_tokens: 765 },
      },
    }
    expect(adapter.normalize(withImage).usage).toEqual({
      input_tokens: 1200,
      input_image_tokens: 765,
      output_tokens: 300,
    })
    // gpt-4.1: 765 image tokens x $2 = 1530 -> 0.00153 (text input rate);
    // 1200 x 2 -> 0.0024; 300 x 8 -> 0.0024; total 0.00633.
    const signal = signalOf(withImage)
    expect(signal.fallbacks).toEqual(["input_image_tokens->input_tokens"])
    expect(signal.cost_components.input_image_tokens).toBe("0.00153")
    expect(signal.base_cost).toBe("0.00633")
  })

  it("prices service_tier flex at the Batch rates (o3)", () => {
    const call = adapter.normalize(flex)
    expect(call.serviceTier).toBe("flex")
    // prompt 5000 = 4000 cached + 1000; completion 1500 = 1000 reasoning + 500.
    expect(call.usage).toEqual({
      input_tokens: 1000,
      cache_read_tokens: 4000,
      output_tokens: 500,
      reasoning_tokens: 1000,
    })
    // o3 flex = half of $2 / $0.50 / $8: $1 in, $0.25 cached, $4 out.
    // 1000 x 1 -> 0.001; 4000 x 0.25 = 1000 -> 0.001; 500 x 4 = 2000 -> 0.002;
    // 1000 x 4 -> 0.004; total 0.008 (standard would be 0.016).
    const signal = signalOf(flex)
    expect(signal.price_ref).toBe("openai/o3@2025-06-10")
    expect(signal.cost_components).toEqual({
      input_tokens: "0.001",
      cache_read_tokens: "0.001",
      output_tokens: "0.002",
      reasoning_tokens: "0.004",
    })
    expect(signal.base_cost).toBe("0.008")
    expect(signal.attributes).toEqual({ service_tier: "flex" })
  })

  it("prices service_tier priority at the Priority/Fast rates (gpt-5-mini)", () => {
    const call = adapter.normalize(priority)
    expect(call.serviceTier).toBe("priority")
    expect(call.usage).toEqual({ input_tokens: 1000, output_tokens: 272, reasoning_tokens: 128 })
    // gpt-5-mini priority: $0.45 in, $3.60 out. 1000 x 0.45 = 450 -> 0.00045;
    // 272 x 3.6 = 979.2 -> 0.0009792; 128 x 3.6 = 460.8 -> 0.0004608;
    // total 0.00189 (= 1000 x 0.45 + 400 x 3.6, per 1M).
    const signal = signalOf(priority)
    expect(signal.cost_components).toEqual({
      input_tokens: "0.00045",
      output_tokens: "0.0009792",
      reasoning_tokens: "0.0004608",
    })
    expect(signal.base_cost).toBe("0.00189")
  })

  it("prices a prompt above 272K input tokens at the long-context rates (gpt-5.4)", () => {
    const at = (promptTokens: number, cached: number, completionTokens: number) =>
      signalOf({
        ...completion,
        model: "gpt-5.4-2026-03-05",
        created: 1793642700,
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: completionTokens,
          total_tokens: promptTokens + completionTokens,
          prompt_tokens_details: { cached_tokens: cached },
        },
      })
    // 271999 input tokens is still standard: 271999 x $2.50 = 679997.5 -> 0.6799975.
    expect(at(271_999, 0, 0).base_cost).toBe("0.6799975")
    // 272000 is long context, for the whole request: 272000 x $5 -> 1.36.
    expect(at(272_000, 0, 0).base_cost).toBe("1.36")
    // 300000 = 100000 cached + 200000: 200000 x 5 -> 1; 100000 x 0.5 -> 0.05;
    // 1000 output x 22.5 -> 0.0225; total 1.0725.
    const long = at(300_000, 100_000, 1000)
    expect(long.cost_components).toEqual({
      input_tokens: "1",
      cache_read_tokens: "0.05",
      output_tokens: "0.0225",
    })
    expect(long.base_cost).toBe("1.0725")
  })
})
