/**
 * Reads one OpenRouter chat completion (the non-streaming body, or the final
 * SSE chunk that carries `usage`) into canonical usage and the facts pricing
 * needs. OpenRouter speaks the OpenAI convention: `prompt_tokens` includes
 * cache reads, cache writes and audio; `completion_tokens` includes reasoning
 * and audio. Both are split here into the disjoint canonical buckets.
 *
 * Cost: `usage.cost` is what OpenRouter charged and becomes the provider
 * reported cost. On a BYOK call (`usage.is_byok`) OpenRouter charges only its
 * fee and the upstream provider bills the inference to the caller's own key
 * (`cost_details.upstream_inference_cost`); the tenant's cost is the sum of
 * both, because both are paid for this call. See the README.
 */
import type { PriceBook } from "@agentcost/core"
import { Money, ProviderAdapter, Usage } from "@agentcost/core"

export const PROVIDER = "openrouter"

type Json = { readonly [key: string]: unknown }

const ENDPOINT_BY_OBJECT: { readonly [object: string]: string } = {
  "chat.completion": "chat.completions",
  "chat.completion.chunk": "chat.completions",
  text_completion: "completions",
}

const malformed = (field: string, reason: string) =>
  new ProviderAdapter.MalformedResponse({ provider: PROVIDER, field, reason })

const count = (value: unknown, field: string): number =>
  ProviderAdapter.readCount(PROVIDER, value, field)

/** A nested details object: absent or null is empty; anything else but an object is malformed. */
const details = (parent: Json, key: string, field: string): Json => {
  const value = parent[key]
  if (value === undefined || value === null) return {}
  if (!ProviderAdapter.isRecord(value)) {
    throw malformed(field, `expected an object, got ${JSON.stringify(value)}`)
  }
  return value
}

/** A USD amount as OpenRouter sends it (a JSON number); null when absent; `invalid` builds the error otherwise. */
export const readUsd = (
  value: unknown,
  invalid: (reason: string) => Error,
): Money.Decimal | null => {
  if (value === undefined || value === null) return null
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Money.decimal(value)
  throw invalid(`expected a non-negative amount, got ${JSON.stringify(value)}`)
}

const amount = (value: unknown, field: string): Money.Decimal | null =>
  readUsd(value, (reason) => malformed(field, reason))

const errorReason = (error: unknown): string => {
  if (!ProviderAdapter.isRecord(error))
    return `OpenRouter returned an error: ${JSON.stringify(error)}`
  const metadata = ProviderAdapter.isRecord(error.metadata) ? error.metadata : {}
  const upstream =
    typeof metadata.provider_name === "string" ? ` (upstream ${metadata.provider_name})` : ""
  const code = error.code === undefined ? "" : ` ${JSON.stringify(error.code)}`
  return `OpenRouter returned error${code}${upstream} instead of a completion: ${JSON.stringify(error.message ?? null)}`
}

/** Tool calls the response made: counted in a full message; a stream's final chunk only says it stopped for them. */
const toolUse = (choices: unknown): { calls: number; used: boolean } => {
  if (choices === undefined || choices === null) return { calls: 0, used: false }
  if (!Array.isArray(choices)) throw malformed("choices", "expected an array")
  let calls = 0
  let used = false
  for (const choice of choices) {
    if (!ProviderAdapter.isRecord(choice)) continue
    const message = choice.message
    if (ProviderAdapter.isRecord(message) && Array.isArray(message.tool_calls)) {
      calls += message.tool_calls.length
    }
    if (choice.finish_reason === "tool_calls") used = true
  }
  return { calls, used: used || calls > 0 }
}

export const normalize = (
  raw: unknown,
  hints: ProviderAdapter.NormalizeHints = {},
  defaultAccount: string | null = null,
): ProviderAdapter.NormalizedCall => {
  if (!ProviderAdapter.isRecord(raw)) {
    throw malformed("", `expected a chat completion object, got ${JSON.stringify(raw)}`)
  }
  if (raw.error !== undefined && raw.error !== null)
    throw malformed("error", errorReason(raw.error))
  if (typeof raw.model !== "string" || raw.model === "") {
    throw malformed("model", `expected the served model id, got ${JSON.stringify(raw.model)}`)
  }
  const usage = raw.usage
  if (!ProviderAdapter.isRecord(usage)) {
    throw malformed(
      "usage",
      raw.object === "chat.completion.chunk"
        ? "missing: only the final stream chunk carries usage; pass that chunk"
        : `expected an object, got ${JSON.stringify(usage)}`,
    )
  }

  const promptDetails = details(usage, "prompt_tokens_details", "usage.prompt_tokens_details")
  const completionDetails = details(
    usage,
    "completion_tokens_details",
    "usage.completion_tokens_details",
  )
  const serverTools = details(usage, "server_tool_use_details", "usage.server_tool_use_details")
  const prompt = count(usage.prompt_tokens, "usage.prompt_tokens")
  const completion = count(usage.completion_tokens, "usage.completion_tokens")
  const cacheRead = count(promptDetails.cached_tokens, "usage.prompt_tokens_details.cached_tokens")
  const cacheWrite = count(
    promptDetails.cache_write_tokens,
    "usage.prompt_tokens_details.cache_write_tokens",
  )
  const inputAudio = count(promptDetails.audio_tokens, "usage.prompt_tokens_details.audio_tokens")
  const reasoning = count(
    completionDetails.reasoning_tokens,
    "usage.completion_tokens_details.reasoning_tokens",
  )
  const outputAudio = count(
    completionDetails.audio_tokens,
    "usage.completion_tokens_details.audio_tokens",
  )
  const webSearches = count(
    serverTools.web_search_requests,
    "usage.server_tool_use_details.web_search_requests",
  )
  // Video and image-output tokens have no bucket of their own: they stay in the
  // text buckets that contain them (priced at the text rate when no reported cost).
  const input = prompt - cacheRead - cacheWrite - inputAudio
  if (input < 0) {
    throw malformed(
      "usage.prompt_tokens",
      `${prompt} is less than its cached (${cacheRead}), cache-write (${cacheWrite}) and audio (${inputAudio}) parts`,
    )
  }
  const output = completion - reasoning - outputAudio
  if (output < 0) {
    throw malformed(
      "usage.completion_tokens",
      `${completion} is less than its reasoning (${reasoning}) and audio (${outputAudio}) parts`,
    )
  }
  const tools = toolUse(raw.choices)

  const capabilities = new Set<PriceBook.Capability>(hints.capabilities ?? [])
  if (reasoning > 0) capabilities.add("reasoning")
  if (tools.used) capabilities.add("tool_use")
  if (webSearches > 0) capabilities.add("web_search")

  const attributes: Record<string, string> = {}
  if (typeof raw.provider === "string" && raw.provider !== "") {
    attributes.upstream_provider = raw.provider
  }
  if (usage.is_byok !== undefined && usage.is_byok !== null && typeof usage.is_byok !== "boolean") {
    throw malformed("usage.is_byok", `expected a boolean, got ${JSON.stringify(usage.is_byok)}`)
  }
  const fee = amount(usage.cost, "usage.cost")
  const upstream = amount(
    details(usage, "cost_details", "usage.cost_details").upstream_inference_cost,
    "usage.cost_details.upstream_inference_cost",
  )
  let reported: Money.Decimal | null = fee
  if (usage.is_byok === true) {
    attributes.byok = "true"
    if (fee !== null) attributes.openrouter_fee = Money.format(fee)
    if (upstream !== null) attributes.upstream_inference_cost = Money.format(upstream)
    // Without the upstream part only OpenRouter's fee is known: leave the cost
    // to the price book rather than book the fee as the whole call.
    reported = upstream === null ? null : upstream.plus(fee ?? Money.ZERO)
  }

  if (raw.created !== undefined && raw.created !== null && typeof raw.created !== "number") {
    throw malformed("created", `expected Unix seconds, got ${JSON.stringify(raw.created)}`)
  }
  const canonical = Usage.make({
    input_tokens: input,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    input_audio_tokens: inputAudio,
    output_tokens: output,
    reasoning_tokens: reasoning,
    output_audio_tokens: outputAudio,
    web_search_requests: webSearches,
    tool_calls: tools.calls,
  })
  return {
    model: raw.model,
    endpoint:
      hints.endpoint ??
      (typeof raw.object === "string" ? ENDPOINT_BY_OBJECT[raw.object] : null) ??
      null,
    usage: canonical,
    serviceTier: typeof raw.service_tier === "string" ? raw.service_tier : null,
    region: null,
    attributes,
    capabilities: [...capabilities],
    providerRequestId: typeof raw.id === "string" && raw.id !== "" ? raw.id : null,
    providerAccount: hints.providerAccount ?? defaultAccount,
    providerReportedCost:
      reported === null ? null : { amount: Money.format(reported), currency: "USD" },
    observedAt: typeof raw.created === "number" ? new Date(raw.created * 1000).toISOString() : null,
  }
}
