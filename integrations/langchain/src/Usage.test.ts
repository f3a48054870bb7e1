import { Usage as CanonicalUsage, ProviderAdapter } from "@agentcost/core"
import { concat } from "@langchain/core/utils/stream"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Messages from "./__fixtures__/Messages.ts"
import * as Usage from "./Usage.ts"

const read = (
  provider: string,
  message: { usage_metadata?: unknown; response_metadata: { readonly [key: string]: unknown } },
) => Usage.fromUsageMetadata(provider, message.usage_metadata, message.response_metadata.usage)

describe("Usage.fromUsageMetadata", () => {
  it("OpenAI: cache reads inside input_tokens, reasoning inside output_tokens", () => {
    const message = Messages.openai({
      id: "chatcmpl-1",
      prompt: 1200,
      cached: 800,
      completion: 500,
      reasoning: 200,
    })
    expect(read("openai", message)).toEqual({
      input_tokens: 400,
      cache_read_tokens: 800,
      output_tokens: 300,
      reasoning_tokens: 200,
    })
  })

  it("OpenAI Responses API: same convention", () => {
    const message = Messages.openaiResponses({
      id: "resp_1",
      model: "gpt-5.4",
      input: 1000,
      cached: 600,
      output: 300,
      reasoning: 120,
      serviceTier: "flex",
    })
    expect(read("openai", message)).toEqual({
      input_tokens: 400,
      cache_read_tokens: 600,
      output_tokens: 180,
      reasoning_tokens: 120,
    })
  })

  it("OpenAI audio details split into modality buckets", () => {
    expect(
      Usage.fromUsageMetadata("openai", {
        input_tokens: 1000,
        output_tokens: 400,
        total_tokens: 1400,
        input_token_details: { audio: 300, cache_read: 100 },
        output_token_details: { audio: 250, reasoning: 0 },
      }),
    ).toEqual({
      input_tokens: 600,
      cache_read_tokens: 100,
      input_audio_tokens: 300,
      output_tokens: 150,
      output_audio_tokens: 250,
    })
  })

  it("Anthropic: input_tokens = input + cache writes + reads; TTLs from the raw usage", () => {
    // Anthropic usage: input 100, cache writes 200 (5m) + 300 (1h), reads 2000, output 50.
    const message = Messages.anthropic({
      id: "msg_1",
      input: 100,
      cacheRead: 2000,
      cacheWrite5m: 200,
      cacheWrite1h: 300,
      output: 50,
    })
    expect(message.usage_metadata?.input_tokens).toBe(2600)
    expect(read("anthropic", message)).toEqual({
      input_tokens: 100,
      cache_read_tokens: 2000,
      cache_write_tokens: 200,
      cache_write_1h_tokens: 300,
      output_tokens: 50,
    })
  })

  it("Anthropic TTL keys in input_token_details (with or without the generic cache_creation)", () => {
    const base = { input_tokens: 1100, output_tokens: 10, total_tokens: 1110 }
    const expected = {
      input_tokens: 100,
      cache_read_tokens: 500,
      cache_write_tokens: 300,
      cache_write_1h_tokens: 200,
      output_tokens: 10,
    }
    const withTotal = {
      ...base,
      input_token_details: {
        cache_read: 500,
        cache_creation: 500,
        ephemeral_5m_input_tokens: 300,
        ephemeral_1h_input_tokens: 200,
      },
    }
    const onlyTtl = {
      ...base,
      input_token_details: {
        cache_read: 500,
        cache_creation: 0,
        ephemeral_5m_input_tokens: 300,
        ephemeral_1h_input_tokens: 200,
      },
    }
    expect(Usage.fromUsageMetadata("anthropic", withTotal)).toEqual(expected)
    expect(Usage.fromUsageMetadata("anthropic", onlyTtl)).toEqual(expected)
  })

  it("Anthropic streaming: LangChain sums message_start's output count into the delta's", () => {
    const [first, ...rest] = Messages.anthropicStreamChunks({
      id: "msg_s",
      model: "claude-sonnet-4-5",
      input: 40,
      cacheRead: 1000,
      cacheWrite1h: 60,
      output: 15,
    })
    const merged = rest.reduce((acc, chunk) => concat(acc, chunk), first!)
    // message_start reports output_tokens: 1, message_delta the cumulative 15:
    // LangChain's merge adds them, so the stream reads 16 (documented limitation).
    expect(read("anthropic", merged)).toEqual({
      input_tokens: 40,
      cache_read_tokens: 1000,
      cache_write_1h_tokens: 60,
      output_tokens: 16,
    })
  })

  it("Google GenAI: thoughts missing from output_tokens are recovered from total_tokens", () => {
    // Gemini: prompt 1000 (400 cached), candidates 200, thoughts 300, total 1500.
    const message = Messages.gemini({ prompt: 1000, cached: 400, candidates: 200, thoughts: 300 })
    expect(message.usage_metadata?.output_tokens).toBe(200)
    expect(read("google", message)).toEqual({
      input_tokens: 600,
      cache_read_tokens: 400,
      output_tokens: 200,
      reasoning_tokens: 300,
    })
  })

  it("Google GenAI without thinking: nothing to recover", () => {
    expect(read("google", Messages.gemini({ prompt: 100, candidates: 20 }))).toEqual({
      input_tokens: 100,
      output_tokens: 20,
    })
  })

  it("Vertex AI: thoughts inside output_tokens and reported as the reasoning detail", () => {
    const message = Messages.vertex({ prompt: 1000, cached: 400, candidates: 200, thoughts: 300 })
    expect(read("google", message)).toEqual({
      input_tokens: 600,
      cache_read_tokens: 400,
      output_tokens: 200,
      reasoning_tokens: 300,
    })
  })

  it("a gap in the total is not reasoning for providers whose output includes it", () => {
    expect(
      Usage.fromUsageMetadata("openai", { input_tokens: 10, output_tokens: 5, total_tokens: 40 }),
    ).toEqual({ input_tokens: 10, output_tokens: 5 })
  })

  it("modality details never take tokens the cache already counted", () => {
    // Gemini reports modalities for the whole prompt, cached part included.
    expect(
      Usage.fromUsageMetadata("google", {
        input_tokens: 1000,
        output_tokens: 10,
        total_tokens: 1010,
        input_token_details: { cache_read: 900, image: 500 },
      }),
    ).toEqual({ cache_read_tokens: 900, input_image_tokens: 100, output_tokens: 10 })
  })

  it("details above their totals are malformed, naming the field", () => {
    expect(() =>
      Usage.fromUsageMetadata("openai", {
        input_tokens: 100,
        output_tokens: 10,
        total_tokens: 110,
        input_token_details: { cache_read: 101 },
      }),
    ).toThrow("openai response: usage_metadata.input_token_details: cache reads and writes (101)")
    expect(() =>
      Usage.fromUsageMetadata("openai", {
        input_tokens: 100,
        output_tokens: 10,
        total_tokens: 110,
        output_token_details: { reasoning: 11 },
      }),
    ).toThrow(ProviderAdapter.MalformedResponse)
    expect(() =>
      Usage.fromUsageMetadata("anthropic", { input_tokens: -1, output_tokens: 0 }),
    ).toThrow(
      "anthropic response: usage_metadata.input_tokens: expected a whole non-negative count",
    )
  })

  it("property: the buckets sum to the reported total, in every convention", () => {
    const counts = fc.record({
      uncached: fc.nat(10_000),
      cached: fc.nat(10_000),
      visible: fc.nat(10_000),
      reasoning: fc.nat(10_000),
    })
    fc.assert(
      fc.property(counts, ({ uncached, cached, visible, reasoning }) => {
        const prompt = uncached + cached
        const total = prompt + visible + reasoning
        const conventions = [
          read(
            "openai",
            Messages.openai({
              id: "chatcmpl-p",
              prompt,
              cached,
              completion: visible + reasoning,
              reasoning,
            }),
          ),
          read(
            "google",
            Messages.gemini({ prompt, cached, candidates: visible, thoughts: reasoning }),
          ),
          read(
            "google",
            Messages.vertex({ prompt, cached, candidates: visible, thoughts: reasoning }),
          ),
        ]
        for (const usage of conventions) {
          expect(CanonicalUsage.totalTokens(usage)).toBe(total)
          expect(usage.reasoning_tokens ?? 0).toBe(reasoning)
          expect(usage.cache_read_tokens ?? 0).toBe(cached)
        }
      }),
    )
  })
})

describe("Usage.fromTokenUsage", () => {
  it("reads a text-completion LLM's llmOutput.tokenUsage", () => {
    expect(
      Usage.fromTokenUsage("openai", { promptTokens: 12, completionTokens: 30, totalTokens: 42 }),
    ).toEqual({ input_tokens: 12, output_tokens: 30 })
  })
})
