import { Usage } from "@agentcost/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import batchLine from "./__fixtures__/batch-output-line.json" with { type: "json" }
import completion from "./__fixtures__/chat-completion.json" with { type: "json" }
import errorBody from "./__fixtures__/error.json" with { type: "json" }
import { adapter, malformedOf, signalOf } from "./__fixtures__/price.ts"
import response from "./__fixtures__/responses.json" with { type: "json" }
import { openai } from "./OpenAIAdapter.ts"

describe("openai()", () => {
  it("is the openai provider with its shipped price book", () => {
    expect(adapter.provider).toBe("openai")
    expect(adapter.defaultPrices.entries.length).toBeGreaterThan(0)
  })

  it("takes the account from a per-call hint before the adapter option", () => {
    expect(openai().normalize(completion).providerAccount).toBeNull()
    expect(adapter.normalize(completion).providerAccount).toBe("proj_acme")
    expect(adapter.normalize(completion, { providerAccount: "proj_other" }).providerAccount).toBe(
      "proj_other",
    )
  })

  it("adds capabilities the integration saw to the ones in the body", () => {
    const call = adapter.normalize(completion, { capabilities: ["rag", "tool_use"] })
    expect(call.capabilities).toEqual(["rag", "tool_use"])
  })

  it("uses the endpoint hint when a proxy dropped `object`", () => {
    const { object: _chat, ...chatBody } = completion
    expect(adapter.normalize(chatBody, { endpoint: "chat.completions" }).endpoint).toBe(
      "chat.completions",
    )
    const { object: _response, ...responseBody } = response
    expect(adapter.normalize(responseBody, { endpoint: "responses" }).endpoint).toBe("responses")
    expect(malformedOf(chatBody).message).toBe(
      'openai response: object: expected "chat.completion", "chat.completion.chunk" or "response", got nothing',
    )
  })
})

describe("error bodies and Batch output lines", () => {
  it("rejects an OpenAI error body, quoting OpenAI's message", () => {
    const error = malformedOf(errorBody)
    expect(error.field).toBe("error")
    expect(error.message).toBe(
      'openai response: error: OpenAI returned an error, not a billable response: "Incorrect API key provided: sk-proj-********************************************Xq1z. You can find your API key at https://platform.openai.com/account/api-keys." (invalid_request_error, invalid_api_key)',
    )
  })

  it("reads a Batch output line as a batch-tier call (gpt-4.1-mini)", () => {
    const call = adapter.normalize(batchLine)
    // The body says "default"; the Batch API bills it at batch rates.
    expect(call.serviceTier).toBe("batch")
    expect(call.attributes).toEqual({ batch_custom_id: "tenant-acme/ticket-9912" })
    expect(call.providerRequestId).toBe("chatcmpl-CdH2mRw5XqLt8VzNp3KbYs6JeUf1c")
    expect(call.usage).toEqual({ input_tokens: 2000, output_tokens: 500 })
    // gpt-4.1-mini batch = half of $0.40 / $1.60: $0.20 in, $0.80 out.
    // 2000 x 0.2 = 400 -> 0.0004; 500 x 0.8 = 400 -> 0.0004; total 0.0008.
    const signal = signalOf(batchLine)
    expect(signal.price_ref).toBe("openai/gpt-4.1-mini@2025-04-14")
    expect(signal.cost_components).toEqual({ input_tokens: "0.0004", output_tokens: "0.0004" })
    expect(signal.base_cost).toBe("0.0008")
    expect(signal.attributes).toEqual({
      batch_custom_id: "tenant-acme/ticket-9912",
      service_tier: "batch",
    })
  })

  it("names fields inside a Batch line by their path in the line", () => {
    const broken = {
      ...batchLine,
      response: {
        ...batchLine.response,
        body: { ...batchLine.response.body, usage: { prompt_tokens: 2000 } },
      },
    }
    expect(malformedOf(broken).field).toBe("response.body.usage.completion_tokens")
  })

  it("rejects a Batch line whose request failed, quoting the error body", () => {
    const error = malformedOf({
      id: "batch_req_3",
      custom_id: "tenant-acme/ticket-9914",
      response: {
        status_code: 400,
        request_id: "req_5f1e",
        body: {
          error: {
            message: "Invalid 'max_output_tokens': integer below minimum value.",
            type: "invalid_request_error",
            param: "max_output_tokens",
            code: "integer_below_min_value",
          },
        },
      },
      error: null,
    })
    expect(error.field).toBe("response.body.error")
    expect(error.reason).toBe(
      `OpenAI returned an error, not a billable response: "Invalid 'max_output_tokens': integer below minimum value." (invalid_request_error, integer_below_min_value)`,
    )
  })

  it("rejects a failed Batch line, quoting its error", () => {
    const error = malformedOf({
      id: "batch_req_2",
      custom_id: "tenant-acme/ticket-9913",
      response: null,
      error: {
        code: "batch_expired",
        message: "This request could not be executed before the completion window expired.",
      },
    })
    expect(error.field).toBe("error")
    expect(error.reason).toBe(
      'OpenAI returned an error, not a billable response: "This request could not be executed before the completion window expired." (batch_expired)',
    )
  })
})

describe("malformed input", () => {
  const withUsage = (usage: object) => ({ ...completion, usage: { ...completion.usage, ...usage } })

  it.each([
    [
      "not an object",
      "chatcmpl-1",
      "",
      'expected an OpenAI response body (a JSON object), got "chatcmpl-1"',
    ],
    [
      "no usage",
      { ...completion, usage: undefined },
      "usage",
      "missing: a chat completion without usage cannot be priced",
    ],
    [
      "a string count",
      withUsage({ prompt_tokens: "1200" }),
      "usage.prompt_tokens",
      'expected a number, got "1200"',
    ],
    [
      "a missing total",
      withUsage({ completion_tokens: undefined }),
      "usage.completion_tokens",
      "missing",
    ],
    [
      "a negative count",
      withUsage({ prompt_tokens_details: { cached_tokens: -5 } }),
      "usage.prompt_tokens_details.cached_tokens",
      "expected a whole non-negative count, got -5",
    ],
    [
      "NaN",
      withUsage({ prompt_tokens_details: { cached_tokens: Number.NaN } }),
      "usage.prompt_tokens_details.cached_tokens",
      "expected a number, got NaN",
    ],
    [
      "a fraction",
      withUsage({ completion_tokens: 300.5 }),
      "usage.completion_tokens",
      "expected a whole non-negative count, got 300.5",
    ],
    [
      "details that are not an object",
      withUsage({ completion_tokens_details: 7 }),
      "usage.completion_tokens_details",
      "expected an object, got 7",
    ],
    ["no model", { ...completion, model: "" }, "model", "missing"],
    [
      "a non-string service tier",
      { ...completion, service_tier: 2 },
      "service_tier",
      "expected a string, got 2",
    ],
    [
      "a bad timestamp",
      { ...completion, created: "yesterday" },
      "created",
      'expected Unix seconds, got "yesterday"',
    ],
    [
      "another object",
      { object: "list", data: [] },
      "object",
      'expected "chat.completion", "chat.completion.chunk" or "response", got "list"',
    ],
  ])("rejects %s, naming the field", (_case, raw, field, reason) => {
    const error = malformedOf(raw)
    expect(error.field).toBe(field)
    expect(error.reason).toBe(reason)
  })

  it("rejects cached tokens above prompt_tokens instead of a negative bucket", () => {
    const error = malformedOf(withUsage({ prompt_tokens_details: { cached_tokens: 1300 } }))
    expect(error.field).toBe("usage.prompt_tokens_details.cached_tokens")
    expect(error.reason).toBe(
      "usage.prompt_tokens_details.cached_tokens (1300) exceeds usage.prompt_tokens (1200), which includes it",
    )
  })

  it("names the detail that overflows when several do together", () => {
    const error = malformedOf(
      withUsage({ prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 300 } }),
    )
    expect(error.field).toBe("usage.prompt_tokens_details.audio_tokens")
    expect(error.reason).toBe(
      "usage.prompt_tokens_details.cached_tokens (1000) + usage.prompt_tokens_details.audio_tokens (300) exceed usage.prompt_tokens (1200), which includes them",
    )
  })

  it("rejects reasoning tokens above completion_tokens", () => {
    const error = malformedOf(withUsage({ completion_tokens_details: { reasoning_tokens: 301 } }))
    expect(error.field).toBe("usage.completion_tokens_details.reasoning_tokens")
  })
})

describe("unknown models", () => {
  it("records the call as pending with no cost, never $0", () => {
    const signal = signalOf({ ...completion, model: "gpt-7-nova-2027-01-15" })
    expect(signal.usage).toEqual({ input_tokens: 1200, output_tokens: 300 })
    expect(signal.base_cost).toBeNull()
    expect(signal.pending_cost).toBe(true)
    expect(signal.estimate_method).toBe("unpriced")
    expect(signal.price_ref).toBeNull()
    expect(signal.cost_components).toEqual({})
    expect(signal.pricing_error).toBe(
      "no price for openai/gpt-7-nova-2027-01-15 (chat.completions) at 2025-11-03T09:15:00.000Z; add a price book entry (--prices FILE)",
    )
  })

  it("lets a user price book price it, and override a shipped price", () => {
    const userBook = {
      version: 1 as const,
      entries: [
        {
          provider: "openai",
          model: "gpt-4.1",
          validFrom: "2025-01-01",
          strategy: "TOKEN_BASED" as const,
          currency: "USD",
          rates: { input_tokens: "1", output_tokens: "4" },
        },
      ],
    }
    // Negotiated $1 / $4: 1200 x 1 -> 0.0012; 300 x 4 -> 0.0012; total 0.0024.
    const signal = signalOf(completion, {}, { user: [userBook] })
    expect(signal.price_ref).toBe("openai/gpt-4.1@2025-01-01")
    expect(signal.base_cost).toBe("0.0024")
  })
})

describe("bucket conventions (properties)", () => {
  const tokens = fc.nat({ max: 2_000_000 })

  it("Chat Completions: the buckets are disjoint and add up to prompt + completion", () => {
    fc.assert(
      fc.property(
        fc.record({ text: tokens, cached: tokens, write: tokens, audio: tokens, image: tokens }),
        fc.record({ text: tokens, reasoning: tokens, audio: tokens }),
        (prompt, out) => {
          const promptTokens =
            prompt.text + prompt.cached + prompt.write + prompt.audio + prompt.image
          const completionTokens = out.text + out.reasoning + out.audio
          const usage = adapter.normalize({
            ...completion,
            usage: {
              prompt_tokens: promptTokens,
              completion_tokens: completionTokens,
              total_tokens: promptTokens + completionTokens,
              prompt_tokens_details: {
                cached_tokens: prompt.cached,
                cache_write_tokens: prompt.write,
                audio_tokens: prompt.audio,
                image_tokens: prompt.image,
              },
              completion_tokens_details: {
                reasoning_tokens: out.reasoning,
                audio_tokens: out.audio,
              },
            },
          }).usage
          expect(Usage.totalTokens(usage)).toBe(promptTokens + completionTokens)
          expect(Usage.inputTokens(usage)).toBe(promptTokens)
          expect(usage.input_tokens ?? 0).toBe(prompt.text)
          expect(usage.cache_read_tokens ?? 0).toBe(prompt.cached)
          expect(usage.cache_write_tokens ?? 0).toBe(prompt.write)
          expect(usage.output_tokens ?? 0).toBe(out.text)
          expect(usage.reasoning_tokens ?? 0).toBe(out.reasoning)
          expect(usage.output_audio_tokens ?? 0).toBe(out.audio)
        },
      ),
    )
  })

  it("Responses: the buckets are disjoint and add up to input + output", () => {
    fc.assert(
      fc.property(
        fc.record({ text: tokens, cached: tokens, long: tokens, short: tokens, unsplit: tokens }),
        fc.record({ text: tokens, reasoning: tokens }),
        (input, out) => {
          const writes = input.long + input.short + input.unsplit
          const inputTokens = input.text + input.cached + writes
          const outputTokens = out.text + out.reasoning
          const usage = adapter.normalize({
            ...response,
            usage: {
              input_tokens: inputTokens,
              input_tokens_details: {
                cached_tokens: input.cached,
                cache_write_tokens: writes,
                cache_write_tokens_details: {
                  ttl_12h_tokens: input.long,
                  ttl_30m_tokens: input.short,
                },
              },
              output_tokens: outputTokens,
              output_tokens_details: { reasoning_tokens: out.reasoning },
              total_tokens: inputTokens + outputTokens,
            },
          }).usage
          expect(Usage.totalTokens(usage)).toBe(inputTokens + outputTokens)
          expect(usage.cache_write_1h_tokens ?? 0).toBe(input.long)
          expect(usage.cache_write_tokens ?? 0).toBe(input.short + input.unsplit)
          expect(usage.input_tokens ?? 0).toBe(input.text)
        },
      ),
    )
  })

  it("a detail larger than its total is always malformed, never a negative bucket", () => {
    fc.assert(
      fc.property(tokens, fc.integer({ min: 1, max: 1000 }), (prompt, excess) => {
        const error = malformedOf({
          ...completion,
          usage: {
            prompt_tokens: prompt,
            completion_tokens: 0,
            prompt_tokens_details: { cached_tokens: prompt + excess },
          },
        })
        expect(error.field).toBe("usage.prompt_tokens_details.cached_tokens")
      }),
    )
  })
})
