import type { LanguageModelV4StreamPart } from "@ai-sdk/provider"
import {
  APICallError,
  generateObject,
  generateText,
  Output,
  registerTelemetry,
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
import { UnattributedCall } from "./Attribution.ts"
import { agentcostMiddleware } from "./Middleware.ts"
import { agentcostTelemetry } from "./Telemetry.ts"

describe("agentcostTelemetry", () => {
  it("books each model call of a tool loop from onLanguageModelCallEnd, one operation per step", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const telemetry = agentcostTelemetry(agentcost)

    const result = await agentcost.run({ tenantId: "acme" }, () =>
      generateText({
        model: toolLoopModel(),
        prompt: "Weather in Berlin and Paris?",
        tools: { weather },
        stopWhen: stepCountIs(5),
        telemetry: { integrations: [telemetry] },
      }),
    )

    expect(result.steps).toHaveLength(3)
    const booked = await signals()
    expect(booked.map((s) => [s.signal_id, s.base_cost, s.attempt])).toEqual([
      // Same arithmetic as the middleware test: 0.00175, 0.000775, 0.0014.
      ["openai:chatcmpl-s1", "0.00175", 1],
      ["openai:chatcmpl-s2", "0.000775", 1],
      ["openai:chatcmpl-s3", "0.0014", 1],
    ])
    const callId = booked[0]!.operation_id!.split(":")[0]
    expect(booked.map((s) => s.operation_id)).toEqual([`${callId}:0`, `${callId}:1`, `${callId}:2`])
    expect(await byTenant()).toEqual({ acme: "0.003925" })
    await agentcost.close()
  })

  it("books a stream consumed after the envelope's run resolved", async () => {
    const { agentcost, byTenant } = await setup()
    const reply = gemini(
      "resp-stream-1",
      { promptTokenCount: 4000, candidatesTokenCount: 500, thoughtsTokenCount: 500 },
      ["agentcost pricing"],
    )
    const model = new MockLanguageModelV4({
      provider: "google.generative-ai",
      modelId: "gemini-2.5-flash",
      doStream: async () => streamed(streamParts(reply, "Grounded answer.")),
    })

    const stream = await agentcost.run({ tenantId: "acme" }, async () => ({
      result: streamText({
        model,
        prompt: "Search and answer",
        telemetry: { integrations: [agentcostTelemetry(agentcost)] },
      }),
    }))
    expect(await stream.result.text).toBe("Grounded answer.")

    // 4000 × 0.3 + 500 × 2.5 + 500 × 2.5 per 1M = 0.0037; + one search at 0.035
    expect(await byTenant()).toEqual({ acme: "0.0387" })
    await agentcost.close()
  })

  it("books structured output: Output.object through the model-call hooks, generateObject through the object-step hooks", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const telemetry = { integrations: [agentcostTelemetry(agentcost)] }
    const schema = z.object({ city: z.string(), celsius: z.number() })
    const responses = new MockLanguageModelV4({
      provider: "openai.responses",
      modelId: "gpt-5.1",
      doGenerate: generated(
        openAiResponses("resp_obj1", { input_tokens: 500, output_tokens: 80 }),
        [textPart('{"city":"Berlin","celsius":21}')],
      ),
    })
    const router = new MockLanguageModelV4({
      provider: "openrouter.chat",
      modelId: "anthropic/claude-sonnet-4.5",
      doGenerate: generated(
        openRouter("gen-obj2", { prompt_tokens: 700, completion_tokens: 60, cost: 0.00321 }),
        [textPart('{"city":"Paris","celsius":19}')],
      ),
    })

    await agentcost.run({ tenantId: "globex" }, async () => {
      await generateText({
        model: responses,
        prompt: "Berlin?",
        output: Output.object({ schema }),
        telemetry,
      })
      await generateObject({ model: router, prompt: "Paris?", schema, telemetry })
    })

    expect((await signals()).map((s) => [s.signal_id, s.cost_source, s.base_cost])).toEqual([
      ["openai:resp_obj1", "local", "0.001425"],
      ["openrouter:gen-obj2", "provider", "0.00321"],
    ])
    // 0.001425 + 0.00321
    expect(await byTenant()).toEqual({ globex: "0.004635" })
    await agentcost.close()
  })

  it("numbers the SDK's retries (maxRetries) as attempts of the step's operation", async () => {
    const { agentcost, byTenant, signals } = await setup()
    let calls = 0
    const model = new MockLanguageModelV4({
      provider: "openai.chat",
      modelId: "gpt-5.1",
      doGenerate: async () => {
        if (++calls <= 2)
          throw new APICallError({
            message: "Overloaded",
            url: "https://api.example.test/v1",
            requestBodyValues: {},
            statusCode: 529,
            responseHeaders: { "retry-after-ms": "1" },
            isRetryable: true,
          })
        return generated(
          openAiChat("chatcmpl-retry", { prompt_tokens: 100, completion_tokens: 10 }),
          [textPart("ok")],
        )
      },
    })

    await agentcost.run({ tenantId: "acme" }, () =>
      generateText({
        model,
        prompt: "hi",
        maxRetries: 2,
        telemetry: { integrations: [agentcostTelemetry(agentcost)] },
      }),
    )

    const [signal] = await signals()
    expect([signal!.signal_id, signal!.attempt, signal!.operation_id?.endsWith(":0")]).toEqual([
      "openai:chatcmpl-retry",
      3,
      true,
    ])
    // 100 × 1.25 + 10 × 10 per 1M
    expect(await byTenant()).toEqual({ acme: "0.000225" })
    await agentcost.close()
  })

  it("books a stream that errored after the provider billed it as a failed attempt", async () => {
    const { agentcost, signals } = await setup()
    const failed = openAiResponses("resp_failed", { input_tokens: 300, output_tokens: 12 })
    const parts: Array<LanguageModelV4StreamPart> = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", ...failed.response },
      { type: "error", error: { type: "response.failed", message: "server_error" } },
      {
        type: "finish",
        finishReason: { unified: "error", raw: "error" },
        usage: failed.usage,
        providerMetadata: failed.providerMetadata,
      },
    ]
    const model = new MockLanguageModelV4({
      provider: "openai.responses",
      modelId: "gpt-5.1",
      doStream: async () => ({ stream: simulateReadableStream({ chunks: parts }) }),
    })

    await agentcost.run({ tenantId: "acme" }, async () => {
      const result = streamText({
        model,
        prompt: "Explain",
        onError: () => undefined,
        telemetry: { integrations: [agentcostTelemetry(agentcost)] },
      })
      await result.consumeStream()
    })

    expect((await signals()).map((s) => [s.signal_id, s.attempt_outcome, s.base_cost])).toEqual([
      // 300 × 1.25 + 12 × 10 per 1M
      ["openai:resp_failed", "failed", "0.000495"],
    ])
    await agentcost.close()
  })

  it("opens one envelope per ToolLoopAgent generation for the tenant in providerOptions, and finalizes it at the end", async () => {
    const { agentcost, byTenant, signals, envelopes } = await setup()
    const model = new MockLanguageModelV4({
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
    })
    const agent = new ToolLoopAgent({
      model,
      tools: { weather },
      stopWhen: stepCountIs(5),
      providerOptions: { agentcost: { tenantId: "initech", workflowType: "research" } },
      telemetry: { integrations: [agentcostTelemetry(agentcost)] },
    })

    await agent.generate({ prompt: "Weather in Oslo?" })
    // The envelope is finalized with the next flush.
    await agentcost.flush()

    const [envelope] = envelopes()
    expect(envelopes()).toHaveLength(1)
    expect([envelope!.tenant_id, envelope!.workflow_type, envelope!.status]).toEqual([
      "initech",
      "research",
      "succeeded",
    ])
    expect((await signals()).map((s) => [s.envelope_id, s.base_cost])).toEqual([
      // 20 × 3 + 2000 × 6 + 80 × 15 per 1M
      [envelope!.envelope_id, "0.01326"],
      // 30 × 3 + 2000 × 0.3 + 120 × 15 per 1M + one search at 0.01
      [envelope!.envelope_id, "0.01249"],
    ])
    expect(await byTenant()).toEqual({ initech: "0.02575" })
    await agentcost.close()
  })

  it("with the middleware as well, books each call once: the two observers' signal ids collapse", async () => {
    const { agentcost, byTenant, signals } = await setup()
    const model = wrapLanguageModel({
      model: toolLoopModel(),
      middleware: agentcostMiddleware(agentcost),
    })

    await agentcost.run({ tenantId: "acme" }, () =>
      generateText({
        model,
        prompt: "Weather in Berlin and Paris?",
        tools: { weather },
        stopWhen: stepCountIs(5),
        telemetry: { integrations: [agentcostTelemetry(agentcost)] },
      }),
    )

    expect((await signals()).map((s) => s.signal_id)).toEqual([
      "openai:chatcmpl-s1",
      "openai:chatcmpl-s2",
      "openai:chatcmpl-s3",
    ])
    expect(await byTenant()).toEqual({ acme: "0.003925" })
    await agentcost.close()
  })

  it("works registered globally, and refuses an unattributed generation with onUnattributed: throw", async () => {
    const { agentcost, byTenant } = await setup()
    registerTelemetry(agentcostTelemetry(agentcost, { onUnattributed: "throw" }))
    try {
      const model = new MockLanguageModelV4({
        provider: "openai.chat",
        modelId: "gpt-5.1",
        doGenerate: generated(
          openAiChat("chatcmpl-g", { prompt_tokens: 400, completion_tokens: 20 }),
          [textPart("done")],
        ),
      })
      await agentcost.run({ tenantId: "acme" }, () => generateText({ model, prompt: "x" }))
      await expect(generateText({ model, prompt: "x", maxRetries: 0 })).rejects.toBeInstanceOf(
        UnattributedCall,
      )
      expect(model.doGenerateCalls).toHaveLength(1)
      // 400 × 1.25 + 20 × 10 per 1M
      expect(await byTenant()).toEqual({ acme: "0.0007" })
    } finally {
      globalThis.AI_SDK_TELEMETRY_INTEGRATIONS = undefined
    }
    await agentcost.close()
  })
})
