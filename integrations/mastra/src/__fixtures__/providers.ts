/**
 * What the provider packages hand the AI SDK (and so Mastra) for one model
 * call: the v4 usage their converters compute from the provider's raw usage,
 * and their provider metadata. Transcribed from the packages' converters, so
 * the tests pin the shapes real providers produce:
 *
 * - `@ai-sdk/openai` 4.0.118 `convertOpenAIChatUsage`
 * - `@ai-sdk/anthropic` 4.0.105 `convertAnthropicUsage` (raw usage in `providerMetadata.anthropic.usage`)
 * - `@ai-sdk/google` 4.0.121 `convertGoogleUsage`
 * - `@openrouter/ai-sdk-provider` 3.1.0 `computeTokenUsage`
 */
import type { MockLanguageModelV4 } from "ai/test"

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>
export type ModelUsage = GenerateResult["usage"]
export type ProviderMetadata = NonNullable<GenerateResult["providerMetadata"]>

/** One call's usage as the provider package reports it. */
export interface Reported {
  readonly usage: ModelUsage
  readonly providerMetadata: ProviderMetadata | undefined
}

/** OpenAI Chat Completions: `prompt_tokens` includes the cached tokens, `completion_tokens` the reasoning. */
export const openAiChat = (usage: {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly cached_tokens?: number
  readonly reasoning_tokens?: number
}): Reported => {
  const cached = usage.cached_tokens ?? 0
  const reasoning = usage.reasoning_tokens ?? 0
  return {
    usage: {
      inputTokens: {
        total: usage.prompt_tokens,
        noCache: usage.prompt_tokens - cached,
        cacheRead: cached,
        cacheWrite: undefined,
      },
      outputTokens: {
        total: usage.completion_tokens,
        text: Math.max(0, usage.completion_tokens - reasoning),
        reasoning,
      },
      raw: {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
        prompt_tokens_details: { cached_tokens: cached },
        completion_tokens_details: { reasoning_tokens: reasoning },
      },
    },
    providerMetadata: undefined,
  }
}

/** Anthropic Messages: `input_tokens` excludes the cache; `output_tokens` includes thinking. */
export const anthropicMessage = (usage: {
  readonly input_tokens: number
  readonly output_tokens: number
  readonly cache_read_input_tokens?: number
  readonly cache_creation_input_tokens?: number
  readonly cache_creation?: {
    readonly ephemeral_5m_input_tokens: number
    readonly ephemeral_1h_input_tokens: number
  }
}): Reported => {
  const read = usage.cache_read_input_tokens ?? 0
  const creation = usage.cache_creation_input_tokens ?? 0
  return {
    usage: {
      inputTokens: {
        total: usage.input_tokens + creation + read,
        noCache: usage.input_tokens,
        cacheRead: read,
        cacheWrite: creation,
      },
      outputTokens: { total: usage.output_tokens, text: undefined, reasoning: undefined },
      raw: { ...usage },
    },
    providerMetadata: {
      anthropic: { usage: { ...usage }, stopSequence: null, iterations: null, container: null },
    },
  }
}

/** Gemini: the cache is inside `promptTokenCount`; thoughts are separate from the candidates. */
export const gemini = (usageMetadata: {
  readonly promptTokenCount: number
  readonly candidatesTokenCount: number
  readonly cachedContentTokenCount?: number
  readonly thoughtsTokenCount?: number
  readonly toolUsePromptTokenCount?: number
}): Reported => {
  const prompt = usageMetadata.promptTokenCount + (usageMetadata.toolUsePromptTokenCount ?? 0)
  const cached = usageMetadata.cachedContentTokenCount ?? 0
  const thoughts = usageMetadata.thoughtsTokenCount ?? 0
  return {
    usage: {
      inputTokens: {
        total: prompt,
        noCache: prompt - cached,
        cacheRead: cached,
        cacheWrite: undefined,
      },
      outputTokens: {
        total: usageMetadata.candidatesTokenCount + thoughts,
        text: usageMetadata.candidatesTokenCount,
        reasoning: thoughts,
      },
      raw: { ...usageMetadata },
    },
    providerMetadata: { google: { usageMetadata: { ...usageMetadata } } },
  }
}

/** OpenRouter: OpenAI's convention; cache writes stay inside `noCache`. */
export const openRouter = (usage: {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly cached_tokens?: number
  readonly cache_write_tokens?: number
  readonly reasoning_tokens?: number
}): Reported => {
  const cacheRead = usage.cached_tokens ?? 0
  const reasoning = usage.reasoning_tokens ?? 0
  return {
    usage: {
      inputTokens: {
        total: usage.prompt_tokens,
        noCache: usage.prompt_tokens - cacheRead,
        cacheRead,
        cacheWrite: usage.cache_write_tokens,
      },
      outputTokens: {
        total: usage.completion_tokens,
        text: usage.completion_tokens - reasoning,
        reasoning,
      },
      raw: { ...usage },
    },
    providerMetadata: undefined,
  }
}
