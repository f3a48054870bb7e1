/**
 * The provider adapter plugin contract (DESIGN.md §4). An adapter is the only
 * code that knows a provider's response formats: it turns one raw response
 * (as the provider's HTTP API returned it) into canonical usage and facts the
 * pricing registry needs. Plain synchronous functions, so an adapter is a page
 * of code and costs nothing on the per-call path.
 */
import { Schema } from "effect"
import type { Capability, PriceBookFile } from "./PriceBook.ts"
import type { SettlementSource } from "./SettlementSource.ts"
import type { Usage } from "./Usage.ts"

export interface NormalizeHints {
  /** The endpoint the caller used when the response does not say (e.g. "chat.completions"). */
  readonly endpoint?: string | undefined
  /** The provider account/project/key the call was made with, when the response does not say. */
  readonly providerAccount?: string | undefined
  /** Capabilities the integration saw (a retriever ran, tools were offered). */
  readonly capabilities?: ReadonlyArray<Capability> | undefined
}

export interface ReportedCost {
  /** Plain decimal string. */
  readonly amount: string
  readonly currency: string
}

export interface NormalizedCall {
  /** The served model id, as the provider reports it (may carry a date suffix). */
  readonly model: string
  readonly endpoint: string | null
  readonly usage: Usage
  readonly serviceTier: string | null
  readonly region: string | null
  /** Further facts for price conditions: context window, traffic type, routing path. */
  readonly attributes: { readonly [key: string]: string }
  readonly capabilities: ReadonlyArray<Capability>
  readonly providerRequestId: string | null
  readonly providerAccount: string | null
  /** What the provider says the call cost, when it says (OpenRouter's `usage.cost`). */
  readonly providerReportedCost: ReportedCost | null
  /** The response's own timestamp (ISO), used as the call time when none is given. */
  readonly observedAt: string | null
  /** For routers (OpenRouter): the provider whose price book prices the call locally. */
  readonly pricingProvider?: string | undefined
}

/** A normalized call with only what matters spelled out: no tier, region, ids or reported cost. */
export const normalizedCall = (
  model: string,
  usage: Usage,
  overrides: Partial<NormalizedCall> = {},
): NormalizedCall => ({
  model,
  endpoint: null,
  usage,
  serviceTier: null,
  region: null,
  attributes: {},
  capabilities: [],
  providerRequestId: null,
  providerAccount: null,
  providerReportedCost: null,
  observedAt: null,
  ...overrides,
})

export interface ProviderAdapter {
  readonly provider: string
  /** Throws `MalformedResponse` naming the field when `raw` is not this provider's shape. */
  readonly normalize: (raw: unknown, hints?: NormalizeHints) => NormalizedCall
  /** The price book shipped with the adapter; user entries always win over it. */
  readonly defaultPrices: PriceBookFile
  readonly settlement?: SettlementSource | undefined
}

export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()(
  "MalformedResponse",
  {
    provider: Schema.String,
    field: Schema.String,
    reason: Schema.String,
  },
) {
  override get message() {
    return `${this.provider} response: ${this.field ? `${this.field}: ` : ""}${this.reason}`
  }
}

/** Reads a count at `field` for adapters: absent is 0; anything but a finite non-negative integer is `MalformedResponse`. */
export const readCount = (provider: string, value: unknown, field: string): number => {
  if (value === undefined || value === null) return 0
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new MalformedResponse({
      provider,
      field,
      reason: `expected a number, got ${typeof value === "number" ? value : JSON.stringify(value)}`,
    })
  }
  if (value < 0 || !Number.isInteger(value)) {
    throw new MalformedResponse({
      provider,
      field,
      reason: `expected a whole non-negative count, got ${value}`,
    })
  }
  return value
}

export const isRecord = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)
