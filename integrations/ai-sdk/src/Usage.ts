/**
 * Canonical usage (disjoint buckets) from what the AI SDK reports for ONE
 * model call. The v4 specification already splits usage into
 * `inputTokens { total, noCache, cacheRead, cacheWrite }` and
 * `outputTokens { total, text, reasoning }`, where `total` includes its parts
 * for every provider package:
 *
 * - input: `total` = uncached + cache reads + cache writes. The uncached part
 *   is taken as `total − cacheRead − cacheWrite` rather than `noCache`,
 *   because `@openrouter/ai-sdk-provider` leaves cache writes inside
 *   `noCache`; `noCache` is used only when a provider sends no total.
 * - output: `total` = text + reasoning (OpenAI's `completion_tokens` and
 *   Anthropic's `output_tokens` include reasoning; `@ai-sdk/google` adds
 *   thoughts to the candidates). `reasoning` goes to `reasoning_tokens`.
 *
 * What the structured usage cannot say comes from the provider's own usage
 * object (`usage.raw`, else `providerMetadata.<provider>.usage`), one
 * convention per provider, as the agentcost adapters read them:
 *
 * - OpenAI (and OpenRouter, which speaks it): audio and image prompt tokens,
 *   audio completion tokens, 12-hour cache writes (`cache_write_1h_tokens`);
 *   OpenRouter's server-side web searches.
 * - Anthropic: 1-hour cache writes (`cache_creation.ephemeral_1h_input_tokens`
 *   → `cache_write_1h_tokens`, the rest stays 5-minute writes), web searches
 *   (`server_tool_use.web_search_requests`) and web fetches
 *   (`x_web_fetch_requests`).
 * - Google: audio and image modalities of the prompt, the cache, tool-use
 *   prompts and the candidates; cached audio as `x_cache_read_audio_tokens`,
 *   output images as `x_output_image_tokens`; grounding queries as
 *   `web_search_requests`.
 *
 * A part larger than what it is taken from is `MalformedResponse` naming the
 * field: never a negative bucket.
 */
import { ProviderAdapter, Usage } from "@agentcost/core"
import type { Json, LanguageModelUsage, ModelUsage, ProviderMetadata } from "./SdkTypes.ts"

type Bucket =
  | "input_tokens"
  | "cache_read_tokens"
  | "cache_write_tokens"
  | "output_tokens"
  | "x_cache_read_audio_tokens"

/** Counts being split; each bucket remembers the field it was read from, for error messages. */
class Buckets {
  readonly counts: Record<string, number> = {}
  readonly #origin: Record<string, string> = {}
  readonly #provider: string

  constructor(provider: string) {
    this.#provider = provider
  }

  count(value: unknown, field: string): number {
    return ProviderAdapter.readCount(this.#provider, value, field)
  }

  set(unit: string, count: number, field: string): void {
    this.counts[unit] = count
    this.#origin[unit] = field
  }

  /** Takes `count` tokens (read at `field`) out of `from` into `to`. */
  move(from: Bucket, to: string, count: number, field: string): void {
    if (count === 0) return
    const left = this.counts[from] ?? 0
    if (count > left) {
      throw new ProviderAdapter.MalformedResponse({
        provider: this.#provider,
        field,
        reason: `${count} exceeds the ${left} tokens left of ${this.#origin[from] ?? from}, which includes it`,
      })
    }
    this.counts[from] = left - count
    this.counts[to] = (this.counts[to] ?? 0) + count
    this.#origin[to] ??= field
  }
}

const isJson = ProviderAdapter.isRecord

const child = (parent: Json | undefined, key: string): Json | undefined => {
  const value = parent?.[key]
  return isJson(value) ? value : undefined
}

/** The provider's own usage object: the SDK's `raw`, else what the provider package put in its metadata. */
const rawUsage = (
  provider: string,
  usage: ModelUsage,
  metadata: ProviderMetadata | undefined,
): Json | undefined => (isJson(usage.raw) ? usage.raw : child(metadata?.[provider], "usage"))

/** OpenAI's inclusive totals (Chat Completions, Responses), spoken by OpenRouter too. */
const openAiConvention = (buckets: Buckets, raw: Json | undefined, webSearchCalls: number) => {
  const prompt = child(raw, "prompt_tokens_details") ?? child(raw, "input_tokens_details")
  const promptField =
    child(raw, "prompt_tokens_details") !== undefined
      ? "usage.raw.prompt_tokens_details"
      : "usage.raw.input_tokens_details"
  const completion = child(raw, "completion_tokens_details")
  const audioIn = `${promptField}.audio_tokens`
  const imageIn = `${promptField}.image_tokens`
  const audioOut = "usage.raw.completion_tokens_details.audio_tokens"
  buckets.move(
    "input_tokens",
    "input_audio_tokens",
    buckets.count(prompt?.audio_tokens, audioIn),
    audioIn,
  )
  buckets.move(
    "input_tokens",
    "input_image_tokens",
    buckets.count(prompt?.image_tokens, imageIn),
    imageIn,
  )
  buckets.move(
    "output_tokens",
    "output_audio_tokens",
    buckets.count(completion?.audio_tokens, audioOut),
    audioOut,
  )
  const ttl = child(prompt, "cache_write_tokens_details")
  const longWrite = `${promptField}.cache_write_tokens_details.ttl_12h_tokens`
  buckets.move(
    "cache_write_tokens",
    "cache_write_1h_tokens",
    buckets.count(ttl?.ttl_12h_tokens, longWrite),
    longWrite,
  )
  const serverTools = child(raw, "server_tool_use_details")
  const searches = buckets.count(
    serverTools?.web_search_requests,
    "usage.raw.server_tool_use_details.web_search_requests",
  )
  // The Responses API reports its hosted web searches as provider-executed tool calls.
  buckets.set(
    "web_search_requests",
    Math.max(searches, webSearchCalls),
    "usage.raw.server_tool_use_details",
  )
}

const anthropicConvention = (buckets: Buckets, raw: Json | undefined) => {
  const creation = child(raw, "cache_creation")
  const oneHour = "usage.raw.cache_creation.ephemeral_1h_input_tokens"
  buckets.move(
    "cache_write_tokens",
    "cache_write_1h_tokens",
    buckets.count(creation?.ephemeral_1h_input_tokens, oneHour),
    oneHour,
  )
  const serverTools = child(raw, "server_tool_use")
  const searches = "usage.raw.server_tool_use.web_search_requests"
  const fetches = "usage.raw.server_tool_use.web_fetch_requests"
  buckets.set(
    "web_search_requests",
    buckets.count(serverTools?.web_search_requests, searches),
    searches,
  )
  buckets.set(
    "x_web_fetch_requests",
    buckets.count(serverTools?.web_fetch_requests, fetches),
    fetches,
  )
}

/** Audio and image token counts of a Gemini `[{ modality, tokenCount }]` list. */
const modalities = (buckets: Buckets, value: unknown, field: string) => {
  let audio = 0
  let image = 0
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (!isJson(item)) return
      const tokens = buckets.count(item.tokenCount, `${field}[${index}].tokenCount`)
      if (item.modality === "AUDIO") audio += tokens
      else if (item.modality === "IMAGE") image += tokens
    })
  }
  return { audio, image }
}

const googleConvention = (buckets: Buckets, raw: Json | undefined, metadata: Json | undefined) => {
  const field = (key: string) => `usage.raw.${key}`
  const prompt = modalities(buckets, raw?.promptTokensDetails, field("promptTokensDetails"))
  const cache = modalities(buckets, raw?.cacheTokensDetails, field("cacheTokensDetails"))
  const toolUse = modalities(
    buckets,
    raw?.toolUsePromptTokensDetails,
    field("toolUsePromptTokensDetails"),
  )
  const output = modalities(buckets, raw?.candidatesTokensDetails, field("candidatesTokensDetails"))
  buckets.move(
    "cache_read_tokens",
    "x_cache_read_audio_tokens",
    cache.audio,
    field("cacheTokensDetails"),
  )
  // The prompt's modalities include the cached ones, which are already out of input_tokens.
  const uncached = (all: number, cached: number, what: string) => {
    if (cached > all) {
      throw new ProviderAdapter.MalformedResponse({
        provider: "google",
        field: field("cacheTokensDetails"),
        reason: `cached ${what} tokens (${cached}) exceed the prompt's (${all})`,
      })
    }
    return all - cached
  }
  buckets.move(
    "input_tokens",
    "input_audio_tokens",
    uncached(prompt.audio, cache.audio, "AUDIO") + toolUse.audio,
    field("promptTokensDetails"),
  )
  buckets.move(
    "input_tokens",
    "input_image_tokens",
    uncached(prompt.image, cache.image, "IMAGE") + toolUse.image,
    field("promptTokensDetails"),
  )
  buckets.move(
    "output_tokens",
    "output_audio_tokens",
    output.audio,
    field("candidatesTokensDetails"),
  )
  buckets.move(
    "output_tokens",
    "x_output_image_tokens",
    output.image,
    field("candidatesTokensDetails"),
  )
  const queries = child(metadata, "groundingMetadata")?.webSearchQueries
  buckets.set(
    "web_search_requests",
    Array.isArray(queries) ? queries.length : 0,
    "providerMetadata.google.groundingMetadata.webSearchQueries",
  )
}

/** Facts about the call beyond the token counts, which only the provider's convention knows. */
export interface CallFacts {
  /** Web searches the provider ran as provider-executed tool calls (OpenAI Responses). */
  readonly webSearchCalls: number
}

/**
 * The canonical usage of one call; `null` when the provider reported no
 * usage at all (every total and part undefined), which is not the same as 0.
 */
export const canonical = (
  provider: string,
  usage: ModelUsage,
  metadata: ProviderMetadata | undefined,
  facts: CallFacts = { webSearchCalls: 0 },
): Usage.Usage | null => {
  const { inputTokens: input, outputTokens: output } = usage
  if (
    input.total === undefined &&
    input.noCache === undefined &&
    output.total === undefined &&
    output.text === undefined
  ) {
    return null
  }
  const buckets = new Buckets(provider)
  const cacheRead = buckets.count(input.cacheRead, "usage.inputTokens.cacheRead")
  const cacheWrite = buckets.count(input.cacheWrite, "usage.inputTokens.cacheWrite")
  if (input.total === undefined) {
    const noCache = buckets.count(input.noCache, "usage.inputTokens.noCache")
    buckets.set("input_tokens", noCache + cacheRead + cacheWrite, "usage.inputTokens.noCache")
  } else {
    buckets.set(
      "input_tokens",
      buckets.count(input.total, "usage.inputTokens.total"),
      "usage.inputTokens.total",
    )
  }
  buckets.move("input_tokens", "cache_read_tokens", cacheRead, "usage.inputTokens.cacheRead")
  buckets.move("input_tokens", "cache_write_tokens", cacheWrite, "usage.inputTokens.cacheWrite")
  const reasoning = buckets.count(output.reasoning, "usage.outputTokens.reasoning")
  if (output.total === undefined) {
    const text = buckets.count(output.text, "usage.outputTokens.text")
    buckets.set("output_tokens", text + reasoning, "usage.outputTokens.text")
  } else {
    buckets.set(
      "output_tokens",
      buckets.count(output.total, "usage.outputTokens.total"),
      "usage.outputTokens.total",
    )
  }
  buckets.move("output_tokens", "reasoning_tokens", reasoning, "usage.outputTokens.reasoning")

  const raw = rawUsage(provider, usage, metadata)
  switch (provider) {
    case "openai":
    case "openrouter":
      openAiConvention(buckets, raw, facts.webSearchCalls)
      break
    case "anthropic":
      anthropicConvention(buckets, raw)
      break
    case "google":
      googleConvention(buckets, raw, child(metadata, "google"))
      break
  }
  return Usage.make(buckets.counts)
}

/** The callbacks' flattened usage back in the structured v4 shape, so both paths share `canonical`. */
export const fromLanguageModelUsage = (usage: LanguageModelUsage): ModelUsage => ({
  inputTokens: {
    total: usage.inputTokens,
    noCache: usage.inputTokenDetails?.noCacheTokens,
    cacheRead: usage.inputTokenDetails?.cacheReadTokens,
    cacheWrite: usage.inputTokenDetails?.cacheWriteTokens,
  },
  outputTokens: {
    total: usage.outputTokens,
    text: usage.outputTokenDetails?.textTokens,
    reasoning: usage.outputTokenDetails?.reasoningTokens,
  },
  ...(usage.raw === undefined ? {} : { raw: usage.raw }),
})
