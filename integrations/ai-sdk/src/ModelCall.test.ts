import { describe, expect, it } from "vitest"
import {
  gemini,
  openAiChat,
  openAiResponses,
  openRouter,
  type Reply,
} from "./__fixtures__/providers.ts"
import { normalize, toolCalls } from "./ModelCall.ts"
import { route } from "./Provider.ts"

const observe = (reply: Reply, extra: { toolCalls?: number; toolsOffered?: boolean } = {}) => ({
  modelId: "requested-model",
  responseId: reply.response.id,
  responseModelId: reply.response.modelId,
  timestamp: undefined,
  usage: reply.usage,
  providerMetadata: reply.providerMetadata,
  toolCalls: extra.toolCalls ?? 0,
  webSearchCalls: 0,
  toolsOffered: extra.toolsOffered ?? false,
})

describe("provider routes", () => {
  it("maps the provider packages' model strings to agentcost providers and endpoints", () => {
    expect(route("openai.chat")).toEqual({ provider: "openai", endpoint: "chat.completions" })
    expect(route("openai.responses")).toEqual({ provider: "openai", endpoint: "responses" })
    expect(route("openai.completion")).toEqual({ provider: "openai", endpoint: "completions" })
    expect(route("anthropic.messages")).toEqual({ provider: "anthropic", endpoint: "messages" })
    expect(route("google.generative-ai")).toEqual({
      provider: "google",
      endpoint: "generateContent",
    })
    expect(route("google.vertex.chat")).toEqual({ provider: "google", endpoint: "generateContent" })
    expect(route("openrouter.chat")).toEqual({
      provider: "openrouter",
      endpoint: "chat.completions",
    })
    expect(route("openrouter")).toEqual({ provider: "openrouter", endpoint: "chat.completions" })
    expect(route("mistral.chat")).toEqual({ provider: "mistral", endpoint: "chat.completions" })
  })

  it("prices Claude on Vertex AI as Anthropic, under the name @ai-sdk/google-vertex 5 gives it and the older one", () => {
    // @ai-sdk/google-vertex 5 (`createVertexAnthropic`): provider "googleVertex.anthropic.messages";
    // releases before it: "vertex.anthropic.messages".
    expect(route("googleVertex.anthropic.messages")).toEqual({
      provider: "anthropic",
      endpoint: "messages",
    })
    expect(route("vertex.anthropic.messages")).toEqual({
      provider: "anthropic",
      endpoint: "messages",
    })
  })

  it("lets the application map a provider (a whole string or its first segment)", () => {
    expect(route("azure.chat", { azure: "openai" })).toEqual({
      provider: "openai",
      endpoint: "chat.completions",
    })
    expect(route("my-proxy", { "my-proxy": "anthropic" })).toEqual({
      provider: "anthropic",
      endpoint: null,
    })
  })
})

describe("normalize", () => {
  it("takes the served model and the provider's request id from the response", () => {
    const reply = openAiChat("chatcmpl-9", { prompt_tokens: 10, completion_tokens: 2 })
    const call = normalize(route("openai.chat"), observe(reply), { providerAccount: "proj_1" })
    expect(call).toEqual({
      model: "gpt-5.1-2025-11-13",
      endpoint: "chat.completions",
      usage: { input_tokens: 10, output_tokens: 2 },
      serviceTier: null,
      region: null,
      attributes: {},
      capabilities: [],
      providerRequestId: "chatcmpl-9",
      providerAccount: "proj_1",
      providerReportedCost: null,
      observedAt: null,
    })
  })

  it("falls back to the requested model when the provider names none (Gemini)", () => {
    const reply = gemini("resp-1", {
      promptTokenCount: 10,
      candidatesTokenCount: 2,
      trafficType: "ON_DEMAND",
    })
    const call = normalize(route("google.generative-ai"), observe(reply), { providerAccount: null })
    expect(call.model).toBe("requested-model")
    expect(call.attributes).toEqual({ traffic_type: "ON_DEMAND" })
    expect(call.serviceTier).toBeNull()
  })

  it("reads the service tier the provider reports (OpenAI Responses)", () => {
    const reply = openAiResponses("resp_2", { input_tokens: 10, output_tokens: 1 }, "flex")
    expect(
      normalize(route("openai.responses"), observe(reply), { providerAccount: null }).serviceTier,
    ).toBe("flex")
  })

  it("books OpenRouter's reported cost, with the upstream provider", () => {
    const reply = openRouter("gen-1", {
      prompt_tokens: 1000,
      completion_tokens: 100,
      cost: 0.00456,
    })
    const call = normalize(route("openrouter.chat"), observe(reply), { providerAccount: null })
    expect(call.providerReportedCost).toEqual({ amount: "0.00456", currency: "USD" })
    expect(call.attributes).toEqual({ upstream_provider: "Anthropic" })
    expect(call.model).toBe("anthropic/claude-sonnet-4.5")
  })

  it("OpenRouter BYOK: the cost is OpenRouter's fee plus the upstream inference", () => {
    const reply = openRouter("gen-2", {
      prompt_tokens: 1000,
      completion_tokens: 100,
      cost: 0.0002,
      is_byok: true,
      cost_details: { upstream_inference_cost: 0.0045 },
    })
    const call = normalize(route("openrouter.chat"), observe(reply), { providerAccount: null })
    // 0.0045 + 0.0002
    expect(call.providerReportedCost).toEqual({ amount: "0.0047", currency: "USD" })
    expect(call.attributes).toEqual({ upstream_provider: "Anthropic", byok: "true" })
  })

  it("tools offered or called make the call a tool_use call; reasoning tokens a reasoning call", () => {
    const reply = openAiChat("chatcmpl-10", {
      prompt_tokens: 10,
      completion_tokens: 5,
      completion_tokens_details: { reasoning_tokens: 3 },
    })
    const offered = normalize(route("openai.chat"), observe(reply, { toolsOffered: true }), {
      providerAccount: null,
    })
    expect(offered.capabilities).toEqual(["reasoning", "tool_use"])
    const called = normalize(route("openai.chat"), observe(reply, { toolCalls: 2 }), {
      providerAccount: null,
    })
    expect(called.usage).toEqual({
      input_tokens: 10,
      output_tokens: 2,
      reasoning_tokens: 3,
      tool_calls: 2,
    })
  })

  it("a call with no usage is one flagged request, never a silent zero-token call", () => {
    const call = normalize(
      route("openai.chat"),
      {
        ...observe(openAiChat("chatcmpl-11", {})),
        usage: {
          inputTokens: {
            total: undefined,
            noCache: undefined,
            cacheRead: undefined,
            cacheWrite: undefined,
          },
          outputTokens: { total: undefined, text: undefined, reasoning: undefined },
        },
      },
      { providerAccount: null },
    )
    expect(call.usage).toEqual({ requests: 1 })
    expect(call.attributes).toEqual({ usage: "missing" })
  })

  it("counts the application's tool calls and the provider's own web searches apart", () => {
    expect(
      toolCalls([
        { type: "text" },
        { type: "tool-call", toolName: "weather" },
        { type: "tool-call", toolName: "weather" },
        { type: "tool-call", toolName: "web_search_preview", providerExecuted: true },
        { type: "tool-call", toolName: "code_interpreter", providerExecuted: true },
      ]),
    ).toEqual({ toolCalls: 2, webSearchCalls: 1 })
  })
})
