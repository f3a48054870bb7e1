import { AIMessage, type StandardMessageStructure } from "@langchain/core/messages"
import { concat } from "@langchain/core/utils/stream"
import { describe, expect, it } from "vitest"
import * as Messages from "./__fixtures__/Messages.ts"
import * as Call from "./Call.ts"
import * as Provider from "./Provider.ts"

const ids = Provider.DEFAULT_PROVIDER_IDS
const none = { tool_calls: 0, rag_queries: 0 }
const start = (metadata: Record<string, unknown>, invocationParams: Record<string, unknown> = {}) =>
  Call.startFacts(metadata, { invocation_params: invocationParams })

describe("Call.fromChatMessage", () => {
  it("ChatOpenAI (Chat Completions): served model, chatcmpl id, endpoint, requested service tier", () => {
    const message = Messages.openai({
      id: "chatcmpl-B9x2",
      model: "gpt-5.4-2026-03-05",
      prompt: 100,
      completion: 20,
      tools: [{ name: "weather", args: { city: "Paris" }, id: "call_1" }],
    })
    const reading = Call.fromChatMessage(
      ids,
      start({ ls_provider: "openai", ls_model_name: "gpt-5.4" }, { service_tier: "flex" }),
      message,
      none,
    )
    expect(reading).toEqual({
      provider: "openai",
      unreported: false,
      call: {
        model: "gpt-5.4-2026-03-05",
        endpoint: "chat.completions",
        usage: { input_tokens: 100, output_tokens: 20 },
        serviceTier: "flex",
        region: null,
        attributes: {},
        capabilities: ["tool_use"],
        providerRequestId: "chatcmpl-B9x2",
        providerAccount: null,
        providerReportedCost: null,
        observedAt: null,
      },
    })
  })

  it("ChatOpenAI (Responses API): resp_ id and service tier from response_metadata", () => {
    const message = Messages.openaiResponses({
      id: "resp_67ccd2",
      model: "gpt-5.4-2026-03-05",
      input: 10,
      cached: 0,
      output: 5,
      reasoning: 0,
      serviceTier: "default",
    })
    const { call } = Call.fromChatMessage(ids, start({ ls_provider: "openai" }), message, none)
    expect(call.endpoint).toBe("responses")
    expect(call.providerRequestId).toBe("resp_67ccd2")
    expect(call.serviceTier).toBe("default")
    expect(call.model).toBe("gpt-5.4-2026-03-05")
  })

  it("ChatAnthropic: model, msg_ id and service tier from the body; streaming keeps the model in additional_kwargs", () => {
    const message = Messages.anthropic({
      id: "msg_01STx",
      model: "claude-sonnet-4-5-20250929",
      input: 10,
      output: 3,
    })
    const { call } = Call.fromChatMessage(ids, start({ ls_provider: "anthropic" }), message, none)
    expect([call.model, call.providerRequestId, call.endpoint, call.serviceTier]).toEqual([
      "claude-sonnet-4-5-20250929",
      "msg_01STx",
      "messages",
      "standard",
    ])

    const [first, ...rest] = Messages.anthropicStreamChunks({
      id: "msg_stream",
      model: "claude-sonnet-4-5-20250929",
      input: 10,
      output: 3,
    })
    const streamed = rest.reduce((acc, chunk) => concat(acc, chunk), first!)
    const fromStream = Call.fromChatMessage(
      ids,
      start({ ls_provider: "anthropic" }),
      streamed,
      none,
    )
    expect([fromStream.call.model, fromStream.call.providerRequestId]).toEqual([
      "claude-sonnet-4-5-20250929",
      "msg_stream",
    ])
  })

  it("ChatGoogleGenerativeAI: no served model or id in the message, so the requested model and none", () => {
    const message = Messages.gemini({ prompt: 100, candidates: 10, thoughts: 5 })
    message.id = "run-019a7c1e-5c2b-7d41-9f0e-3c2a1b0d9e8f" // what BaseChatModel fills in
    const { provider, call } = Call.fromChatMessage(
      ids,
      start({ ls_provider: "google_genai", ls_model_name: "gemini-2.5-flash" }),
      message,
      none,
    )
    expect(provider).toBe("google")
    expect(call.model).toBe("gemini-2.5-flash")
    expect(call.providerRequestId).toBeNull()
    expect(call.endpoint).toBe("generateContent")
    expect(call.usage).toEqual({ input_tokens: 100, output_tokens: 10, reasoning_tokens: 5 })
  })

  it("ChatVertexAI: provider google from ls_provider google_vertexai", () => {
    const { provider } = Call.fromChatMessage(
      ids,
      start({ ls_provider: "google_vertexai", ls_model_name: "gemini-2.5-pro" }),
      Messages.vertex({ prompt: 10, cached: 0, candidates: 1, thoughts: 1 }),
      none,
    )
    expect(provider).toBe("google")
  })

  it("ChatOpenRouter: gen- id and OpenRouter's reported cost (not on BYOK calls)", () => {
    const message = Messages.openrouter({
      id: "gen-1762-abc",
      model: "anthropic/claude-sonnet-4.5",
      prompt: 1000,
      completion: 100,
      cost: 0.0000045,
    })
    const { provider, call } = Call.fromChatMessage(
      ids,
      start({ ls_provider: "openrouter" }),
      message,
      none,
    )
    expect(provider).toBe("openrouter")
    expect(call.providerRequestId).toBe("gen-1762-abc")
    expect(call.model).toBe("anthropic/claude-sonnet-4.5")
    expect(call.providerReportedCost).toEqual({ amount: "0.0000045", currency: "USD" })

    const byok = Messages.openrouter({
      id: "gen-2",
      model: "openai/gpt-5",
      prompt: 1,
      completion: 1,
      cost: 0.001,
      byok: true,
    })
    expect(
      Call.fromChatMessage(ids, start({ ls_provider: "openrouter" }), byok, none).call
        .providerReportedCost,
    ).toBeNull()
  })

  it("provider: metadata override, then ls_provider, then response_metadata.model_provider", () => {
    const message = Messages.openai({ id: "chatcmpl-9", prompt: 1, completion: 1 })
    const provider = (metadata: Record<string, unknown>, map = ids) =>
      Call.fromChatMessage(map, start(metadata), message, none).provider
    // Test models report their class name as ls_provider: the message says openai.
    expect(provider({ ls_provider: "FakeBuiltModel" })).toBe("openai")
    expect(provider({ ls_provider: "anthropic" })).toBe("anthropic")
    expect(provider({ ls_provider: "openai", agentcost_provider: "openrouter" })).toBe("openrouter")
    expect(provider({ ls_provider: "azure" }, { ...ids, azure: "azure-openai" })).toBe(
      "azure-openai",
    )
  })

  it("message ids count as request ids only in the provider's own format", () => {
    const fake = new AIMessage<StandardMessageStructure>({
      content: "x",
      id: "0",
      usage_metadata: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
      response_metadata: { model_provider: "openai", model_name: "gpt-5.4" },
    })
    expect(Call.fromChatMessage(ids, start({}), fake, none).call.providerRequestId).toBeNull()
  })

  it("no usage_metadata: booked with the unreported unit, never as zero tokens", () => {
    const reading = Call.fromChatMessage(
      ids,
      start({ ls_provider: "openai", ls_model_name: "gpt-5.4" }),
      new AIMessage("hi"),
      { tool_calls: 2, rag_queries: 1 },
    )
    expect(reading.unreported).toBe(true)
    expect(reading.call.usage).toEqual({
      [Call.UNREPORTED_USAGE_UNIT]: 1,
      tool_calls: 2,
      rag_queries: 1,
    })
  })
})

describe("Call.fromLLMOutput", () => {
  it("reads tokenUsage; the `{}` LangChain gives a batch's later prompts means booked elsewhere", () => {
    const facts = start({ ls_provider: "openai", ls_model_name: "gpt-3.5-turbo-instruct" })
    expect(
      Call.fromLLMOutput(ids, facts, { tokenUsage: { promptTokens: 5, completionTokens: 7 } }, none)
        ?.call.usage,
    ).toEqual({ input_tokens: 5, output_tokens: 7 })
    expect(Call.fromLLMOutput(ids, facts, { tokenUsage: {} }, none)).toBeUndefined()
    expect(Call.fromLLMOutput(ids, facts, undefined, none)?.unreported).toBe(true)
  })
})
