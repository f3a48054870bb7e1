/**
 * Reading fields of an untrusted OpenAI body. Every reader takes the field's
 * full path in the raw input (`response.usage.input_tokens` inside a stream
 * event, `response.body.usage…` inside a Batch output line), so a
 * `MalformedResponse` always names the exact field that is wrong.
 */
import { type PriceBook, type ProviderAdapter, ResponseFields } from "@agentcost/core"

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

const fields = ResponseFields.reader(PROVIDER)

export const malformed: (field: string, reason: string) => ProviderAdapter.MalformedResponse =
  fields.malformed

export const { optionalString, requiredString, count, requiredCount, unixSeconds, remainder } =
  fields

export type Part = ResponseFields.Part

export const describe = ResponseFields.describe

/** The object at `path`, or undefined when absent or null. */
export const optionalObject = (value: unknown, path: string): Json | undefined =>
  fields.optionalRecord(value, path) ?? undefined

export const requiredObject = (value: unknown, path: string, missing: string): Json => {
  const record = fields.optionalRecord(value, path)
  if (record === null) throw malformed(path, missing)
  return record
}

/** The array at `path`; absent or null reads as empty. */
export const optionalArray = fields.array
