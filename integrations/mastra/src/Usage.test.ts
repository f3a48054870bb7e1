import { RequestContext } from "@mastra/core/request-context"
import { describe, expect, it } from "vitest"
import { app } from "./__fixtures__/mastra.ts"
import { scriptedModel } from "./__fixtures__/models.ts"
import {
  anthropicMessage,
  gemini,
  openAiChat,
  openRouter,
  type Reported,
} from "./__fixtures__/providers.ts"
import { setup } from "./__fixtures__/setup.ts"
import * as MastraUsage from "./Usage.ts"

/** Runs one model call through a real Mastra agent; returns the booked signal and the tenant total. */
const book = async (provider: string, modelId: string, reported: Reported) => {
  const t = await setup()
  const model = scriptedModel(provider, modelId, () => ({ ...reported, text: "ok" }))
  const { mastra, exporter } = app({ agentcost: t.agentcost, model })
  await mastra
    .getAgent("support")
    .generate("hello", { requestContext: new RequestContext([["tenantId", "acme"]]) })
  await exporter.flush()
  const signals = await t.signals()
  expect(signals).toHaveLength(1)
  const total = (await t.byTenant()).acme
  await t.agentcost.close()
  return { signal: signals[0]!, total }
}

describe("provider usage through Mastra's model_inference span", () => {
  it("OpenAI: cached tokens out of the prompt, reasoning out of the completion", async () => {
    const { signal, total } = await book(
      "openai.chat",
      "gpt-6-sol",
      openAiChat({
        prompt_tokens: 1000,
        cached_tokens: 200,
        completion_tokens: 300,
        reasoning_tokens: 100,
      }),
    )
    expect(signal.provider).toBe("openai")
    expect(signal.endpoint).toBe("chat.completions")
    expect(signal.usage).toEqual({
      input_tokens: 800,
      cache_read_tokens: 200,
      output_tokens: 200,
      reasoning_tokens: 100,
    })
    // 800 × $2 + 200 × $0.5 + (200 + 100 reasoning at the output rate) × $8 = $4100 per million.
    expect(total).toBe("0.0041")
  })

  it("Anthropic: the cache added to input_tokens comes back out; 1-hour writes do not reach the span", async () => {
    const { signal, total } = await book(
      "anthropic.messages",
      "claude-sonnet-4-5",
      anthropicMessage({
        input_tokens: 500,
        cache_read_input_tokens: 2000,
        cache_creation_input_tokens: 1000,
        cache_creation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
        output_tokens: 300,
      }),
    )
    expect(signal.provider).toBe("anthropic")
    // @ai-sdk/anthropic 4 keeps the TTL split in providerMetadata.anthropic.usage, which
    // Mastra does not read: all 1000 writes are booked at the 5-minute rate.
    expect(signal.usage).toEqual({
      input_tokens: 500,
      cache_read_tokens: 2000,
      cache_write_tokens: 1000,
      output_tokens: 300,
    })
    // 500 × $3 + 2000 × $0.3 + 1000 × $3.75 + 300 × $15 = $10350 per million.
    expect(total).toBe("0.01035")
  })

  it("Anthropic: a TTL split Mastra reads (providerMetadata.anthropic.cacheCreation) is booked", async () => {
    const reported = anthropicMessage({
      input_tokens: 500,
      cache_creation_input_tokens: 1000,
      output_tokens: 300,
    })
    const { signal, total } = await book("anthropic.messages", "claude-sonnet-4-5", {
      usage: reported.usage,
      providerMetadata: {
        anthropic: {
          cacheCreation: { ephemeral_5m_input_tokens: 400, ephemeral_1h_input_tokens: 600 },
        },
      },
    })
    expect(signal.usage).toEqual({
      input_tokens: 500,
      cache_write_tokens: 400,
      cache_write_1h_tokens: 600,
      output_tokens: 300,
    })
    // 500 × $3 + 400 × $3.75 + 600 × $6 + 300 × $15 = 1500 + 1500 + 3600 + 4500 = $11100 per million.
    expect(total).toBe("0.0111")
  })

  it("Google: cached and tool-use prompt tokens inside the prompt, thoughts added to the candidates", async () => {
    const { signal, total } = await book(
      "google.generative-ai",
      "gemini-2.5-flash",
      gemini({
        promptTokenCount: 1200,
        cachedContentTokenCount: 400,
        toolUsePromptTokenCount: 100,
        candidatesTokenCount: 200,
        thoughtsTokenCount: 300,
      }),
    )
    expect(signal.provider).toBe("google")
    expect(signal.endpoint).toBe("generateContent")
    expect(signal.usage).toEqual({
      input_tokens: 900,
      cache_read_tokens: 400,
      output_tokens: 200,
      reasoning_tokens: 300,
    })
    // 900 × $0.3 + 400 × $0.03 + (200 + 300) × $2.5 = 270 + 12 + 1250 = $1532 per million.
    expect(total).toBe("0.001532")
  })

  it("OpenRouter: cache reads and writes inside prompt_tokens", async () => {
    const { signal, total } = await book(
      "openrouter",
      "anthropic/claude-sonnet-4.5",
      openRouter({
        prompt_tokens: 1000,
        cached_tokens: 300,
        cache_write_tokens: 200,
        completion_tokens: 100,
        reasoning_tokens: 40,
      }),
    )
    expect(signal.provider).toBe("openrouter")
    expect(signal.usage).toEqual({
      input_tokens: 500,
      cache_read_tokens: 300,
      cache_write_tokens: 200,
      output_tokens: 60,
      reasoning_tokens: 40,
    })
    // 500 × $3 + 300 × $0.3 + 200 × $3.75 + (60 + 40) × $15 = 1500 + 90 + 750 + 1500 = $3840 per million.
    expect(total).toBe("0.00384")
  })
})

describe("toCanonical", () => {
  it("books a call without usage as x_usage_unreported (an unknown cost, never $0)", () => {
    expect(MastraUsage.toCanonical("openai", undefined)).toEqual({ x_usage_unreported: 1 })
    expect(MastraUsage.toCanonical("openai", {})).toEqual({ x_usage_unreported: 1 })
  })

  it("takes every part out of its total exactly once", () => {
    expect(
      MastraUsage.toCanonical("openai", {
        inputTokens: 1000,
        inputDetails: { cacheRead: 100, cacheWrite: 300, cacheWrite1h: 120, audio: 50, image: 20 },
        outputTokens: 500,
        outputDetails: { reasoning: 200, audio: 30, image: 10 },
      }),
    ).toEqual({
      input_tokens: 530,
      cache_read_tokens: 100,
      cache_write_tokens: 180,
      cache_write_1h_tokens: 120,
      input_audio_tokens: 50,
      input_image_tokens: 20,
      output_tokens: 260,
      reasoning_tokens: 200,
      output_audio_tokens: 30,
      x_output_image_tokens: 10,
    })
  })

  it("sums the TTL split when the total cache write is missing", () => {
    expect(
      MastraUsage.toCanonical("anthropic", {
        inputTokens: 1000,
        inputDetails: { cacheWrite5m: 300, cacheWrite1h: 200 },
        outputTokens: 10,
      }),
    ).toEqual({
      input_tokens: 500,
      cache_write_tokens: 300,
      cache_write_1h_tokens: 200,
      output_tokens: 10,
    })
  })

  it("names the part that exceeds its total", () => {
    expect(() =>
      MastraUsage.toCanonical("openai", { inputTokens: 100, inputDetails: { cacheRead: 150 } }),
    ).toThrow(
      "openai response: usage.inputDetails.cacheRead: 150 exceeds the 100 tokens left of inputTokens",
    )
    expect(() =>
      MastraUsage.toCanonical("anthropic", {
        inputTokens: 100,
        inputDetails: { cacheWrite: 10, cacheWrite1h: 20 },
      }),
    ).toThrow(
      "usage.inputDetails.cacheWrite1h: 20 exceeds the 10 tokens left of inputDetails.cacheWrite",
    )
    expect(() => MastraUsage.toCanonical("openai", { inputTokens: -1 })).toThrow(
      "usage.inputTokens: expected a whole non-negative count, got -1",
    )
  })
})
