/**
 * LangChain's usage conventions → canonical disjoint buckets (DESIGN.md §3).
 * The only module of this package that knows how LangChain counts tokens.
 *
 * LangChain's `UsageMetadata` is one shape for every provider, but the
 * provider packages fill it differently:
 *
 * - `input_tokens` INCLUDES cache reads and writes (`input_token_details`
 *   `cache_read`, `cache_creation`) and input audio/image; ChatAnthropic adds
 *   Anthropic's separate cache counts back into it. The 1-hour cache writes
 *   come from `input_token_details.ephemeral_1h_input_tokens` when a package
 *   reports them, else from Anthropic's raw `usage.cache_creation` (which
 *   ChatAnthropic keeps in `response_metadata.usage`).
 * - `output_tokens` INCLUDES reasoning (`output_token_details.reasoning`) and
 *   output audio for OpenAI, OpenRouter and Vertex AI (`@langchain/google-common`
 *   adds `thoughtsTokenCount` to `output_tokens` and reports it as the detail).
 * - `@langchain/google-genai` maps `candidatesTokenCount` to `output_tokens` and
 *   drops `thoughtsTokenCount`, while `total_tokens` is Gemini's
 *   `totalTokenCount`, which includes the thoughts: the thoughts are recovered
 *   as `total_tokens − input_tokens − output_tokens` when no reasoning detail
 *   says otherwise.
 *
 * The buckets always sum to the reported totals: a detail is never counted
 * twice, and details that exceed their total are a `MalformedResponse`.
 */
import { ProviderAdapter, Usage } from "@agentcost/core"

/** Providers whose LangChain packages leave reasoning tokens out of `output_tokens`. */
const THOUGHTS_ONLY_IN_TOTAL = new Set(["google"])

const record = (value: unknown): { readonly [key: string]: unknown } =>
  ProviderAdapter.isRecord(value) ? value : {}

/**
 * Canonical usage of one chat-model call from its `usage_metadata`.
 * `rawUsage` is the provider's own usage object when the package keeps it in
 * `response_metadata.usage` (ChatOpenAI, ChatAnthropic, ChatOpenRouter).
 */
export const fromUsageMetadata = (
  provider: string,
  metadata: unknown,
  rawUsage?: unknown,
): Usage.Usage => {
  const at = (field: string) => `usage_metadata.${field}`
  const count = (value: unknown, field: string) =>
    ProviderAdapter.readCount(provider, value, at(field))
  const usage = record(metadata)
  const inputDetails = record(usage.input_token_details)
  const outputDetails = record(usage.output_token_details)

  const input = count(usage.input_tokens, "input_tokens")
  const cacheRead = count(inputDetails.cache_read, "input_token_details.cache_read")
  const { cacheWrite, cacheWrite1h } = cacheWrites(provider, inputDetails, rawUsage)
  const cached = cacheRead + cacheWrite + cacheWrite1h
  if (cached > input) {
    throw new ProviderAdapter.MalformedResponse({
      provider,
      field: at("input_token_details"),
      reason: `cache reads and writes (${cached}) exceed input_tokens (${input})`,
    })
  }
  // Modality details may overlap the cached part (Gemini reports modalities for
  // the whole prompt): they only take what the cache left, so nothing counts twice.
  const uncached = input - cached
  const inputAudio = Math.min(count(inputDetails.audio, "input_token_details.audio"), uncached)
  const inputImage = Math.min(
    count(inputDetails.image, "input_token_details.image"),
    uncached - inputAudio,
  )

  const output = count(usage.output_tokens, "output_tokens")
  const total = count(usage.total_tokens, "total_tokens")
  const outputAudio = count(outputDetails.audio, "output_token_details.audio")
  const reasoningDetail =
    outputDetails.reasoning === undefined || outputDetails.reasoning === null
      ? undefined
      : count(outputDetails.reasoning, "output_token_details.reasoning")
  const outsideOutput = total - input - output
  let reasoning: number
  let reasoningInOutput: boolean
  if (reasoningDetail === undefined) {
    reasoning = THOUGHTS_ONLY_IN_TOTAL.has(provider) && outsideOutput > 0 ? outsideOutput : 0
    reasoningInOutput = false
  } else {
    reasoning = reasoningDetail
    // A package that reports the detail but leaves it out of output_tokens shows it in the total.
    reasoningInOutput = outsideOutput < reasoningDetail
  }
  const textOutput = output - outputAudio - (reasoningInOutput ? reasoning : 0)
  if (textOutput < 0) {
    throw new ProviderAdapter.MalformedResponse({
      provider,
      field: at("output_token_details"),
      reason: `reasoning (${reasoning}) and audio (${outputAudio}) exceed output_tokens (${output})`,
    })
  }

  return Usage.make({
    input_tokens: uncached - inputAudio - inputImage,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    cache_write_1h_tokens: cacheWrite1h,
    input_audio_tokens: inputAudio,
    input_image_tokens: inputImage,
    output_tokens: textOutput,
    reasoning_tokens: reasoning,
    output_audio_tokens: outputAudio,
  })
}

/**
 * Cache writes split by TTL. `cache_creation` is the total when a package
 * reports it alongside the TTL keys; when it reports only the TTL keys their
 * sum is the total. Everything that is not a 1-hour write is a default-TTL write.
 */
const cacheWrites = (
  provider: string,
  details: { readonly [key: string]: unknown },
  rawUsage: unknown,
): { readonly cacheWrite: number; readonly cacheWrite1h: number } => {
  const count = (value: unknown, field: string) => ProviderAdapter.readCount(provider, value, field)
  const creation = count(
    details.cache_creation,
    "usage_metadata.input_token_details.cache_creation",
  )
  const rawTtl = record(record(rawUsage).cache_creation)
  const reportedInDetails =
    details.ephemeral_1h_input_tokens !== undefined ||
    details.ephemeral_5m_input_tokens !== undefined
  const ttl = reportedInDetails ? details : rawTtl
  const prefix = reportedInDetails
    ? "usage_metadata.input_token_details"
    : "response_metadata.usage.cache_creation"
  const oneHour = count(ttl.ephemeral_1h_input_tokens, `${prefix}.ephemeral_1h_input_tokens`)
  const fiveMinutes = count(ttl.ephemeral_5m_input_tokens, `${prefix}.ephemeral_5m_input_tokens`)
  const total = Math.max(creation, oneHour + fiveMinutes)
  return { cacheWrite: total - oneHour, cacheWrite1h: oneHour }
}

/**
 * Canonical usage of a text-completion LLM call. LLMs return strings, not
 * AIMessages, so `llmOutput.tokenUsage` is the only report there is; for a
 * batched call LangChain gives the whole batch's usage to the first prompt's
 * run and `{}` to the others, so the batch total is still booked exactly once.
 */
export const fromTokenUsage = (provider: string, tokenUsage: unknown): Usage.Usage => {
  const usage = record(tokenUsage)
  return Usage.make({
    input_tokens: ProviderAdapter.readCount(
      provider,
      usage.promptTokens,
      "llmOutput.tokenUsage.promptTokens",
    ),
    output_tokens: ProviderAdapter.readCount(
      provider,
      usage.completionTokens,
      "llmOutput.tokenUsage.completionTokens",
    ),
  })
}
