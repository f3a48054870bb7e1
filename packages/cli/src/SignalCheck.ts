/**
 * A fast yes for the common, well-formed cost signal line: the same rules as
 * core's `CostSignal.decode` (its schema, with excess properties refused),
 * written out as plain checks, about twenty times cheaper than running the
 * schema. A no proves nothing: the caller decodes, for the error message.
 * `SignalCheck.test.ts` checks it against the decoder on generated inputs.
 */
import { CostSignal, Money, PriceBook, Usage } from "@agentcost/core"

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
const decimalString: Check = (v) => typeof v === "string" && Money.isDecimalString(v)
const timestamp: Check = (v) =>
  typeof v === "string" && !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v)

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
  ["strategy", nullOr(oneOf(PriceBook.STRATEGIES))],
  ["usage", usage],
  ["base_cost", nullOr(decimalString)],
  ["currency", string],
  ["cost_source", oneOf(CostSignal.COST_SOURCES)],
  ["pending_cost", (v) => typeof v === "boolean"],
  ["estimate_method", nullOr(oneOf(CostSignal.ESTIMATE_METHODS))],
  ["cost_components", recordOf(decimalString)],
  ["fallbacks", arrayOf(string)],
  ["provider_request_id", nullOr(string)],
  ["provider_invoice_id", nullOr(string)],
  ["operation_id", nullOr(string)],
  ["attempt", (v) => Number.isSafeInteger(v) && (v as number) >= 1],
  ["attempt_outcome", oneOf(CostSignal.ATTEMPT_OUTCOMES)],
  ["price_ref", nullOr(string)],
  ["observed_at", timestamp],
]

const OPTIONAL: ReadonlyArray<readonly [string, Check]> = [
  ["pricing_error", nullOr(string)],
  ["capabilities", arrayOf(string)],
  ["attributes", recordOf(string)],
]

const KNOWN = new Set([...REQUIRED, ...OPTIONAL].map(([key]) => key))

/** True only if `CostSignal.decode(value)` succeeds; false when unsure. */
export const isWellFormedSignal = (value: Record<string, unknown>): boolean => {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false
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
