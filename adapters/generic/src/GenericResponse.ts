/**
 * Reads a provider response by a generic config: each fact from its path (or
 * its constant). A configured path that is missing from the response is a
 * `MalformedResponse` naming the path, unless the config marks it optional;
 * a usage path that holds anything but a count is one too.
 */
import type { PriceBook } from "@agentcost/core"
import { Money, ProviderAdapter, Usage } from "@agentcost/core"
import type { CountSpec, GenericConfig, PathSpec, TextSpec, TimeSpec } from "./GenericConfig.ts"
import { resolve, segments } from "./JsonPath.ts"

export type Spec = PathSpec | TextSpec | CountSpec | TimeSpec

/** The value a spec points at: the constant, the value at its path, or `undefined` when optional and absent. */
export const lookup = (provider: string, raw: unknown, spec: Spec, field: string): unknown => {
  if (typeof spec === "object" && "value" in spec && spec.value !== undefined) return spec.value
  const path = typeof spec === "string" ? spec : spec.path!
  const resolved = resolve(raw, segments(path))
  if (resolved.found) return resolved.value
  if (typeof spec === "object" && spec.optional) return undefined
  throw new ProviderAdapter.MalformedResponse({
    provider,
    field: path,
    reason: `missing (${resolved.missing}); the config reads ${field} from it`,
  })
}

export const pathOf = (spec: Spec): string => (typeof spec === "string" ? spec : (spec.path ?? ""))

const isConstant = (spec: Spec): boolean =>
  typeof spec === "object" && "value" in spec && spec.value !== undefined

export const normalizeWith = (
  config: GenericConfig,
  raw: unknown,
  hints: ProviderAdapter.NormalizeHints = {},
): ProviderAdapter.NormalizedCall => {
  const { provider } = config
  const malformed = (spec: Spec, reason: string) =>
    new ProviderAdapter.MalformedResponse({ provider, field: pathOf(spec), reason })

  /** Ids and names: strings, or numbers written as text (many APIs number their jobs). */
  const text = (spec: Spec | undefined, field: string): string | null => {
    if (spec === undefined) return null
    const value = lookup(provider, raw, spec, field)
    if (value === undefined) return null
    if (typeof value === "string" && value !== "") return value
    if (typeof value === "number" && Number.isFinite(value)) return String(value)
    throw malformed(spec, `expected text for ${field}, got ${JSON.stringify(value)}`)
  }

  const usage: Record<string, number> = {}
  for (const [unit, spec] of Object.entries(config.usage)) {
    const value = lookup(provider, raw, spec, `usage.${unit}`)
    if (value === undefined) continue
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw malformed(
        spec,
        `expected a non-negative number for usage.${unit}, got ${JSON.stringify(value)}`,
      )
    }
    // Providers report fractional compute units; every other unit is a whole count.
    if (unit !== "compute_units" && !Number.isInteger(value)) {
      throw malformed(spec, `expected a whole count for usage.${unit}, got ${value}`)
    }
    usage[unit] = value
  }

  let reported: ProviderAdapter.ReportedCost | null = null
  if (config.reportedCost) {
    const value = lookup(provider, raw, config.reportedCost.amount, "reportedCost.amount")
    if (value !== undefined) {
      const amount = readAmount(value)
      if (amount === null) {
        throw malformed(
          config.reportedCost.amount,
          `expected a non-negative amount for reportedCost.amount, got ${JSON.stringify(value)}`,
        )
      }
      const currency = text(config.reportedCost.currency, "reportedCost.currency")
      if (currency === null || !Money.isCurrency(currency)) {
        throw malformed(
          config.reportedCost.currency,
          `expected an ISO 4217 currency for reportedCost.currency, got ${JSON.stringify(currency)}`,
        )
      }
      reported = { amount, currency }
    }
  }

  const attributes: Record<string, string> = {}
  for (const [name, spec] of Object.entries(config.attributes ?? {})) {
    const value = text(spec, `attributes.${name}`)
    if (value !== null) attributes[name] = value
  }

  const canonical = Usage.make(usage)
  const capabilities = new Set<PriceBook.Capability>(hints.capabilities ?? [])
  if (canonical.reasoning_tokens) capabilities.add("reasoning")
  if (canonical.tool_calls) capabilities.add("tool_use")
  if (canonical.web_search_requests) capabilities.add("web_search")
  if (canonical.rag_queries) capabilities.add("rag")

  const model = text(config.model, "model")
  if (model === null) throw malformed(config.model, "missing; the config reads model from it")
  // An account in the response is the call's own; a configured constant is only a default.
  const account =
    config.account === undefined || isConstant(config.account)
      ? (hints.providerAccount ?? text(config.account, "account"))
      : (text(config.account, "account") ?? hints.providerAccount ?? null)

  return {
    model,
    endpoint: hints.endpoint ?? text(config.endpoint, "endpoint"),
    usage: canonical,
    serviceTier: text(config.serviceTier, "serviceTier"),
    region: text(config.region, "region"),
    attributes,
    capabilities: [...capabilities],
    providerRequestId: text(config.requestId, "requestId"),
    providerAccount: account,
    providerReportedCost: reported,
    observedAt: observedAt(provider, raw, config.observedAt),
  }
}

/** A money amount as JSON carries it: a finite non-negative number or a plain decimal string. */
export const readAmount = (value: unknown): string | null => {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
    return Money.format(Money.decimal(value))
  }
  if (typeof value === "string" && Money.isDecimalString(value) && !value.startsWith("-")) {
    return Money.format(Money.decimal(value))
  }
  return null
}

const observedAt = (provider: string, raw: unknown, spec: TimeSpec | undefined): string | null => {
  if (spec === undefined) return null
  const value = lookup(provider, raw, spec, "observedAt")
  if (value === undefined) return null
  const epoch = typeof spec === "object" ? (spec.epoch ?? "seconds") : "seconds"
  const ms =
    typeof value === "number"
      ? value * (epoch === "seconds" ? 1000 : 1)
      : typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? Date.parse(value)
        : Number.NaN
  // Beyond ±8.64e15 ms a Date is invalid (ECMA-262 time range).
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw new ProviderAdapter.MalformedResponse({
      provider,
      field: pathOf(spec),
      reason: `expected an ISO 8601 timestamp or Unix ${epoch} for observedAt, got ${JSON.stringify(value)}`,
    })
  }
  return new Date(ms).toISOString()
}
