/**
 * The cost signal (DESIGN.md §3, contract): the canonical record of one model
 * or tool call, priced. JSON field names are the contract; `encode`/`decode`
 * go through Schema so a malformed line names its field.
 */
import { hash } from "node:crypto"
import { Schema, SchemaIssue } from "effect"
import { decimal, format, isDecimalString } from "./Money.ts"
import { STRATEGIES } from "./PriceBook.ts"
import { type PricedUsage, type Pricer, UnpricedModel, UnpricedUnit } from "./PricingRegistry.ts"
import type { NormalizedCall } from "./ProviderAdapter.ts"
import { isIsoTimestamp, iso } from "./Timestamp.ts"
import * as Usage from "./Usage.ts"

const DecimalString = Schema.String.check(
  Schema.makeFilter(isDecimalString, { expected: 'a plain decimal string such as "0.0066"' }),
)
const Timestamp = Schema.String.check(
  Schema.makeFilter(isIsoTimestamp, { expected: "an ISO 8601 timestamp on a real calendar day" }),
)
const UsageRecord = Schema.Record(Schema.String, Schema.Number).check(
  Schema.makeFilter((record: { readonly [unit: string]: number }) => {
    try {
      Usage.make(record)
      return true
    } catch (error) {
      return (error as Usage.InvalidUsage).message
    }
  }),
)

export const COST_SOURCES = ["local", "provider"] as const
export type CostSource = (typeof COST_SOURCES)[number]
export const ATTEMPT_OUTCOMES = ["succeeded", "failed"] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/** How a pending signal's `base_cost` was estimated (null when nothing is pending). */
export const ESTIMATE_METHODS = [
  "compute_units_per_1k_tokens",
  "outcome_fee",
  "provider_lookup",
  "unpriced",
  "none",
] as const
export type EstimateMethod = (typeof ESTIMATE_METHODS)[number]

export const CostSignal = Schema.Struct({
  signal_id: Schema.String.check(Schema.isNonEmpty()),
  envelope_id: Schema.NullOr(Schema.String),
  tenant_id: Schema.NullOr(Schema.String),
  workflow_type: Schema.NullOr(Schema.String),
  resource_id: Schema.NullOr(Schema.String),
  provider: Schema.String.check(Schema.isNonEmpty()),
  provider_account: Schema.NullOr(Schema.String),
  model: Schema.String,
  endpoint: Schema.NullOr(Schema.String),
  strategy: Schema.NullOr(Schema.Literals(STRATEGIES)),
  usage: UsageRecord,
  /** Null only when nothing could be priced (UnpricedModel): unknown, never $0. */
  base_cost: Schema.NullOr(DecimalString),
  currency: Schema.String,
  cost_source: Schema.Literals(COST_SOURCES),
  pending_cost: Schema.Boolean,
  estimate_method: Schema.NullOr(Schema.Literals(ESTIMATE_METHODS)),
  cost_components: Schema.Record(Schema.String, DecimalString),
  fallbacks: Schema.Array(Schema.String),
  provider_request_id: Schema.NullOr(Schema.String),
  provider_invoice_id: Schema.NullOr(Schema.String),
  operation_id: Schema.NullOr(Schema.String),
  attempt: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)),
  attempt_outcome: Schema.Literals(ATTEMPT_OUTCOMES),
  price_ref: Schema.NullOr(Schema.String),
  observed_at: Timestamp,
  /** Why the signal is not fully priced (UnpricedModel / UnpricedUnit), for reports and alerts. */
  pricing_error: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** Capabilities the call used; they select surcharges and re-pricing needs them. */
  capabilities: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Adapter attributes (service tier, region, routing path) that selected tiers. */
  attributes: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
})
export type CostSignal = typeof CostSignal.Type

export class InvalidSignal extends Schema.TaggedError<InvalidSignal>()("InvalidSignal", {
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.path ? `${this.path}: ` : ""}${this.reason}`
  }
}

// -- the fast check ---------------------------------------------------------------
// The schema's rules written out as plain checks, about twenty times cheaper:
// ingesting a million signals decodes each. A "no" proves nothing; decode then
// runs the schema for the message. `CostSignal.wellFormed.test.ts` checks the
// two against each other on generated inputs.

type Check = (value: unknown) => boolean

const string: Check = (v) => typeof v === "string"
const nonEmpty: Check = (v) => typeof v === "string" && v.length > 0
const nullOr =
  (check: Check): Check =>
  (v) =>
    v === null || check(v)
const oneOf = (values: ReadonlyArray<string>): Check => {
  const set = new Set<unknown>(values)
  return (v) => set.has(v)
}
const decimalString: Check = (v) => typeof v === "string" && isDecimalString(v)
const timestamp: Check = (v) => typeof v === "string" && isIsoTimestamp(v)

/** A plain JSON object (what JSON.parse makes), every value passing `check`. */
const recordOf =
  (check: Check): Check =>
  (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false
    if (Object.getPrototypeOf(v) !== Object.prototype) return false
    for (const key of Object.keys(v)) {
      if (key === "__proto__" || !check((v as Record<string, unknown>)[key])) return false
    }
    return true
  }
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check)

const usage: Check = (v) => {
  if (!recordOf((count) => typeof count === "number")(v)) return false
  try {
    Usage.make(v as Record<string, number>)
    return true
  } catch {
    return false
  }
}

const REQUIRED: ReadonlyArray<readonly [string, Check]> = [
  ["signal_id", nonEmpty],
  ["envelope_id", nullOr(string)],
  ["tenant_id", nullOr(string)],
  ["workflow_type", nullOr(string)],
  ["resource_id", nullOr(string)],
  ["provider", nonEmpty],
  ["provider_account", nullOr(string)],
  ["model", string],
  ["endpoint", nullOr(string)],
  ["strategy", nullOr(oneOf(STRATEGIES))],
  ["usage", usage],
  ["base_cost", nullOr(decimalString)],
  ["currency", string],
  ["cost_source", oneOf(COST_SOURCES)],
  ["pending_cost", (v) => typeof v === "boolean"],
  ["estimate_method", nullOr(oneOf(ESTIMATE_METHODS))],
  ["cost_components", recordOf(decimalString)],
  ["fallbacks", arrayOf(string)],
  ["provider_request_id", nullOr(string)],
  ["provider_invoice_id", nullOr(string)],
  ["operation_id", nullOr(string)],
  ["attempt", (v) => Number.isSafeInteger(v) && (v as number) >= 1],
  ["attempt_outcome", oneOf(ATTEMPT_OUTCOMES)],
  ["price_ref", nullOr(string)],
  ["observed_at", timestamp],
]

const OPTIONAL: ReadonlyArray<readonly [string, Check]> = [
  ["pricing_error", nullOr(string)],
  ["capabilities", arrayOf(string)],
  ["attributes", recordOf(string)],
]

const KNOWN = new Set([...REQUIRED, ...OPTIONAL].map(([key]) => key))

/** True only if the schema decode would succeed; false when unsure (then decode names the problem). */
export const isWellFormed = (input: unknown): boolean => {
  if (
    typeof input !== "object" ||
    input === null ||
    Object.getPrototypeOf(input) !== Object.prototype
  )
    return false
  const value = input as Record<string, unknown>
  let present = 0
  for (const key in value) {
    if (!Object.hasOwn(value, key) || !KNOWN.has(key)) return false
    present++
  }
  for (const [key, check] of REQUIRED) {
    if (!Object.hasOwn(value, key) || !check(value[key])) return false
  }
  let optional = 0
  for (const [key, check] of OPTIONAL) {
    if (!Object.hasOwn(value, key)) continue
    if (!check(value[key])) return false
    optional++
  }
  return present === REQUIRED.length + optional
}

const decodeResult = Schema.decodeUnknownResult(CostSignal, {
  onExcessProperty: "error",
  errors: "first",
})
const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Decodes a JSON value into a signal; throws `InvalidSignal` naming the field. */
export const decode = (input: unknown): CostSignal => {
  if (isWellFormed(input)) return input as CostSignal
  const result = decodeResult(input)
  if (result._tag === "Success") return result.success
  const leaf = formatter(result.failure.issue).issues[0]
  const path = (leaf?.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".")
  const reason =
    leaf?.message === "Expected no excess property"
      ? "unknown field"
      : (leaf?.message ?? "not a cost signal")
  throw new InvalidSignal({ path, reason })
}

/** Whether the schema alone accepts `input` (tests hold the fast check to it). */
export const decodesBySchema = (input: unknown): boolean => decodeResult(input)._tag === "Success"

/** The JSON form (already plain: every money field is a decimal string). */
export const encode = (signal: CostSignal): CostSignal => signal

/**
 * The idempotency key: `{provider}:{provider_request_id}` when the provider
 * gives an id (unique per attempt), else a hash of where the call sits in its
 * run — never random, so two integrations observing one call collapse.
 */
export const signalId = (input: {
  readonly provider: string
  readonly providerRequestId: string | null | undefined
  readonly envelopeId: string | null | undefined
  readonly operationId: string | null | undefined
  readonly attempt: number
  readonly callIndex: number
}): string => {
  if (input.providerRequestId) return `${input.provider}:${input.providerRequestId}`
  const digest = hash(
    "sha256",
    `${input.envelopeId ?? ""}\u0000${input.operationId ?? ""}\u0000${input.attempt}\u0000${input.callIndex}`,
    "hex",
  )
  return `${input.provider}:h_${digest.slice(0, 32)}`
}

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Where a call sits: the envelope, operation and attempt it belongs to. */
export interface CallContext {
  readonly envelopeId?: string | null | undefined
  readonly tenantId?: string | null | undefined
  readonly workflowType?: string | null | undefined
  readonly resourceId?: string | null | undefined
  readonly operationId?: string | null | undefined
  readonly attempt?: number | undefined
  readonly attemptOutcome?: AttemptOutcome | undefined
  /** Position of the call in its envelope, for the hashed `signal_id` when the provider gives no id. */
  readonly callIndex?: number | undefined
  /** Call time in epoch ms; defaults to the response's own timestamp. */
  readonly at?: number | undefined
}

/**
 * Prices one normalized call into a signal. Never throws for a price problem:
 * an unknown model gives `base_cost: null`, a unit without a price a lower
 * bound; both are `pending_cost: true` with `pricing_error` saying why.
 */
export const fromCall = (
  pricer: Pricer,
  provider: string,
  call: NormalizedCall,
  context: CallContext,
  now: number,
): CostSignal => {
  const at = context.at ?? (call.observedAt ? Date.parse(call.observedAt) : now)
  // Adapters already give canonical ISO; formatting it again is a tenth of the per-call time.
  const observedAt =
    context.at === undefined && call.observedAt !== null && CANONICAL_ISO.test(call.observedAt)
      ? call.observedAt
      : iso(at)
  const attempt = context.attempt ?? 1
  const pricingInput = {
    provider: call.pricingProvider ?? provider,
    model: call.model,
    endpoint: call.endpoint,
    at,
    usage: call.usage,
    serviceTier: call.serviceTier,
    region: call.region,
    attributes: call.attributes,
    capabilities: call.capabilities,
  }
  let priced: PricedUsage | null = null
  let pricingError: string | null = null
  try {
    priced = pricer.price(pricingInput)
    // A provider-reported cost replaces the local price, and its error with it.
    if (priced.unpricedUnits.length > 0 && !call.providerReportedCost) {
      pricingError = new UnpricedUnit({
        priceRef: priced.priceRef,
        units: [...priced.unpricedUnits],
      }).message
    }
  } catch (error) {
    if (!(error instanceof UnpricedModel)) throw error
    pricingError = error.message
  }
  const reported = call.providerReportedCost
  const signal: Mutable<CostSignal> = {
    signal_id: signalId({
      provider,
      providerRequestId: call.providerRequestId,
      envelopeId: context.envelopeId,
      operationId: context.operationId,
      attempt,
      callIndex: context.callIndex ?? 0,
    }),
    envelope_id: context.envelopeId ?? null,
    tenant_id: context.tenantId ?? null,
    workflow_type: context.workflowType ?? null,
    resource_id: context.resourceId ?? null,
    provider,
    provider_account: call.providerAccount,
    model: call.model,
    endpoint: call.endpoint,
    strategy: priced?.strategy ?? null,
    usage: call.usage,
    base_cost: priced ? priced.baseCost : null,
    currency: priced?.currency ?? reported?.currency ?? "USD",
    cost_source: "local",
    pending_cost: priced ? priced.pending : true,
    estimate_method: priced ? priced.estimateMethod : "unpriced",
    cost_components: priced ? priced.components : {},
    fallbacks: priced ? priced.fallbacks : [],
    provider_request_id: call.providerRequestId,
    provider_invoice_id: null,
    operation_id: context.operationId ?? null,
    attempt,
    attempt_outcome: context.attemptOutcome ?? "succeeded",
    price_ref: priced?.priceRef ?? null,
    observed_at: observedAt,
    pricing_error: pricingError,
    // Shared, not copied: a signal is immutable, and so is the call it was priced from.
    capabilities: call.capabilities,
    attributes:
      call.serviceTier || call.region
        ? {
            ...call.attributes,
            ...(call.serviceTier ? { service_tier: call.serviceTier } : {}),
            ...(call.region ? { region: call.region } : {}),
          }
        : call.attributes,
  }
  if (reported) {
    // The provider's number is the cost; the local estimate stays beside it for comparison.
    signal.cost_source = "provider"
    signal.base_cost = format(decimal(reported.amount))
    signal.currency = reported.currency
    signal.cost_components = {
      provider_reported: signal.base_cost,
      ...(priced && priced.unpricedUnits.length === 0 ? { local_estimate: priced.baseCost } : {}),
    }
    const outcomePending = priced?.strategy === "OUTCOME_BASED" || priced?.strategy === "HYBRID"
    signal.pending_cost = outcomePending
    signal.estimate_method = outcomePending ? "outcome_fee" : null
    signal.pricing_error = null
  }
  return signal
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
