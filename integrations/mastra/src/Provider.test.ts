import { describe, expect, it } from "vitest"
import * as Provider from "./Provider.ts"

const resolve = (mastra: string, ids = Provider.DEFAULT_PROVIDER_IDS) =>
  Provider.resolve(ids, mastra)

describe("Provider.resolve", () => {
  it("maps AI SDK provider strings to adapter ids and endpoints", () => {
    expect(resolve("openai.chat")).toEqual({ provider: "openai", endpoint: "chat.completions" })
    expect(resolve("openai.responses")).toEqual({ provider: "openai", endpoint: "responses" })
    expect(resolve("anthropic.messages")).toEqual({ provider: "anthropic", endpoint: "messages" })
    expect(resolve("google.generative-ai")).toEqual({
      provider: "google",
      endpoint: "generateContent",
    })
    expect(resolve("google.vertex.chat")).toEqual({
      provider: "google",
      endpoint: "generateContent",
    })
    expect(resolve("openrouter")).toEqual({ provider: "openrouter", endpoint: "chat.completions" })
  })

  it("prices Claude on Vertex AI as Anthropic, not as Google", () => {
    // @ai-sdk/google-vertex 5 (`createVertexAnthropic`): "googleVertex.anthropic.messages";
    // releases before it: "vertex.anthropic.messages".
    expect(resolve("googleVertex.anthropic.messages")).toEqual({
      provider: "anthropic",
      endpoint: "messages",
    })
    expect(resolve("vertex.anthropic.messages")).toEqual({
      provider: "anthropic",
      endpoint: "messages",
    })
  })

  it("maps the bare names of Mastra's model router", () => {
    expect(resolve("anthropic")).toEqual({ provider: "anthropic", endpoint: null })
  })

  it("keeps an unknown package's own name, so no other provider's prices apply", () => {
    expect(resolve("mistral.chat")).toEqual({ provider: "mistral", endpoint: null })
  })

  it("lets a configured name win, whole string first", () => {
    const ids = { ...Provider.DEFAULT_PROVIDER_IDS, "azure.chat": "openai", azure: "azure" }
    expect(resolve("azure.chat", ids)).toEqual({ provider: "openai", endpoint: null })
    expect(resolve("azure.responses", ids)).toEqual({ provider: "azure", endpoint: null })
  })
})
