/**
 * Reading fields of an untrusted OpenAI body. Every reader takes the field's
 * full path in the raw input (`response.usage.input_tokens` inside a stream
 * event, `response.body.usage…` inside a Batch output line), so a
 * `MalformedResponse` always names the exact field that is wrong.
 */
import { type PriceBook, ProviderAdapter } from "@agentcost/core"

export const PROVIDER = "openai"

export type Json = { readonly [key: string]: unknown }

/** What a reader takes from one body, before account and hints are applied. */
export interface Reading {
  readonly model: string
  readonly endpoint: string
  /** Canonical buckets, disjoint; zeros are dropped later by `Usage.make`. */
  readonly usage: { readonly [unit: string]: number }
  readonly serviceTier: string | null
  readonly providerRequestId: string | null
  readonly observedAt: string | null
  readonly capabilities: ReadonlyArray<PriceBook.Capability>
}

export const malformed = (field: string, reason: string): ProviderAdapter.MalformedResponse =>
  new ProviderAdapter.MalformedResponse({ provider: PROVIDER, field, reason })

export const describe = (value: unknown): string => {
  if (value === undefined) return "nothing"
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  return `${typeof value} ${JSON.stringify(value)}`
}

/** The object at `path`, or undefined when absent or null. */
export const optionalObject = (value: unknown, path: string): Json | undefined => {
  if (value === undefined || value === null) return undefined
  if (!ProviderAdapter.isRecord(value))
    throw malformed(path, `expected an object, got ${describe(value)}`)
  return value
}

export const requiredObject = (value: unknown, path: string, missing: string): Json => {
  const record = optionalObject(value, path)
  if (record === undefined) throw malformed(path, missing)
  return record
}

/** The array at `path`; absent or null reads as empty. */
export const optionalArray = (value: unknown, path: string): ReadonlyArray<unknown> => {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw malformed(path, `expected an array, got ${describe(value)}`)
  return value
}

export const optionalString = (value: unknown, path: string): string | null => {
  if (value === undefined || value === null) return null
  if (typeof value !== "string") throw malformed(path, `expected a string, got ${describe(value)}`)
  return value
}

export const requiredString = (value: unknown, path: string): string => {
  const text = optionalString(value, path)
  if (text === null || text === "") throw malformed(path, "missing (expected a non-empty string)")
  return text
}

/** A token count that may be absent (absent is 0). */
export const count = (value: unknown, path: string): number => {
  // JSON.stringify would print NaN and Infinity as "null": name them here.
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw malformed(path, `expected a number, got ${value}`)
  }
  return ProviderAdapter.readCount(PROVIDER, value, path)
}

/** A token count the API always sends: absent is malformed, not 0. */
export const requiredCount = (value: unknown, path: string): number => {
  if (value === undefined || value === null)
    throw malformed(path, "missing (expected a token count)")
  return count(value, path)
}

/** Unix seconds (`created`, `created_at`) as ISO 8601, or null when absent. */
export const unixSeconds = (value: unknown, path: string): string | null => {
  if (value === undefined || value === null) return null
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw malformed(path, `expected Unix seconds, got ${describe(value)}`)
  }
  return new Date(value * 1000).toISOString()
}

export interface Part {
  readonly field: string
  readonly count: number
}

/**
 * What is left of a total after the parts it includes (OpenAI's totals
 * include their details). Parts that add up to more than the total are
 * malformed, naming the part that overflowed: a bucket is never negative.
 */
export const remainder = (total: Part, parts: ReadonlyArray<Part>): number => {
  let used = 0
  const seen: Array<string> = []
  for (const part of parts) {
    if (part.count === 0) continue
    used += part.count
    seen.push(`${part.field} (${part.count})`)
    if (used > total.count) {
      const verb = seen.length > 1 ? "exceed" : "exceeds"
      throw malformed(
        part.field,
        `${seen.join(" + ")} ${verb} ${total.field} (${total.count}), which includes ${seen.length > 1 ? "them" : "it"}`,
      )
    }
  }
  return total.count - used
}
