/**
 * The baseline: `@pydantic/genai-prices` pricing the same responses with
 * `extractUsage` + `calcPrice` (float arithmetic, its bundled price table).
 *
 * Its extractors read a plain response body only, so each response is first
 * turned into the body they read — a Batch line's inner body, a Responses
 * stream's final `response`, a stream's events merged with the adapters' own
 * merge functions. That preparation happens once, before timing, so it is
 * never counted against genai-prices.
 */
import { mergeStreamUsage } from "@agentcost/adapter-anthropic"
import { mergeStreamChunks } from "@agentcost/adapter-google"
import { ProviderAdapter } from "@agentcost/core"
import {
  calcPrice,
  extractUsage,
  findProvider,
  type PriceCalculationResult,
  type PriceOptions,
  type Provider,
  type Usage,
} from "@pydantic/genai-prices"
import type { RawResponse } from "./MixedResponses.ts"

export interface GenaiPricesInput {
  readonly provider: Provider
  /** The body its extractor reads. */
  readonly body: unknown
  /** Which of the provider's extractors applies (`chat`, `responses`, `default`). */
  readonly apiFlavor: string
  /** The same call time our path prices at, so effective-dated prices line up. */
  readonly timestamp: Date
}

export interface GenaiPricesResult {
  readonly model: string | null
  readonly usage: Usage
  /** Null when genai-prices has no price for the model. */
  readonly price: PriceCalculationResult
}

const TERMINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"])

/** The body genai-prices can read: the response itself, unwrapped from its envelope or stream. */
const bodyOf = (provider: string, raw: unknown): unknown => {
  if (Array.isArray(raw))
    return provider === "google" ? mergeStreamChunks(raw) : mergeStreamUsage(raw)
  if (!ProviderAdapter.isRecord(raw)) return raw
  const response = raw.response
  const result = raw.result
  // OpenAI Batch output line: { custom_id, response: { body } }.
  if (raw.custom_id !== undefined && ProviderAdapter.isRecord(response)) return response.body
  // Anthropic Message Batches result: { custom_id, result: { message } }.
  if (raw.custom_id !== undefined && ProviderAdapter.isRecord(result)) return result.message
  // Responses API stream: the terminal event carries the full response.
  if (typeof raw.type === "string" && TERMINAL_EVENTS.has(raw.type)) return response
  return raw
}

const apiFlavorOf = (provider: string, body: unknown): string => {
  if (provider === "openai") {
    return ProviderAdapter.isRecord(body) && body.object === "response" ? "responses" : "chat"
  }
  return provider === "openrouter" ? "chat" : "default"
}

/** Prepares one response for genai-prices (untimed). Our provider ids are also its ids. */
export const inputFor = (response: RawResponse, callTime: number): GenaiPricesInput => {
  const id = response.adapter.provider
  const provider = findProvider({ providerId: id })
  if (provider === undefined) throw new Error(`genai-prices has no provider "${id}"`)
  const body = bodyOf(id, response.raw)
  return { provider, body, apiFlavor: apiFlavorOf(id, body), timestamp: new Date(callTime) }
}

/** The usage half alone. */
export const extract = (input: GenaiPricesInput): ReturnType<typeof extractUsage> =>
  extractUsage(input.provider, input.body, input.apiFlavor)

/** The pricing half alone. */
export const calc = (usage: Usage, model: string, options: PriceOptions): PriceCalculationResult =>
  calcPrice(usage, model, options)

/** The timed baseline path for one response. */
export const price = (input: GenaiPricesInput): GenaiPricesResult => {
  const extracted = extract(input)
  const price =
    extracted.model === null
      ? null
      : calc(extracted.usage, extracted.model, {
          providerId: input.provider.id,
          timestamp: input.timestamp,
        })
  return { model: extracted.model, usage: extracted.usage, price }
}
