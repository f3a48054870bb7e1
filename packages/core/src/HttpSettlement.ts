/**
 * The HTTP half of a settlement source: one GET against a provider's
 * cost-reporting endpoint with the error semantics every source shares, so
 * each adapter only says where to look and how to read the answer.
 *
 * - 2xx: the parsed JSON body.
 * - 404: `null` — the provider has no answer for this id yet (cost lookups
 *   are written some time after the call), so the signal stays pending.
 * - 408, 429, 5xx, timeouts and network failures: retryable, with
 *   `retryAfterMs` from a `Retry-After` header (seconds or an HTTP date).
 * - Any other status, or a body that is not JSON: not retryable; the reason
 *   quotes the start of the body.
 */
import { createHash } from "node:crypto"
import { Clock, Effect } from "effect"
import { SettlementError } from "./SettlementSource.ts"

export const DEFAULT_TIMEOUT_MS = 10_000

export interface HttpLookup {
  readonly provider: string
  readonly url: string
  readonly headers?: { readonly [name: string]: string } | undefined
  /** The whole exchange (connect, headers and body) is aborted after this long. */
  readonly timeoutMs?: number | undefined
  /** Injected for tests and custom agents; defaults to the global `fetch`. */
  readonly fetch?: typeof globalThis.fetch | undefined
}

interface RawResponse {
  readonly status: number
  readonly retryAfter: string | null
  readonly text: string
}

/** How much of an unexpected body goes into an error message. */
const QUOTE_LIMIT = 200

export const quote = (text: string): string =>
  JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text)

/**
 * Milliseconds to wait from a `Retry-After` header value: delay-seconds or an
 * HTTP date (RFC 9110 §10.2.3). A date in the past is 0; anything else is
 * `undefined` (the caller's own backoff applies).
 */
export const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Only the IMF-fixdate shape ("Wed, 21 Oct 2015 07:28:00 GMT"), not whatever Date.parse accepts.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed))
    return undefined
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const transportError = (
  request: HttpLookup,
  timeoutMs: number,
  cause: unknown,
): SettlementError => {
  const name = cause instanceof Error ? cause.name : ""
  if (name === "TimeoutError") {
    return new SettlementError({
      provider: request.provider,
      reason: `no answer from ${request.url} within ${timeoutMs} ms`,
      retryable: true,
    })
  }
  const message = cause instanceof Error ? cause.message : String(cause)
  const detail =
    cause instanceof Error && cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
  return new SettlementError({
    provider: request.provider,
    reason: `request to ${request.url} failed (${message}${detail})`,
    retryable: true,
  })
}

/** GETs a provider's cost answer: the JSON body, `null` for 404, or a `SettlementError`. */
export const getJson = Effect.fn("HttpSettlement.getJson")(function* (request: HttpLookup) {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const fetchImpl = request.fetch ?? globalThis.fetch
  const response: RawResponse = yield* Effect.tryPromise({
    try: async (interrupted) => {
      const res = await fetchImpl(request.url, {
        method: "GET",
        headers: { accept: "application/json", ...request.headers },
        signal: AbortSignal.any([interrupted, AbortSignal.timeout(timeoutMs)]),
      })
      return {
        status: res.status,
        retryAfter: res.headers.get("retry-after"),
        text: await res.text(),
      }
    },
    catch: (cause) => transportError(request, timeoutMs, cause),
  })
  const { status } = response
  if (status === 404) return null
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.retryAfter, yield* Clock.currentTimeMillis)
    return yield* new SettlementError({
      provider: request.provider,
      reason: `${request.url} answered ${quote(response.text)}`,
      retryable: true,
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
  if (status < 200 || status >= 300) {
    return yield* new SettlementError({
      provider: request.provider,
      reason: `${request.url} refused the lookup: ${quote(response.text)}`,
      retryable: false,
      status,
    })
  }
  try {
    return JSON.parse(response.text) as unknown
  } catch {
    return yield* new SettlementError({
      provider: request.provider,
      reason: `${request.url} answered with a body that is not JSON: ${quote(response.text)}`,
      retryable: false,
      status,
    })
  }
})

/** A not-retryable error for a well-formed HTTP answer whose content is wrong, naming the field. */
export const malformedAnswer = (provider: string, field: string, reason: string): SettlementError =>
  new SettlementError({ provider, reason: `${field}: ${reason}`, retryable: false })

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === "object" && value !== null) {
    const record = value as { readonly [key: string]: unknown }
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, canonical(record[key])]),
    )
  }
  return value
}

/**
 * A stable revision for a provider answer: a hash of the fields that carry its
 * cost, independent of key order. The same answer twice is one revision; a
 * provider correction (any cost field changes) is a new one.
 */
export const answerRevision = (costFields: { readonly [field: string]: unknown }): string =>
  `sha256:${createHash("sha256")
    .update(JSON.stringify(canonical(costFields)))
    .digest("hex")
    .slice(0, 32)}`
