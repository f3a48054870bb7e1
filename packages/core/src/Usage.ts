/**
 * Canonical usage: disjoint buckets, so every token is counted in exactly one.
 * Adapters convert each provider's overlapping totals into these buckets.
 */
import { Schema } from "effect"

export const TOKEN_UNITS = [
  "input_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_1h_tokens",
  "output_tokens",
  "reasoning_tokens",
  "input_audio_tokens",
  "output_audio_tokens",
  "input_image_tokens",
] as const
export type TokenUnit = (typeof TOKEN_UNITS)[number]

export const EVENT_UNITS = ["web_search_requests", "tool_calls", "rag_queries", "requests"] as const
export type EventUnit = (typeof EVENT_UNITS)[number]

/** Every input bucket; their sum is what `inputTokensAbove` compares against. */
export const INPUT_TOKEN_UNITS: ReadonlyArray<TokenUnit> = [
  "input_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_1h_tokens",
  "input_audio_tokens",
  "input_image_tokens",
]

export type CustomUnit = `x_${string}`
export type Unit = TokenUnit | EventUnit | "compute_units" | CustomUnit

export type Usage = { readonly [unit: string]: number }

const KNOWN = new Set<string>([...TOKEN_UNITS, ...EVENT_UNITS, "compute_units"])
const CUSTOM_PATTERN = /^x_[a-z0-9_]+$/

export const isUnit = (name: string): name is Unit => KNOWN.has(name) || CUSTOM_PATTERN.test(name)
export const isTokenUnit = (name: string): boolean => name.endsWith("_tokens")
export const isCustomUnit = (name: string): name is CustomUnit => CUSTOM_PATTERN.test(name)

export class InvalidUsage extends Schema.TaggedError<InvalidUsage>()("InvalidUsage", {
  unit: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `usage.${this.unit}: ${this.reason}`
  }
}

/**
 * Validates a usage record: known or `x_*` units, finite non-negative counts,
 * whole numbers except `compute_units` (providers report fractional units).
 * Zero counts are dropped, so an empty bucket never needs a price.
 */
export const make = (record: { readonly [unit: string]: unknown }): Usage => {
  const usage: Record<string, number> = {}
  for (const unit in record) {
    const count = record[unit]
    if (count === undefined || count === null) continue
    if (!isUnit(unit)) {
      throw new InvalidUsage({
        unit,
        reason: "unknown unit (use a canonical unit or a custom x_<name> unit)",
      })
    }
    if (typeof count !== "number") {
      throw new InvalidUsage({ unit, reason: `expected a number, got ${JSON.stringify(count)}` })
    }
    if (Number.isNaN(count)) throw new InvalidUsage({ unit, reason: "count is NaN" })
    if (!Number.isFinite(count)) throw new InvalidUsage({ unit, reason: "count is not finite" })
    if (count < 0) throw new InvalidUsage({ unit, reason: `count is negative (${count})` })
    if (unit !== "compute_units" && !Number.isInteger(count)) {
      throw new InvalidUsage({ unit, reason: `count must be a whole number (${count})` })
    }
    if (count > 0) usage[unit] = count
  }
  return usage
}

/** Adds usages bucket by bucket. */
export const add = (left: Usage, right: Usage): Usage => {
  const total: Record<string, number> = { ...left }
  for (const unit in right) total[unit] = (total[unit] ?? 0) + right[unit]!
  return total
}

export const inputTokens = (usage: Usage): number => {
  let total = 0
  for (const unit of INPUT_TOKEN_UNITS) total += usage[unit] ?? 0
  return total
}

export const totalTokens = (usage: Usage): number => {
  let total = 0
  for (const unit in usage) if (isTokenUnit(unit)) total += usage[unit]!
  return total
}
