import { ProviderAdapter } from "@agentcost/core"
import { describe, expect, it } from "vitest"
import {
  anthropicMessage,
  gemini,
  openAiChat,
  openAiResponses,
  openRouter,
  type Reply,
} from "./__fixtures__/providers.ts"
import { canonical, fromLanguageModelUsage } from "./Usage.ts"

const of = (provider: string, reply: Reply) =>
  canonical(provider, reply.usage, reply.providerMetadata)

const malformedField = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderAdapter.MalformedResponse)
    return (error as ProviderAdapter.MalformedResponse).field
  }
  throw new Error("expected MalformedResponse")
}

describe("canonical usage from the AI SDK's per-call usage", () => {
  it("OpenAI Chat Completions: cache inside prompt_tokens, reasoning inside completion_tokens", () => {
    const reply = openAiChat("chatcmpl-1", {
      prompt_tokens: 1200,
      completion_tokens: 300,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 800, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 200, audio_tokens: 0 },
    })
    // 1200 − 800 cached = 400 uncached; 300 − 200 reasoning = 100 output.
    expect(of("openai", reply)).toEqual({
      input_tokens: 400,
      cache_read_tokens: 800,
      output_tokens: 100,
      reasoning_tokens: 200,
    })
  })

  it("OpenAI Chat Completions: audio and image tokens in their modality buckets (from usage.raw)", () => {
    const reply = openAiChat("chatcmpl-2", {
      prompt_tokens: 1000,
      completion_tokens: 350,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 80, image_tokens: 765 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 300 },
    })
    // prompt 1000 = 80 audio + 765 image + 155 text; completion 350 = 300 audio + 50 text.
    expect(of("openai", reply)).toEqual({
      input_tokens: 155,
      input_audio_tokens: 80,
      input_image_tokens: 765,
      output_tokens: 50,
      output_audio_tokens: 300,
    })
  })

  it("OpenAI Responses: 12-hour cache writes are long-TTL writes", () => {
    const reply = openAiResponses("resp_1", {
      input_tokens: 12000,
      output_tokens: 500,
      input_tokens_details: {
        cached_tokens: 8000,
        cache_write_tokens: 3000,
        cache_write_tokens_details: { ttl_12h_tokens: 1000, ttl_30m_tokens: 2000 },
      },
      output_tokens_details: { reasoning_tokens: 300 },
    })
    // 12000 = 8000 reads + 3000 writes (1000 for 12h) + 1000 uncached.
    expect(of("openai", reply)).toEqual({
      input_tokens: 1000,
      cache_read_tokens: 8000,
      cache_write_tokens: 2000,
      cache_write_1h_tokens: 1000,
      output_tokens: 200,
      reasoning_tokens: 300,
    })
  })

  it("Anthropic: input excludes the cache; 1-hour writes, web searches and fetches from the raw usage", () => {
    const reply = anthropicMessage("msg_1", {
      input_tokens: 50,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 10000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      output_tokens: 400,
      server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
      service_tier: "standard",
    })
    expect(reply.usage.inputTokens.total).toBe(13050)
    expect(of("anthropic", reply)).toEqual({
      input_tokens: 50,
      cache_read_tokens: 10000,
      cache_write_tokens: 1000,
      cache_write_1h_tokens: 2000,
      output_tokens: 400,
      web_search_requests: 2,
      x_web_fetch_requests: 1,
    })
  })

  it("Anthropic: thinking tokens, when reported, leave output_tokens for reasoning_tokens", () => {
    const reply = anthropicMessage("msg_2", {
      input_tokens: 10,
      output_tokens: 400,
      output_tokens_details: { thinking_tokens: 150 },
    })
    expect(of("anthropic", reply)).toEqual({
      input_tokens: 10,
      output_tokens: 250,
      reasoning_tokens: 150,
    })
  })

  it("Anthropic: the usage in providerMetadata serves when usage.raw is absent", () => {
    const reply = anthropicMessage("msg_3", {
      input_tokens: 10,
      cache_creation_input_tokens: 100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 100 },
      output_tokens: 5,
    })
    const { raw: _, ...withoutRaw } = reply.usage
    expect(canonical("anthropic", withoutRaw, reply.providerMetadata)).toEqual({
      input_tokens: 10,
      cache_write_1h_tokens: 100,
      output_tokens: 5,
    })
  })

  it("Google: tool-use prompt tokens are input, thoughts are reasoning, audio and cached audio split", () => {
    const reply = gemini(
      "resp-g1",
      {
        promptTokenCount: 5000,
        cachedContentTokenCount: 2000,
        candidatesTokenCount: 300,
        thoughtsTokenCount: 700,
        toolUsePromptTokenCount: 100,
        promptTokensDetails: [
          { modality: "TEXT", tokenCount: 4000 },
          { modality: "AUDIO", tokenCount: 1000 },
        ],
        cacheTokensDetails: [
          { modality: "TEXT", tokenCount: 1600 },
          { modality: "AUDIO", tokenCount: 400 },
        ],
      },
      ["weather berlin", "weather paris"],
    )
    // input total 5100 − 2000 cached = 3100 uncached, of which 1000 − 400 = 600 audio;
    // cached 2000 = 1600 text + 400 audio.
    expect(of("google", reply)).toEqual({
      input_tokens: 2500,
      input_audio_tokens: 600,
      cache_read_tokens: 1600,
      x_cache_read_audio_tokens: 400,
      output_tokens: 300,
      reasoning_tokens: 700,
      web_search_requests: 2,
    })
  })

  it("OpenRouter: cache writes are taken out of the total, not out of the SDK's noCache", () => {
    const reply = openRouter("gen-1", {
      prompt_tokens: 2000,
      completion_tokens: 300,
      prompt_tokens_details: { cached_tokens: 500, cache_write_tokens: 1000 },
      completion_tokens_details: { reasoning_tokens: 100 },
      cost: 0.0123,
    })
    // @openrouter/ai-sdk-provider reports noCache 1500, which still holds the 1000 writes.
    expect(reply.usage.inputTokens.noCache).toBe(1500)
    expect(of("openrouter", reply)).toEqual({
      input_tokens: 500,
      cache_read_tokens: 500,
      cache_write_tokens: 1000,
      output_tokens: 200,
      reasoning_tokens: 100,
    })
  })

  it("a provider with no totals: uncached and text parts add up", () => {
    expect(
      canonical(
        "mistral",
        {
          inputTokens: { total: undefined, noCache: 70, cacheRead: 30, cacheWrite: undefined },
          outputTokens: { total: undefined, text: 20, reasoning: 5 },
        },
        undefined,
      ),
    ).toEqual({ input_tokens: 70, cache_read_tokens: 30, output_tokens: 20, reasoning_tokens: 5 })
  })

  it("no usage at all is null, not zero", () => {
    expect(
      canonical(
        "openai",
        {
          inputTokens: {
            total: undefined,
            noCache: undefined,
            cacheRead: undefined,
            cacheWrite: undefined,
          },
          outputTokens: { total: undefined, text: undefined, reasoning: undefined },
        },
        undefined,
      ),
    ).toBeNull()
  })

  it("a part larger than its total is malformed, naming the field", () => {
    const reply = openAiChat("chatcmpl-3", {
      prompt_tokens: 100,
      completion_tokens: 10,
      prompt_tokens_details: { cached_tokens: 150 },
    })
    expect(malformedField(() => of("openai", reply))).toBe("usage.inputTokens.cacheRead")
    const anthropic = anthropicMessage("msg_4", {
      input_tokens: 10,
      cache_creation_input_tokens: 100,
      cache_creation: { ephemeral_1h_input_tokens: 120 },
      output_tokens: 5,
    })
    expect(malformedField(() => of("anthropic", anthropic))).toBe(
      "usage.raw.cache_creation.ephemeral_1h_input_tokens",
    )
    const negative = openAiChat("chatcmpl-4", { prompt_tokens: -1, completion_tokens: 1 })
    expect(malformedField(() => of("openai", negative))).toBe("usage.inputTokens.total")
  })

  it("the callbacks' flattened usage converts back to the v4 shape", () => {
    const reply = openAiChat("chatcmpl-5", {
      prompt_tokens: 1200,
      completion_tokens: 300,
      prompt_tokens_details: { cached_tokens: 800 },
      completion_tokens_details: { reasoning_tokens: 200 },
    })
    const flat = {
      inputTokens: 1200,
      inputTokenDetails: { noCacheTokens: 400, cacheReadTokens: 800, cacheWriteTokens: undefined },
      outputTokens: 300,
      outputTokenDetails: { textTokens: 100, reasoningTokens: 200 },
      totalTokens: 1500,
      raw: reply.usage.raw!,
    }
    expect(fromLanguageModelUsage(flat)).toEqual(reply.usage)
    expect(canonical("openai", fromLanguageModelUsage(flat), undefined)).toEqual(
      of("openai", reply),
    )
  })
})
