/**
 * Settles OpenRouter calls against the generation-stats endpoint,
 * `GET {baseUrl}/api/v1/generation?id=<gen id>`: `data.total_cost` is what
 * OpenRouter finally charged. The stats are written shortly after the call,
 * so a 404 means "not yet" and the signal stays pending. On a BYOK generation
 * the upstream inference cost is added, as in `normalize` (see the README).
 */
import type { CostSignal } from "@agentcost/core"
import { HttpSettlement, Money, ProviderAdapter, SettlementSource } from "@agentcost/core"
import { Effect } from "effect"
import { PROVIDER, readUsd } from "./OpenRouterResponse.ts"

export const DEFAULT_BASE_URL = "https://openrouter.ai"

export interface GenerationSettlementOptions {
  /** Defaults to the `OPENROUTER_API_KEY` environment variable, read at lookup time. */
  readonly apiKey?: string | undefined
  readonly baseUrl?: string | undefined
  readonly fetch?: typeof globalThis.fetch | undefined
  /** Per lookup; defaults to `HttpSettlement.DEFAULT_TIMEOUT_MS`. */
  readonly timeoutMs?: number | undefined
}

const amountAt = (data: { readonly [key: string]: unknown }, key: string): Money.Decimal | null =>
  readUsd(data[key], (reason) => HttpSettlement.malformedAnswer(PROVIDER, `data.${key}`, reason))

/** The settled cost in one generation-stats answer; throws a not-retryable `SettlementError` naming the field. */
export const settledCost = (body: unknown): SettlementSource.SettledCost => {
  const data = ProviderAdapter.isRecord(body) ? body.data : undefined
  if (!ProviderAdapter.isRecord(data)) {
    throw HttpSettlement.malformedAnswer(
      PROVIDER,
      "data",
      "missing: expected { data: { total_cost, ... } }",
    )
  }
  const total = amountAt(data, "total_cost")
  if (total === null) throw HttpSettlement.malformedAnswer(PROVIDER, "data.total_cost", "missing")
  const byok = data.is_byok
  if (byok !== undefined && byok !== null && typeof byok !== "boolean") {
    throw HttpSettlement.malformedAnswer(
      PROVIDER,
      "data.is_byok",
      `expected a boolean, got ${JSON.stringify(byok)}`,
    )
  }
  const upstream = amountAt(data, "upstream_inference_cost")
  if (byok === true && upstream === null) {
    throw HttpSettlement.malformedAnswer(
      PROVIDER,
      "data.upstream_inference_cost",
      "missing on a BYOK generation: total_cost is only OpenRouter's fee, the upstream cost is unknown",
    )
  }
  return {
    amount: Money.format(byok === true && upstream ? total.plus(upstream) : total),
    currency: "USD",
    revision: HttpSettlement.answerRevision({
      total_cost: data.total_cost,
      upstream_inference_cost: data.upstream_inference_cost ?? null,
      is_byok: byok ?? null,
      cache_discount: data.cache_discount ?? null,
      usage: data.usage ?? null,
    }),
  }
}

export const generationSettlement = (
  options: GenerationSettlementOptions = {},
): SettlementSource.SettlementSource => {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "")
  return {
    provider: PROVIDER,
    accepts: (signal: CostSignal.CostSignal) =>
      signal.provider === PROVIDER && signal.provider_request_id !== null,
    lookup: Effect.fn("OpenRouter.generationSettlement.lookup")(function* (
      signal: CostSignal.CostSignal,
    ) {
      const apiKey = options.apiKey ?? process.env.OPENROUTER_API_KEY
      if (!apiKey) {
        return yield* new SettlementSource.SettlementError({
          provider: PROVIDER,
          reason: "no API key: pass openrouter({ apiKey }) or set OPENROUTER_API_KEY",
          retryable: false,
        })
      }
      const id = signal.provider_request_id ?? ""
      const body = yield* HttpSettlement.getJson({
        provider: PROVIDER,
        url: `${baseUrl}/api/v1/generation?id=${encodeURIComponent(id)}`,
        headers: { authorization: `Bearer ${apiKey}` },
        timeoutMs: options.timeoutMs,
        fetch: options.fetch,
      })
      if (body === null) return null
      return yield* Effect.try({
        try: () => settledCost(body),
        catch: (error) => error as SettlementSource.SettlementError,
      })
    }),
  }
}
