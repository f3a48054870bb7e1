import { Money } from "@agentcost/core"
import type { LanguageModelV4StreamPart } from "@ai-sdk/provider"
import {
  APICallError,
  generateObject,
  generateText,
  Output,
  stepCountIs,
  streamText,
  ToolLoopAgent,
  wrapLanguageModel,
} from "ai"
import { MockLanguageModelV4, simulateReadableStream } from "ai/test"
import { describe, expect, it } from "vitest"
import { z } from "zod"
import {
  anthropicMessage,
  gemini,
  generated,
  openAiChat,
  openAiResponses,
  openRouter,
  streamed,
  streamParts,
  textPart,
  toolCallPart,
} from "./__fixtures__/providers.ts"
import { setup } from "./__fixtures__/setup.ts"
import { stepOf, toolLoopModel, weather } from "./__fixtures__/toolLoop.ts"
import { InvalidAttribution, UnattributedCall } from "./Attribution.ts"
import { agentcostMiddleware } from "./Middleware.ts"

/** A retryable provider error that asks for a 1 ms back-off (the SDK's default is 2 s). */
const overloaded = () =>
  new APICallError({
    message: "Overloaded",
    url: "https://api.example.test/v1",
    requestBodyValues: {},
    statusCode: 529,
    responseHeaders: { "retry-after-ms": "1" },
    isRetryable: true,
  })

describe("agentcostMiddleware", () => {
  it("books every step of a multi-step tool loop with that step's own usage, never the summed usage", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const model = wrapLanguageModel({
      model: toolLoopModel(),
      middleware: agentcostMiddleware(agentcost),
    })

    const result = await agentcost.run({ tenantId: "acme", workflowType: "weather" }, () =>
      generateText({
        model,
        prompt: "Weather in Berlin and Paris?",
        tools: { weather },
        stopWhen: stepCountIs(5),
      }),
    )

    // The SDK's summed usage covers all three steps; booking it too would count them twice.
    expect(result.usage.inputTokens).toBe(3600)
    const booked = await signals()
    expect(booked.map((s) => [s.signal_id, s.usage, s.attempt, s.tenant_id])).toEqual([
      ["openai:chatcmpl-s1", { input_tokens: 1000, output_tokens: 50, tool_calls: 1 }, 1, "acme"],
      [
        "openai:chatcmpl-s2",
        { input_tokens: 200, cache_read_tokens: 1000, output_tokens: 40, tool_calls: 1 },
        1,
        "acme",
      ],
      [
        "openai:chatcmpl-s3",
        { input_tokens: 200, cache_read_tokens: 1200, output_tokens: 40, reasoning_tokens: 60 },
        1,
        "acme",
      ],
    ])
    expect(new Set(booked.map((s) => s.operation_id)).size).toBe(3)
    expect(booked.map((s) => s.model)).toEqual(Array(3).fill("gpt-5.1-2025-11-13"))
    expect(booked[0]!.capabilities).toEqual(["tool_use"])
    // gpt-5.1: $1.25 input, $0.125 cached, $10 output (reasoning at the output rate), per 1M tokens.
    // s1: 1000 × 1.25 + 50 × 10                           = 1250 + 500        → 0.00175
    // s2:  200 × 1.25 + 1000 × 0.125 + 40 × 10            = 250 + 125 + 400   → 0.000775
    // s3:  200 × 1.25 + 1200 × 0.125 + 40 × 10 + 60 × 10  = 250+150+400+600   → 0.0014
    expect(booked.map((s) => s.base_cost)).toEqual(["0.00175", "0.000775", "0.0014"])
    expect(await byTenant()).toEqual({ acme: "0.003925" })
    await agentcost.close()
  })

  it("books a stream at its finish part, also when it is consumed after the envelope's run resolved", async () => {
    const { agentcost, byTenant, signals, envelopes } = await setup()
    const reply = gemini(
      "resp-stream-1",
      { promptTokenCount: 4000, candidatesTokenCount: 500, thoughtsTokenCount: 500 },
      ["agentcost pricing"],
    )
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "google.generative-ai",
        modelId: "gemini-2.5-flash",
        doStream: async () => streamed(streamParts(reply, "Grounded answer.")),
      }),
      middleware: agentcostMiddleware(agentcost),
    })

    const stream = await agentcost.run({ tenantId: "acme" }, async () =>
      // Returned unconsumed: the run resolves before the stream finishes.
      ({ result: streamText({ model, prompt: "Search and answer" }) }),
    )
    expect(await stream.result.text).toBe("Grounded answer.")

    const [signal] = await signals()
    expect(signal!.envelope_id).toBe(envelopes()[0]!.envelope_id)
    expect(signal!.usage).toEqual({
      input_tokens: 4000,
      output_tokens: 500,
      reasoning_tokens: 500,
      web_search_requests: 1,
    })
    // gemini-2.5-flash: $0.30 input, $2.50 output (reasoning at the output rate), $0.035 a search.
    // 4000 × 0.3 + 500 × 2.5 + 500 × 2.5 = 1200 + 1250 + 1250 → 0.0037; + 0.035 → 0.0387
    expect(await byTenant()).toEqual({ acme: "0.0387" })
    await agentcost.close()
  })

  it("books structured output: generateText with Output.object, and generateObject with OpenRouter's reported cost", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const middleware = agentcostMiddleware(agentcost)
    const responses = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openai.responses",
        modelId: "gpt-5.1",
        doGenerate: generated(
          openAiResponses("resp_obj1", { input_tokens: 500, output_tokens: 80 }),
          [textPart('{"city":"Berlin","celsius":21}')],
        ),
      }),
      middleware,
    })
    const router = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openrouter.chat",
        modelId: "anthropic/claude-sonnet-4.5",
        doGenerate: generated(
          openRouter("gen-obj2", { prompt_tokens: 700, completion_tokens: 60, cost: 0.00321 }),
          [textPart('{"city":"Paris","celsius":19}')],
        ),
      }),
      middleware,
    })
    const schema = z.object({ city: z.string(), celsius: z.number() })

    const [structured, object] = await agentcost.run({ tenantId: "globex" }, async () => [
      await generateText({
        model: responses,
        prompt: "Berlin?",
        output: Output.object({ schema }),
      }),
      await generateObject({ model: router, prompt: "Paris?", schema }),
    ])

    expect(structured.output).toEqual({ city: "Berlin", celsius: 21 })
    expect(object.object).toEqual({ city: "Paris", celsius: 19 })
    const booked = await signals()
    expect(booked.map((s) => [s.signal_id, s.endpoint, s.cost_source, s.base_cost])).toEqual([
      // 500 × 1.25 + 80 × 10 = 625 + 800 per 1M → 0.001425
      ["openai:resp_obj1", "responses", "local", "0.001425"],
      // OpenRouter's usage.cost; the book's estimate stays beside it: 700 × 3 + 60 × 15 = 3000 per 1M
      ["openrouter:gen-obj2", "chat.completions", "provider", "0.00321"],
    ])
    expect(booked[1]!.cost_components).toEqual({
      provider_reported: "0.00321",
      local_estimate: "0.003",
    })
    expect(booked[1]!.attributes).toEqual({ upstream_provider: "Anthropic" })
    // 0.001425 + 0.00321
    expect(await byTenant()).toEqual({ globex: "0.004635" })
    await agentcost.close()
  })

  it("books a retried call (maxRetries) as attempt 2 of the operation; the failed attempt billed nothing", async () => {
    const { agentcost, byTenant, signals } = await setup()
    let calls = 0
    const inner = new MockLanguageModelV4({
      provider: "openai.chat",
      modelId: "gpt-5.1",
      doGenerate: async () => {
        if (++calls === 1) throw overloaded()
        return generated(
          openAiChat("chatcmpl-retry", { prompt_tokens: 100, completion_tokens: 10 }),
          [textPart("ok")],
        )
      },
    })
    const model = wrapLanguageModel({ model: inner, middleware: agentcostMiddleware(agentcost) })

    await agentcost.run({ tenantId: "acme" }, () =>
      generateText({ model, prompt: "hi", maxRetries: 2 }),
    )

    expect(calls).toBe(2)
    const booked = await signals()
    expect(booked.map((s) => [s.signal_id, s.attempt, s.attempt_outcome])).toEqual([
      ["openai:chatcmpl-retry", 2, "succeeded"],
    ])
    // 100 × 1.25 + 10 × 10 = 125 + 100 per 1M → 0.000225
    expect(await byTenant()).toEqual({ acme: "0.000225" })
    await agentcost.close()
  })

  it("books a stream that failed after the provider billed it as a failed attempt, and its retry (streamRetries) as attempt 2", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const failedReply = openAiResponses("resp_failed", { input_tokens: 300, output_tokens: 12 })
    const okReply = openAiResponses("resp_ok", { input_tokens: 300, output_tokens: 40 })
    // What @ai-sdk/openai streams for a `response.failed` event: an error part, then the usage.
    const failedParts: Array<LanguageModelV4StreamPart> = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", ...failedReply.response },
      { type: "text-start", id: "t1" },
      { type: "text-delta", id: "t1", delta: "Partial" },
      { type: "error", error: { type: "response.failed", message: "server_error" } },
      {
        type: "finish",
        finishReason: { unified: "error", raw: "error" },
        usage: failedReply.usage,
        providerMetadata: failedReply.providerMetadata,
      },
    ]
    let calls = 0
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openai.responses",
        modelId: "gpt-5.1",
        doStream: async () =>
          ++calls === 1
            ? // Parts arrive over the network: the SDK cancels at the error, before the usage.
              { stream: simulateReadableStream({ chunks: failedParts, chunkDelayInMs: 5 }) }
            : streamed(streamParts(okReply, "Complete answer.")),
      }),
      middleware: agentcostMiddleware(agentcost),
    })

    const text = await agentcost.run({ tenantId: "acme" }, async () => {
      const result = streamText({
        model,
        prompt: "Explain",
        streamRetries: 1,
        onError: () => undefined,
      })
      return result.text
    })

    expect(calls).toBe(2)
    expect(text).toContain("Complete answer.")
    // The failed attempt is booked when its usage arrives, which may be after the retry.
    const booked = (await signals()).sort((a, b) => a.attempt - b.attempt)
    expect(booked.map((s) => [s.signal_id, s.attempt, s.attempt_outcome, s.base_cost])).toEqual([
      // 300 × 1.25 + 12 × 10 = 375 + 120 per 1M
      ["openai:resp_failed", 1, "failed", "0.000495"],
      // 300 × 1.25 + 40 × 10 = 375 + 400 per 1M
      ["openai:resp_ok", 2, "succeeded", "0.000775"],
    ])
    expect(booked[0]!.operation_id).toBe(booked[1]!.operation_id)
    // tenant_pays_all (the default): 0.000495 + 0.000775
    expect(await byTenant()).toEqual({ acme: "0.00127" })
    await agentcost.close()
  })

  it("books ToolLoopAgent steps to the tenant named in providerOptions.agentcost when no envelope is active", async () => {
    const { agentcost, byTenant, signals, envelopes } = await setup()
    const middleware = agentcostMiddleware(agentcost)
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "anthropic.messages",
        modelId: "claude-sonnet-4-5",
        doGenerate: async (options) =>
          stepOf(options) === 0
            ? generated(
                anthropicMessage("msg_a1", {
                  input_tokens: 20,
                  cache_creation_input_tokens: 2000,
                  cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 2000 },
                  output_tokens: 80,
                }),
                [toolCallPart("t1", "weather", { city: "Oslo" })],
              )
            : generated(
                anthropicMessage("msg_a2", {
                  input_tokens: 30,
                  cache_read_input_tokens: 2000,
                  output_tokens: 120,
                  server_tool_use: { web_search_requests: 1 },
                }),
                [textPart("Oslo: 21 °C.")],
              ),
      }),
      middleware,
    })
    const agent = new ToolLoopAgent({
      model,
      tools: { weather },
      stopWhen: stepCountIs(5),
      providerOptions: { agentcost: { tenantId: "initech", workflowType: "research" } },
    })

    const result = await agent.generate({ prompt: "Weather in Oslo?" })

    expect(result.steps).toHaveLength(2)
    const booked = await signals()
    expect(booked.map((s) => [s.signal_id, s.tenant_id, s.workflow_type, s.base_cost])).toEqual([
      // claude-sonnet-4-5: $3 input, $6 1-hour cache writes, $0.30 cache reads, $15 output, $0.01 a search.
      // 20 × 3 + 2000 × 6 + 80 × 15 = 60 + 12000 + 1200 per 1M → 0.01326
      ["anthropic:msg_a1", "initech", "research", "0.01326"],
      // 30 × 3 + 2000 × 0.3 + 120 × 15 = 90 + 600 + 1800 per 1M → 0.00249; + 0.01 → 0.01249
      ["anthropic:msg_a2", "initech", "research", "0.01249"],
    ])
    // One envelope per call, each finalized once booked.
    expect(envelopes().map((e) => [e.tenant_id, e.status])).toEqual([
      ["initech", "succeeded"],
      ["initech", "succeeded"],
    ])
    expect(middleware.stats).toEqual({ unattributed: 0, unrecorded: 0 })
    // 0.01326 + 0.01249
    expect(await byTenant()).toEqual({ initech: "0.02575" })
    await agentcost.close()
  })

  it("books into an envelope named by id (a job queue worker)", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const envelope = await agentcost.open({ tenantId: "umbrella", workflowType: "batch" })
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openai.chat",
        modelId: "gpt-5.1",
        doGenerate: generated(
          openAiChat("chatcmpl-job", { prompt_tokens: 400, completion_tokens: 20 }),
          [textPart("done")],
        ),
      }),
      middleware: agentcostMiddleware(agentcost),
    })

    await generateText({
      model,
      prompt: "job",
      providerOptions: { agentcost: { envelopeId: envelope.envelopeId } },
    })
    await envelope.finalize()

    expect((await signals()).map((s) => s.envelope_id)).toEqual([envelope.envelopeId])
    // 400 × 1.25 + 20 × 10 = 500 + 200 per 1M
    expect(await byTenant()).toEqual({ umbrella: "0.0007" })
    await agentcost.close()
  })

  it("books a call with no tenant to the unattributed account and counts it, or refuses it with onUnattributed: throw", async () => {
    const { agentcost, byTenant } = await setup()
    const inner = new MockLanguageModelV4({
      provider: "openai.chat",
      modelId: "gpt-5.1",
      doGenerate: generated(
        openAiChat("chatcmpl-orphan", { prompt_tokens: 800, completion_tokens: 0 }),
        [textPart("")],
      ),
    })
    const recording = agentcostMiddleware(agentcost)
    await generateText({
      model: wrapLanguageModel({ model: inner, middleware: recording }),
      prompt: "?",
    })
    expect(recording.stats.unattributed).toBe(1)
    // 800 × 1.25 per 1M
    expect(await byTenant()).toEqual({ unattributed: "0.001" })

    const strict = wrapLanguageModel({
      model: inner,
      middleware: agentcostMiddleware(agentcost, { onUnattributed: "throw" }),
    })
    await expect(
      generateText({ model: strict, prompt: "?", maxRetries: 0 }),
    ).rejects.toBeInstanceOf(UnattributedCall)
    // Refused before the provider was called: nothing to pay for.
    expect(inner.doGenerateCalls).toHaveLength(1)
    await expect(
      generateText({
        model: strict,
        prompt: "?",
        maxRetries: 0,
        providerOptions: { agentcost: { tenantId: 42 } },
      }),
    ).rejects.toBeInstanceOf(InvalidAttribution)
    await agentcost.close()
  })

  it("reports a call it cannot book to onError instead of failing it", async () => {
    const { agentcost } = await setup()
    const errors: Array<unknown> = []
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openai.chat",
        modelId: "gpt-5.1",
        doGenerate: generated(
          openAiChat("chatcmpl-bad", {
            prompt_tokens: 10,
            completion_tokens: 1,
            prompt_tokens_details: { cached_tokens: 50 },
          }),
          [textPart("fine")],
        ),
      }),
      middleware: agentcostMiddleware(agentcost, { onError: (error) => errors.push(error) }),
    })
    const result = await agentcost.run({ tenantId: "acme" }, () =>
      generateText({ model, prompt: "x" }),
    )
    expect(result.text).toBe("fine")
    expect(errors.map((e) => (e as Error).message)).toEqual([
      "openai response: usage.inputTokens.cacheRead: 50 exceeds the 10 tokens left of usage.inputTokens.total, which includes it",
    ])
    await agentcost.close()
  })

  it("attributes 100 concurrent runs of 10 tenants without crossing them", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const tenants = Array.from({ length: 10 }, (_, k) => `tenant-${k}`)
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    let served = 0
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        provider: "openai.chat",
        modelId: "gpt-5.1",
        doGenerate: async (options) => {
          // The tenant is in the prompt, so a call booked to another tenant shows in its total.
          const k = Number(/tenant-(\d)/.exec(JSON.stringify(options.prompt))![1])
          const step = stepOf(options)
          await sleep(Math.floor(Math.random() * 5))
          const id = `chatcmpl-${++served}`
          return step === 0
            ? generated(openAiChat(id, { prompt_tokens: 1000 * (k + 1), completion_tokens: 100 }), [
                toolCallPart(`c${served}`, "weather", { city: `city-${k}` }),
              ])
            : generated(
                openAiChat(id, { prompt_tokens: 1000 * (k + 1) + 200, completion_tokens: 50 }),
                [textPart("done")],
              )
        },
      }),
      middleware: agentcostMiddleware(agentcost),
    })

    await Promise.all(
      tenants.flatMap((tenant) =>
        Array.from({ length: 10 }, () =>
          agentcost.run({ tenantId: tenant }, () =>
            generateText({
              model,
              prompt: `Weather for ${tenant}`,
              tools: { weather },
              stopWhen: stepCountIs(3),
            }),
          ),
        ),
      ),
    )

    const booked = await signals()
    expect(booked).toHaveLength(200)
    for (const signal of booked) {
      const k = Number(signal.tenant_id!.slice("tenant-".length))
      expect([1000 * (k + 1), 1000 * (k + 1) + 200]).toContain(signal.usage.input_tokens)
    }
    // Per run of tenant k: input 1000(k+1) + 1000(k+1) + 200 at $1.25, output 100 + 50 at $10 per 1M;
    // ten runs. tenant-0: (2200 × 1.25 + 150 × 10) × 10 = (2750 + 1500) × 10 per 1M → 0.0425;
    // tenant-9: (20200 × 1.25 + 1500) × 10 = (25250 + 1500) × 10 per 1M → 0.2675.
    const expected = Object.fromEntries(
      tenants.map((tenant, k) => [
        tenant,
        Money.format(
          Money.decimal(2000 * (k + 1) + 200)
            .times("1.25")
            .plus(1500)
            .times(10)
            .div(1_000_000),
        ),
      ]),
    )
    expect(expected["tenant-0"]).toBe("0.0425")
    expect(expected["tenant-9"]).toBe("0.2675")
    expect(await byTenant()).toEqual(expected)
    await agentcost.close()
  })
})
