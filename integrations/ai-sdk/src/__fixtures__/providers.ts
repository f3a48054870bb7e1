/**
 * What the real provider packages hand the AI SDK for one model call: the v4
 * usage their converters compute from the provider's raw usage (kept in
 * `usage.raw`), their `providerMetadata`, and the response id and model. The
 * converters are transcribed from the packages' sources, so the tests pin the
 * shapes those packages produce:
 *
 * - `@ai-sdk/openai` 4.0.118: `convert-openai-chat-usage.ts`, `convert-openai-responses-usage.ts`
 * - `@ai-sdk/anthropic` 4.0.105: `convert-anthropic-usage.ts` (no compaction iterations)
 * - `@ai-sdk/google` 4.0.121: `convert-google-usage.ts`
 * - `@openrouter/ai-sdk-provider` 3.1.0: `computeTokenUsage` (which leaves cache writes inside `noCache`)
 */
import type {
  JSONObject,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
} from "@ai-sdk/provider"
import { convertArrayToReadableStream } from "ai/test"

type Raw = { readonly [key: string]: number | boolean | string | Raw | ReadonlyArray<Raw> | null }

const n = (value: unknown): number => (typeof value === "number" ? value : 0)
const at = (raw: Raw, key: string): Raw => (raw[key] ?? {}) as Raw

/** One call as a provider package reports it. */
export interface Reply {
  readonly usage: LanguageModelV4Usage
  readonly providerMetadata: SharedV4ProviderMetadata
  readonly response: { readonly id?: string; readonly modelId?: string }
}

/** OpenAI Chat Completions: `prompt_tokens` includes cached and audio tokens, `completion_tokens` reasoning. */
export const openAiChat = (id: string, usage: Raw, modelId = "gpt-5.1-2025-11-13"): Reply => {
  const prompt = n(usage.prompt_tokens)
  const completion = n(usage.completion_tokens)
  const cached = n(at(usage, "prompt_tokens_details").cached_tokens)
  const cacheWrite = at(usage, "prompt_tokens_details").cache_write_tokens as number | undefined
  const reasoning = n(at(usage, "completion_tokens_details").reasoning_tokens)
  return {
    usage: {
      inputTokens: {
        total: prompt,
        noCache: prompt - cached - (cacheWrite ?? 0),
        cacheRead: cached,
        cacheWrite,
      },
      outputTokens: {
        total: completion,
        text: Math.max(0, completion - reasoning),
        reasoning,
      },
      raw: usage as JSONObject,
    },
    providerMetadata: { openai: {} },
    response: { id, modelId },
  }
}

/** OpenAI Responses: `input_tokens` includes cached tokens; serviceTier in the metadata. */
export const openAiResponses = (
  id: string,
  usage: Raw,
  serviceTier = "default",
  modelId = "gpt-5.1-2025-11-13",
): Reply => {
  const input = n(usage.input_tokens)
  const output = n(usage.output_tokens)
  const cached = n(at(usage, "input_tokens_details").cached_tokens)
  const cacheWrite = at(usage, "input_tokens_details").cache_write_tokens as number | undefined
  const reasoning = n(at(usage, "output_tokens_details").reasoning_tokens)
  return {
    usage: {
      inputTokens: {
        total: input,
        noCache: input - cached - (cacheWrite ?? 0),
        cacheRead: cached,
        cacheWrite,
      },
      outputTokens: { total: output, text: output - reasoning, reasoning },
      raw: usage as JSONObject,
    },
    providerMetadata: { openai: { responseId: id, serviceTier } },
    response: { id, modelId },
  }
}

/** Anthropic Messages: `input_tokens` excludes the cache; `output_tokens` includes thinking. */
export const anthropicMessage = (
  id: string,
  usage: Raw,
  modelId = "claude-sonnet-4-5-20250929",
): Reply => {
  const input = n(usage.input_tokens)
  const output = n(usage.output_tokens)
  const creation = n(usage.cache_creation_input_tokens)
  const read = n(usage.cache_read_input_tokens)
  const thinking = at(usage, "output_tokens_details").thinking_tokens as number | undefined
  return {
    usage: {
      inputTokens: {
        total: input + creation + read,
        noCache: input,
        cacheRead: read,
        cacheWrite: creation,
      },
      outputTokens: {
        total: output,
        text: thinking == null ? undefined : output - thinking,
        reasoning: thinking,
      },
      raw: usage as JSONObject,
    },
    providerMetadata: {
      anthropic: {
        usage: usage as JSONObject,
        stopSequence: null,
        iterations: null,
        container: null,
        contextManagement: null,
      },
    },
    response: { id, modelId },
  }
}

/** Gemini: the cache is inside `promptTokenCount`, thoughts are separate from the candidates. */
export const gemini = (
  id: string,
  usageMetadata: Raw,
  webSearchQueries: ReadonlyArray<string> = [],
): Reply => {
  const prompt = n(usageMetadata.promptTokenCount)
  const toolUse = n(usageMetadata.toolUsePromptTokenCount)
  const cached = n(usageMetadata.cachedContentTokenCount)
  const candidates = n(usageMetadata.candidatesTokenCount)
  const thoughts = n(usageMetadata.thoughtsTokenCount)
  return {
    usage: {
      inputTokens: {
        total: prompt + toolUse,
        noCache: prompt + toolUse - cached,
        cacheRead: cached,
        cacheWrite: undefined,
      },
      outputTokens: { total: candidates + thoughts, text: candidates, reasoning: thoughts },
      raw: usageMetadata as JSONObject,
    },
    providerMetadata: {
      google: {
        promptFeedback: null,
        groundingMetadata:
          webSearchQueries.length > 0 ? { webSearchQueries: [...webSearchQueries] } : null,
        urlContextMetadata: null,
        safetyRatings: null,
        usageMetadata: usageMetadata as JSONObject,
        finishMessage: null,
        serviceTier: null,
      },
    },
    // @ai-sdk/google sets no response model id.
    response: { id },
  }
}

/** OpenRouter: OpenAI's convention, and what it charged in `usage.cost`. */
export const openRouter = (
  id: string,
  usage: Raw,
  modelId = "anthropic/claude-sonnet-4.5",
  upstream = "Anthropic",
): Reply => {
  const prompt = n(usage.prompt_tokens)
  const completion = n(usage.completion_tokens)
  const cacheRead = n(at(usage, "prompt_tokens_details").cached_tokens)
  const cacheWrite = at(usage, "prompt_tokens_details").cache_write_tokens as number | undefined
  const reasoning = n(at(usage, "completion_tokens_details").reasoning_tokens)
  const costDetails = at(usage, "cost_details")
  return {
    usage: {
      inputTokens: { total: prompt, noCache: prompt - cacheRead, cacheRead, cacheWrite },
      outputTokens: { total: completion, text: completion - reasoning, reasoning },
      raw: usage as JSONObject,
    },
    providerMetadata: {
      openrouter: {
        provider: upstream,
        reasoning_details: [],
        usage: {
          promptTokens: prompt,
          completionTokens: completion,
          totalTokens: prompt + completion,
          ...(usage.cost == null ? {} : { cost: usage.cost as number }),
          ...(cacheRead ? { promptTokensDetails: { cachedTokens: cacheRead } } : {}),
          ...(reasoning ? { completionTokensDetails: { reasoningTokens: reasoning } } : {}),
          ...(costDetails.upstream_inference_cost == null
            ? {}
            : {
                costDetails: {
                  upstreamInferenceCost: costDetails.upstream_inference_cost as number,
                },
              }),
        },
      },
    },
    response: { id, modelId },
  }
}

const finish = (content: ReadonlyArray<LanguageModelV4Content>) =>
  content.some((part) => part.type === "tool-call")
    ? ({ unified: "tool-calls", raw: "tool_calls" } as const)
    : ({ unified: "stop", raw: "stop" } as const)

/** A `doGenerate` result carrying `reply`. */
export const generated = (
  reply: Reply,
  content: ReadonlyArray<LanguageModelV4Content>,
): LanguageModelV4GenerateResult => ({
  content: [...content],
  finishReason: finish(content),
  usage: reply.usage,
  providerMetadata: reply.providerMetadata,
  response: reply.response,
  warnings: [],
})

export const textPart = (text: string): LanguageModelV4Content => ({ type: "text", text })

export const toolCallPart = (
  toolCallId: string,
  toolName: string,
  input: unknown,
): LanguageModelV4Content => ({
  type: "tool-call",
  toolCallId,
  toolName,
  input: JSON.stringify(input),
})

/** The parts a provider streams for a text answer, `finish` (with the usage) last. */
export const streamParts = (reply: Reply, text: string): Array<LanguageModelV4StreamPart> => [
  { type: "stream-start", warnings: [] },
  { type: "response-metadata", ...reply.response },
  { type: "text-start", id: "t1" },
  { type: "text-delta", id: "t1", delta: text },
  { type: "text-end", id: "t1" },
  {
    type: "finish",
    finishReason: { unified: "stop", raw: "stop" },
    usage: reply.usage,
    providerMetadata: reply.providerMetadata,
  },
]

export const streamed = (
  parts: ReadonlyArray<LanguageModelV4StreamPart>,
): LanguageModelV4StreamResult => ({
  stream: convertArrayToReadableStream([...parts]),
})
