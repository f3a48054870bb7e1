/**
 * Canonical usage (disjoint buckets) from the `UsageStats` Mastra puts on a
 * `model_inference` span: the usage of ONE provider call.
 *
 * Mastra builds `UsageStats` from the AI SDK's usage for the step
 * (`extractUsageMetrics` in `@mastra/observability`) in one convention for
 * every provider: `inputTokens` is the whole prompt, cache reads and writes
 * included, with `inputDetails.cacheRead` / `.cacheWrite` (and Anthropic's
 * `.cacheWrite5m` / `.cacheWrite1h` when the provider metadata splits them);
 * `outputTokens` is the whole completion, reasoning included, with
 * `outputDetails.reasoning`. The provider conventions are folded in before
 * the span is written:
 *
 * - OpenAI (Chat Completions, Responses) and OpenRouter: `prompt_tokens`
 *   already includes `cached_tokens`, `completion_tokens` includes
 *   `reasoning_tokens`; both pass through as they are.
 * - Anthropic: `input_tokens` EXCLUDES the cache; `@ai-sdk/anthropic` adds
 *   `cache_read_input_tokens` and `cache_creation_input_tokens` to the total
 *   (and Mastra adds them itself for older packages that did not). Thinking
 *   stays inside `output_tokens` unless Anthropic reports `thinking_tokens`
 *   (same price either way). The 5-minute / 1-hour split of cache writes
 *   reaches the span only when the provider metadata carries
 *   `anthropic.cacheCreation`; `@ai-sdk/anthropic` 4 does not put it there,
 *   so its 1-hour writes are booked as 5-minute writes (`cache_write_tokens`).
 * - Google: `promptTokenCount` (+ `toolUsePromptTokenCount`) includes
 *   `cachedContentTokenCount`; `@ai-sdk/google` ≥ 3 adds `thoughtsTokenCount`
 *   to the candidates, so the output total includes the thoughts.
 *
 * So the buckets are: `input_tokens` = inputTokens − cacheRead − cacheWrite −
 * audio − image; `cache_write_1h_tokens` = cacheWrite1h and
 * `cache_write_tokens` the rest of cacheWrite (the default TTL);
 * `output_tokens` = outputTokens − reasoning − audio − image. A part larger
 * than the total it is taken from is `MalformedResponse` naming the field.
 *
 * What the span does not carry is not booked: audio/image modality splits
 * Mastra does not report, server-side web searches, the service tier.
 */
import { ProviderAdapter, Usage } from "@agentcost/core"

/** The `UsageStats` of `@mastra/core/observability`, as read from an exported span. */
export interface UsageStats {
  readonly inputTokens?: number | undefined
  readonly outputTokens?: number | undefined
  readonly inputDetails?:
    | {
        readonly text?: number | undefined
        readonly cacheRead?: number | undefined
        readonly cacheWrite?: number | undefined
        readonly cacheWrite5m?: number | undefined
        readonly cacheWrite1h?: number | undefined
        readonly audio?: number | undefined
        readonly image?: number | undefined
      }
    | undefined
  readonly outputDetails?:
    | {
        readonly text?: number | undefined
        readonly reasoning?: number | undefined
        readonly audio?: number | undefined
        readonly image?: number | undefined
      }
    | undefined
}

/**
 * Booked when a call ended without usage (an aborted stream, a provider that
 * reports none): a custom unit no price book prices, so the signal is pending
 * and listed as unpriced in reports — an unknown cost, never $0.
 */
export const UNREPORTED_USAGE_UNIT = "x_usage_unreported"

const UNREPORTED: Usage.Usage = { [UNREPORTED_USAGE_UNIT]: 1 }

/** Whether the span says how many tokens the call used. */
export const isReported = (usage: UsageStats | undefined): usage is UsageStats =>
  usage !== undefined &&
  (typeof usage.inputTokens === "number" || typeof usage.outputTokens === "number")

/** Subtracts parts from a total, naming the part that does not fit. */
const remainder = (
  provider: string,
  total: number,
  totalField: string,
  parts: ReadonlyArray<readonly [count: number, field: string]>,
): number => {
  let left = total
  for (const [count, field] of parts) {
    if (count > left) {
      throw new ProviderAdapter.MalformedResponse({
        provider,
        field,
        reason: `${count} exceeds the ${left} tokens left of ${totalField}, which includes it`,
      })
    }
    left -= count
  }
  return left
}

/** The call's canonical usage; `x_usage_unreported` when the span carries none. */
export const toCanonical = (provider: string, usage: UsageStats | undefined): Usage.Usage => {
  if (!isReported(usage)) return UNREPORTED
  const count = (value: unknown, field: string) =>
    ProviderAdapter.readCount(provider, value, `usage.${field}`)
  const input = usage.inputDetails
  const output = usage.outputDetails
  const cacheRead = count(input?.cacheRead, "inputDetails.cacheRead")
  const fiveMinutes = count(input?.cacheWrite5m, "inputDetails.cacheWrite5m")
  const oneHour = count(input?.cacheWrite1h, "inputDetails.cacheWrite1h")
  const cacheWrite =
    input?.cacheWrite === undefined
      ? fiveMinutes + oneHour
      : count(input.cacheWrite, "inputDetails.cacheWrite")
  const inputAudio = count(input?.audio, "inputDetails.audio")
  const inputImage = count(input?.image, "inputDetails.image")
  const reasoning = count(output?.reasoning, "outputDetails.reasoning")
  const outputAudio = count(output?.audio, "outputDetails.audio")
  const outputImage = count(output?.image, "outputDetails.image")
  return Usage.make({
    input_tokens: remainder(provider, count(usage.inputTokens, "inputTokens"), "inputTokens", [
      [cacheRead, "usage.inputDetails.cacheRead"],
      [cacheWrite, "usage.inputDetails.cacheWrite"],
      [inputAudio, "usage.inputDetails.audio"],
      [inputImage, "usage.inputDetails.image"],
    ]),
    cache_read_tokens: cacheRead,
    cache_write_tokens: remainder(provider, cacheWrite, "inputDetails.cacheWrite", [
      [oneHour, "usage.inputDetails.cacheWrite1h"],
    ]),
    cache_write_1h_tokens: oneHour,
    input_audio_tokens: inputAudio,
    input_image_tokens: inputImage,
    output_tokens: remainder(provider, count(usage.outputTokens, "outputTokens"), "outputTokens", [
      [reasoning, "usage.outputDetails.reasoning"],
      [outputAudio, "usage.outputDetails.audio"],
      [outputImage, "usage.outputDetails.image"],
    ]),
    reasoning_tokens: reasoning,
    output_audio_tokens: outputAudio,
    x_output_image_tokens: outputImage,
  })
}
