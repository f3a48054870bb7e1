/**
 * Usage and cost of one response, ours against genai-prices'.
 *
 * The two count usage differently: our buckets are disjoint (a cached token is
 * only in `cache_read_tokens`), genai-prices' `input_tokens` and
 * `output_tokens` are totals that contain their cache, modality and reasoning
 * parts. Both are mapped onto the same overlapping buckets below so that a
 * difference means the two really read different counts.
 */
import { type CostSignal, Money } from "@agentcost/core"
import type { GenaiPricesResult } from "./GenaiPrices.ts"

export const BUCKETS = [
  "input",
  "cache_read",
  "cache_write",
  "cache_write_1h",
  "input_audio",
  "input_image",
  "output",
  "reasoning",
  "output_audio",
  "web_searches",
] as const
export type Bucket = (typeof BUCKETS)[number]
export type Buckets = { readonly [bucket in Bucket]: number }

/** Each canonical unit counts in every genai-prices total that contains it. */
const FROM_CANONICAL: { readonly [unit: string]: ReadonlyArray<Bucket> } = {
  input_tokens: ["input"],
  cache_read_tokens: ["input", "cache_read"],
  cache_write_tokens: ["input", "cache_write"],
  cache_write_1h_tokens: ["input", "cache_write", "cache_write_1h"],
  input_audio_tokens: ["input", "input_audio"],
  input_image_tokens: ["input", "input_image"],
  // The Google adapter's unit for cached audio (priced at its own rate).
  x_cache_read_audio_tokens: ["input", "cache_read", "input_audio"],
  output_tokens: ["output"],
  reasoning_tokens: ["output", "reasoning"],
  output_audio_tokens: ["output", "output_audio"],
  web_search_requests: ["web_searches"],
}

const FROM_GENAI_PRICES: { readonly [key: string]: Bucket } = {
  input_tokens: "input",
  cache_read_tokens: "cache_read",
  cache_write_tokens: "cache_write",
  cache_write_1h_tokens: "cache_write_1h",
  input_audio_tokens: "input_audio",
  input_image_tokens: "input_image",
  output_tokens: "output",
  output_reasoning_tokens: "reasoning",
  output_audio_tokens: "output_audio",
  web_searches: "web_searches",
}

const empty = (): Record<Bucket, number> =>
  Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as Record<Bucket, number>

/** Our disjoint usage as overlapping totals; units with no genai-prices counterpart (tool_calls, x_web_fetch_requests) are left out. */
export const fromCanonical = (usage: { readonly [unit: string]: number }): Buckets => {
  const buckets = empty()
  for (const unit in usage) {
    for (const bucket of FROM_CANONICAL[unit] ?? []) buckets[bucket] += usage[unit]!
  }
  return buckets
}

export const fromGenaiPrices = (usage: { readonly [key: string]: number | undefined }): Buckets => {
  const buckets = empty()
  for (const key in usage) {
    const bucket = FROM_GENAI_PRICES[key]
    if (bucket !== undefined) buckets[bucket] += usage[key] ?? 0
  }
  return buckets
}

export interface UsageDifference {
  readonly bucket: Bucket
  readonly ours: number
  readonly genaiPrices: number
}

export interface Comparison {
  readonly id: string
  readonly model: string
  /** The genai-prices model id that priced it, or null when it found no price. */
  readonly genaiPricesModel: string | null
  readonly usageDifferences: ReadonlyArray<UsageDifference>
  /** What our signal books (`base_cost`): local, or OpenRouter's reported cost. */
  readonly ourCost: string | null
  readonly costSource: CostSignal.CostSource
  /** Our book's estimate beside a provider-reported cost. */
  readonly localEstimate: string | null
  readonly genaiPricesCost: number | null
  readonly costsAgree: boolean
  /** The costs agree, but genai-prices' float is not the exact decimal (e.g. 0.005920000000000001). */
  readonly floatNoise: boolean
}

/** Float totals agree when within this relative distance of the exact decimal. */
const RELATIVE_TOLERANCE = new Money.Decimal("1e-9")

const agree = (exact: string | null, float: number | null): boolean => {
  if (exact === null || float === null) return exact === null && float === null
  const ours = Money.decimal(exact)
  return ours.minus(float).abs().lte(ours.abs().times(RELATIVE_TOLERANCE))
}

export const compare = (
  id: string,
  signal: CostSignal.CostSignal,
  genai: GenaiPricesResult,
): Comparison => {
  const ours = fromCanonical(signal.usage)
  const theirs = fromGenaiPrices(genai.usage)
  const usageDifferences = BUCKETS.filter((bucket) => ours[bucket] !== theirs[bucket]).map(
    (bucket) => ({ bucket, ours: ours[bucket], genaiPrices: theirs[bucket] }),
  )
  const genaiPricesCost = genai.price?.total_price ?? null
  const costsAgree = agree(signal.base_cost, genaiPricesCost)
  return {
    id,
    model: signal.model,
    genaiPricesModel: genai.price?.model.id ?? null,
    usageDifferences,
    ourCost: signal.base_cost,
    costSource: signal.cost_source,
    localEstimate: signal.cost_components.local_estimate ?? null,
    genaiPricesCost,
    costsAgree,
    floatNoise:
      costsAgree &&
      genaiPricesCost !== null &&
      signal.base_cost !== null &&
      !Money.decimal(signal.base_cost).equals(genaiPricesCost),
  }
}

export const disagrees = (comparison: Comparison): boolean =>
  !comparison.costsAgree || comparison.usageDifferences.length > 0
