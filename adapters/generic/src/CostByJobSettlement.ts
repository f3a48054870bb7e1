/**
 * Settles a generic provider's calls against its "cost by job" endpoint, as
 * the config describes it: a URL template filled from the signal, and paths
 * to the amount, currency, revision and "is this final?" flag in the answer.
 * The HTTP semantics (404 → not yet, 429/5xx/timeouts retryable) are core's
 * `HttpSettlement`; this module only reads the answer.
 */
import type { CostSignal } from "@agentcost/core"
import { HttpSettlement, Money, ProviderAdapter, SettlementSource } from "@agentcost/core"
import { Effect } from "effect"
import { placeholders, type SettlementConfig, type UrlPlaceholder } from "./GenericConfig.ts"
import { lookup, pathOf, readAmount, type Spec } from "./GenericResponse.ts"

export interface CostByJobOptions {
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Where `{env.NAME}` header placeholders are read; defaults to `process.env`. */
  readonly env?: { readonly [name: string]: string | undefined } | undefined
}

/** Reads one answer of the endpoint; throws a not-retryable `SettlementError` naming the path. */
export const settledCost = (
  provider: string,
  settlement: SettlementConfig,
  body: unknown,
): SettlementSource.SettledCost | null => {
  const malformed = (field: string, reason: string) =>
    HttpSettlement.malformedAnswer(provider, field, reason)
  const read = (spec: Spec, field: string): unknown => {
    try {
      return lookup(provider, body, spec, field)
    } catch (error) {
      if (!(error instanceof ProviderAdapter.MalformedResponse)) throw error
      throw malformed(error.field, error.reason)
    }
  }

  if (settlement.final !== undefined) {
    const { final } = settlement
    const value = read(typeof final === "string" ? final : final.path, "settlement.final")
    if (typeof final === "string" && typeof value !== "boolean") {
      throw malformed(final, `expected true or false for final, got ${JSON.stringify(value)}`)
    }
    if (typeof final === "string" ? value === false : value !== final.equals) return null
  }

  const rawAmount = read(settlement.amount, "settlement.amount")
  if (rawAmount === undefined) return null
  const amount = readAmount(rawAmount)
  if (amount === null) {
    throw malformed(
      pathOf(settlement.amount),
      `expected a non-negative amount, got ${JSON.stringify(rawAmount)}`,
    )
  }
  const currency = read(settlement.currency, "settlement.currency")
  if (typeof currency !== "string" || !Money.isCurrency(currency)) {
    throw malformed(
      pathOf(settlement.currency),
      `expected an ISO 4217 currency, got ${JSON.stringify(currency)}`,
    )
  }
  let outcomeFee: string | undefined
  if (settlement.outcomeFee !== undefined) {
    const value = read(settlement.outcomeFee, "settlement.outcomeFee")
    if (value !== undefined) {
      const fee = readAmount(value)
      if (fee === null) {
        throw malformed(
          pathOf(settlement.outcomeFee),
          `expected a non-negative amount, got ${JSON.stringify(value)}`,
        )
      }
      outcomeFee = fee
    }
  }
  let revision: unknown
  if (settlement.revision !== undefined) {
    revision = read(settlement.revision, "settlement.revision")
    if (revision !== undefined && typeof revision !== "string" && typeof revision !== "number") {
      throw malformed(
        pathOf(settlement.revision),
        `expected a revision string or number, got ${JSON.stringify(revision)}`,
      )
    }
  }
  return {
    amount,
    currency,
    revision:
      revision === undefined
        ? HttpSettlement.answerRevision({
            amount: rawAmount,
            currency,
            outcomeFee: outcomeFee ?? null,
          })
        : String(revision),
    ...(outcomeFee === undefined ? {} : { outcomeFee }),
  }
}

const ENV_PLACEHOLDER = /\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/g

export const costByJobSettlement = (
  provider: string,
  settlement: SettlementConfig,
  options: CostByJobOptions = {},
): SettlementSource.SettlementSource => {
  const fields = placeholders(settlement.url) as ReadonlyArray<UrlPlaceholder>
  const placeholderValue = (signal: CostSignal.CostSignal, field: UrlPlaceholder): string | null =>
    signal[field] || null
  return {
    provider,
    accepts: (signal) =>
      signal.provider === provider &&
      fields.every((field) => placeholderValue(signal, field) !== null),
    lookup: Effect.fn("GenericAdapter.costByJobSettlement.lookup")(function* (
      signal: CostSignal.CostSignal,
    ) {
      const env = options.env ?? process.env
      const headers: Record<string, string> = {}
      for (const [name, template] of Object.entries(settlement.headers ?? {})) {
        let unset: string | undefined
        headers[name] = template.replace(ENV_PLACEHOLDER, (_, variable: string) => {
          const value = env[variable]
          if (value === undefined || value === "") unset = variable
          return value ?? ""
        })
        if (unset !== undefined) {
          return yield* new SettlementSource.SettlementError({
            provider,
            reason: `settlement.headers.${name}: environment variable ${unset} is not set`,
            retryable: false,
          })
        }
      }
      const url = settlement.url.replace(/\{([^{}]*)\}/g, (_, field: UrlPlaceholder) =>
        encodeURIComponent(placeholderValue(signal, field) ?? ""),
      )
      const body = yield* HttpSettlement.getJson({
        provider,
        url,
        headers,
        timeoutMs: settlement.timeoutMs,
        fetch: options.fetch,
      })
      if (body === null) return null
      return yield* Effect.try({
        try: () => settledCost(provider, settlement, body),
        catch: (error) => error as SettlementSource.SettlementError,
      })
    }),
  }
}
