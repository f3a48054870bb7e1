/**
 * Which provider served a LangChain model call, and where each provider
 * package puts the facts pricing needs (served model, request id, endpoint,
 * service tier, provider-reported cost).
 *
 * - ChatOpenAI: `response_metadata.model_name` (Chat Completions) or `.model`
 *   (Responses API, `object: "response"`); request id `chatcmpl-…` as the
 *   message id, `resp_…` as `response_metadata.id`; `service_tier` in
 *   `response_metadata` (streaming, Responses) or the request's invocation params.
 * - ChatAnthropic: `response_metadata.model` and `.id` (`msg_…`); streaming
 *   keeps the model in `additional_kwargs.model` and the id as the message id;
 *   the raw usage (with `service_tier`) in `response_metadata.usage`.
 * - ChatGoogleGenerativeAI / ChatVertexAI: no served model and no response id
 *   in the message: the requested model (`ls_model_name`) is used.
 * - ChatOpenRouter: `response_metadata.model_name`, message id `gen-…`, the raw
 *   usage with OpenRouter's `cost` in `response_metadata.usage`.
 */
import { Money, type ProviderAdapter } from "@agentcost/core"

type Fields = { readonly [key: string]: unknown }

/** `ls_provider` and `response_metadata.model_provider` spellings → adapter provider ids. */
export const DEFAULT_PROVIDER_IDS: { readonly [name: string]: string } = {
  openai: "openai",
  anthropic: "anthropic",
  google: "google",
  google_genai: "google",
  "google-genai": "google",
  google_vertexai: "google",
  "google-vertexai": "google",
  openrouter: "openrouter",
}

const string = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * The provider id of a call: the `agentcost_provider` metadata override, else
 * the first of `ls_provider` (chat models' start hook),
 * `response_metadata.model_provider` and the serialized model's namespace
 * (text-completion LLMs send no `ls_provider`) that maps to a known id, else
 * the raw `ls_provider` (priced as an unknown provider: pending, never $0).
 */
export const resolve = (
  ids: { readonly [name: string]: string },
  candidates: {
    readonly override?: unknown
    readonly lsProvider?: unknown
    readonly modelProvider?: unknown
    readonly namespace?: unknown
  },
): string => {
  const override = string(candidates.override)
  if (override) return override
  for (const name of [candidates.lsProvider, candidates.modelProvider, candidates.namespace]) {
    const known = string(name)
    if (known && Object.hasOwn(ids, known)) return ids[known]!
  }
  return string(candidates.lsProvider) ?? string(candidates.modelProvider) ?? "unknown"
}

const REQUEST_ID: { readonly [provider: string]: RegExp } = {
  openai: /^(chatcmpl-|resp_)/,
  anthropic: /^msg_/,
  openrouter: /^gen-/,
}

/**
 * The provider's id for this response, or null. A message id counts only in
 * the provider's own format: LangChain fills missing ids with `run-<uuid>` and
 * test models with counters, and a reused id would collapse distinct calls
 * into one ledger entry.
 */
export const requestId = (
  provider: string,
  responseMetadata: Fields,
  messageId: unknown,
): string | null => {
  const fromMetadata = string(responseMetadata.id)
  if (fromMetadata && !fromMetadata.startsWith("run-")) return fromMetadata
  const id = string(messageId)
  const pattern = REQUEST_ID[provider]
  return id && pattern?.test(id) ? id : null
}

/** The served model: what the response says, else what was requested. */
export const servedModel = (
  responseMetadata: Fields,
  additionalKwargs: Fields,
  requested: string | undefined,
): string =>
  string(responseMetadata.model_name) ??
  string(responseMetadata.model) ??
  string(additionalKwargs.model) ??
  requested ??
  "unknown"

export const endpoint = (provider: string, responseMetadata: Fields): string | null => {
  switch (provider) {
    case "openai":
      return responseMetadata.object === "response" ? "responses" : "chat.completions"
    case "openrouter":
      return "chat.completions"
    case "anthropic":
      return "messages"
    case "google":
      return "generateContent"
    default:
      return null
  }
}

export const serviceTier = (
  responseMetadata: Fields,
  rawUsage: Fields,
  invocationParams: Fields,
): string | null =>
  string(responseMetadata.service_tier) ??
  string(rawUsage.service_tier) ??
  string(invocationParams.service_tier) ??
  null

/**
 * OpenRouter's `usage.cost`: what it charged for the call. On a BYOK call it
 * is only OpenRouter's fee (the upstream provider bills the caller's own key),
 * so it is not the call's cost and the price book prices the call instead.
 */
export const reportedCost = (
  provider: string,
  rawUsage: Fields,
): ProviderAdapter.ReportedCost | null => {
  if (provider !== "openrouter" || rawUsage.is_byok === true) return null
  const cost = rawUsage.cost
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) return null
  return { amount: Money.format(Money.decimal(cost)), currency: "USD" }
}
