/**
 * Reading fields of a Gemini body. Every failure is a `MalformedResponse`
 * that names the field path (`usageMetadata.cacheTokensDetails[1].tokenCount`),
 * so a bad body is found in one read.
 */
import { ProviderAdapter } from "@agentcost/core"

export const PROVIDER = "google"

export type Fields = { readonly [key: string]: unknown }

export const malformed = (field: string, reason: string): ProviderAdapter.MalformedResponse =>
  new ProviderAdapter.MalformedResponse({ provider: PROVIDER, field, reason })

const describe = (value: unknown): string =>
  Array.isArray(value)
    ? "an array"
    : value === null
      ? "null"
      : (JSON.stringify(value) ?? typeof value)

/** `parent.key` as a path, or `key` at the top level. */
export const path = (parent: string, key: string): string => (parent ? `${parent}.${key}` : key)

export const record = (value: unknown, field: string): Fields => {
  if (!ProviderAdapter.isRecord(value)) {
    throw malformed(field, `expected an object, got ${describe(value)}`)
  }
  return value
}

export const optionalRecord = (value: unknown, field: string): Fields | null =>
  value === undefined || value === null ? null : record(value, field)

export const array = (value: unknown, field: string): ReadonlyArray<unknown> => {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw malformed(field, `expected an array, got ${describe(value)}`)
  return value
}

/** Absent is 0; anything but a whole non-negative number is malformed. */
export const count = (value: unknown, field: string): number =>
  ProviderAdapter.readCount(PROVIDER, value, field)

export const optionalString = (value: unknown, field: string): string | null => {
  if (value === undefined || value === null) return null
  if (typeof value !== "string") throw malformed(field, `expected a string, got ${describe(value)}`)
  return value
}

export const requiredString = (value: unknown, field: string): string => {
  const text = optionalString(value, field)
  if (!text) throw malformed(field, "missing")
  return text
}

/** An `{"error":{"code","message","status"}}` body (or stream chunk), quoted so the cause is visible. */
export const providerError = (body: Fields, at: string): ProviderAdapter.MalformedResponse =>
  malformed(
    path(at, "error"),
    `the API returned an error, not a response: ${JSON.stringify(body.error)}`,
  )
