/**
 * Reading fields of an untrusted provider response. Every reader takes the
 * field's full path (`usage.cache_creation.ephemeral_1h_input_tokens`), so a
 * `MalformedResponse` always names the exact field that is wrong. Adapters
 * build one reader for their provider and share it across their modules.
 */
import { isRecord, MalformedResponse, readCount } from "./ProviderAdapter.ts"

export type Fields = { readonly [key: string]: unknown }

export interface Part {
  readonly field: string
  readonly count: number
}

/** `parent.key` as a path, or `key` at the top level. */
export const path = (parent: string, key: string): string => (parent ? `${parent}.${key}` : key)

export const describe = (value: unknown): string =>
  value === undefined
    ? "nothing"
    : Array.isArray(value)
      ? "an array"
      : value === null
        ? "null"
        : (JSON.stringify(value) ?? typeof value)

export const reader = (provider: string) => {
  const malformed = (field: string, reason: string): MalformedResponse =>
    new MalformedResponse({ provider, field, reason })

  const optionalRecord = (value: unknown, field: string): Fields | null => {
    if (value === undefined || value === null) return null
    if (!isRecord(value)) throw malformed(field, `expected an object, got ${describe(value)}`)
    return value
  }

  const optionalString = (value: unknown, field: string): string | null => {
    if (value === undefined || value === null) return null
    if (typeof value !== "string")
      throw malformed(field, `expected a string, got ${describe(value)}`)
    return value
  }

  /** A count that may be absent (absent is 0); anything but a whole non-negative number is malformed. */
  const count = (value: unknown, field: string): number => readCount(provider, value, field)

  return {
    malformed,
    optionalRecord,
    record: (value: unknown, field: string): Fields => {
      const found = optionalRecord(value, field)
      if (found === null) throw malformed(field, `expected an object, got ${describe(value)}`)
      return found
    },
    /** Absent or null reads as empty. */
    array: (value: unknown, field: string): ReadonlyArray<unknown> => {
      if (value === undefined || value === null) return []
      if (!Array.isArray(value)) throw malformed(field, `expected an array, got ${describe(value)}`)
      return value
    },
    optionalString,
    requiredString: (value: unknown, field: string): string => {
      const text = optionalString(value, field)
      if (!text) throw malformed(field, "missing")
      return text
    },
    count,
    /** A count the API always sends: absent is malformed, not 0. */
    requiredCount: (value: unknown, field: string): number => {
      if (value === undefined || value === null) throw malformed(field, "missing")
      return count(value, field)
    },
    /** Unix seconds (`created`) as ISO 8601, or null when absent. */
    unixSeconds: (value: unknown, field: string): string | null => {
      if (value === undefined || value === null) return null
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        throw malformed(field, `expected Unix seconds, got ${describe(value)}`)
      }
      return new Date(value * 1000).toISOString()
    },
    /**
     * What is left of a total after the parts it includes (providers whose
     * totals include their details). Parts adding up to more than the total
     * are malformed, naming the part that overflowed: a bucket is never negative.
     */
    remainder: (total: Part, parts: ReadonlyArray<Part>): number => {
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
    },
  }
}

export type Reader = ReturnType<typeof reader>
