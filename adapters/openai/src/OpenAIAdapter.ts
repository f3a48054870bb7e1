/**
 * The OpenAI provider adapter: finds the billable body in whatever the caller
 * captured (a plain response, a stream's final event, a Batch output line),
 * rejects error bodies with OpenAI's own message, and hands the body to the
 * reader for its endpoint.
 */
import { type PriceBook, ProviderAdapter, Usage } from "@agentcost/core"
import * as ChatCompletions from "./ChatCompletions.ts"
import { defaultPrices } from "./DefaultPrices.ts"
import {
  describe,
  type Json,
  malformed,
  optionalString,
  PROVIDER,
  type Reading,
  requiredObject,
} from "./ResponseFields.ts"
import * as Responses from "./Responses.ts"

export interface OpenAIOptions {
  /** The organization/project the calls are billed to; a per-call hint wins over it. */
  readonly providerAccount?: string | undefined
}

/** Responses stream events whose `response` carries the final usage. */
const TERMINAL_EVENTS = new Set(["response.completed", "response.incomplete", "response.failed"])

interface Located {
  readonly body: Json
  /** Path of `body` inside the raw input, so errors name the real field. */
  readonly prefix: string
  /** Set when the envelope, not the body, says how the call was served. */
  readonly serviceTier?: string
  readonly attributes: { readonly [key: string]: string }
}

/** An `{ "error": {...} }` body (or a failed response without usage) is not a billable call. */
const rejectError = (body: Json, prefix: string): void => {
  if (body.usage !== undefined && body.usage !== null) return
  const error = body.error
  if (!ProviderAdapter.isRecord(error)) return
  const message = typeof error.message === "string" ? error.message : JSON.stringify(error)
  const kind = [error.type, error.code].filter((v) => typeof v === "string").join(", ")
  throw malformed(
    `${prefix}error`,
    `OpenAI returned an error, not a billable response: "${message}"${kind ? ` (${kind})` : ""}`,
  )
}

const locate = (raw: unknown): Located => {
  if (!ProviderAdapter.isRecord(raw)) {
    throw malformed("", `expected an OpenAI response body (a JSON object), got ${describe(raw)}`)
  }
  rejectError(raw, "")
  // A Batch API output line: { id, custom_id, response: { status_code, body }, error }.
  if (raw.custom_id !== undefined && raw.response !== undefined) {
    const response = requiredObject(
      raw.response,
      "response",
      "missing: a Batch output line carries a response or an error",
    )
    const body = requiredObject(response.body, "response.body", "missing: no response body")
    rejectError(body, "response.body.")
    const customId = optionalString(raw.custom_id, "custom_id")
    return {
      body,
      prefix: "response.body.",
      serviceTier: "batch",
      attributes: customId === null ? {} : { batch_custom_id: customId },
    }
  }
  if (typeof raw.type === "string") {
    if (raw.type === "error") {
      const message = typeof raw.message === "string" ? raw.message : JSON.stringify(raw)
      throw malformed(
        "type",
        `OpenAI streamed an error event, not a billable response: "${message}"`,
      )
    }
    if (TERMINAL_EVENTS.has(raw.type)) {
      const body = requiredObject(raw.response, "response", `missing in the ${raw.type} event`)
      rejectError(body, "response.")
      return { body, prefix: "response.", attributes: {} }
    }
    if (raw.type.startsWith("response.")) {
      throw malformed(
        "type",
        `the ${raw.type} event carries no usage; pass response.completed (or response.incomplete / response.failed)`,
      )
    }
  }
  return { body: raw, prefix: "", attributes: {} }
}

/** The body's `object`, or the one the caller's endpoint implies when a proxy dropped it. */
const objectOf = (body: Json, hints: ProviderAdapter.NormalizeHints | undefined): unknown => {
  if (body.object !== undefined) return body.object
  if (hints?.endpoint === ChatCompletions.ENDPOINT) return "chat.completion"
  if (hints?.endpoint === Responses.ENDPOINT) return Responses.OBJECT
  return undefined
}

const readBody = (located: Located, hints: ProviderAdapter.NormalizeHints | undefined): Reading => {
  const { body, prefix } = located
  const object = objectOf(body, hints)
  if (typeof object === "string" && ChatCompletions.OBJECTS.includes(object)) {
    return ChatCompletions.read(body, prefix)
  }
  if (object === Responses.OBJECT) return Responses.read(body, prefix)
  throw malformed(
    `${prefix}object`,
    `expected "chat.completion", "chat.completion.chunk" or "response", got ${describe(object)}`,
  )
}

const union = (
  found: ReadonlyArray<PriceBook.Capability>,
  hinted: ReadonlyArray<PriceBook.Capability> | undefined,
): ReadonlyArray<PriceBook.Capability> => [...new Set([...found, ...(hinted ?? [])])]

/**
 * The OpenAI adapter (provider id `"openai"`) for Chat Completions and the
 * Responses API, with the default price book.
 */
export const openai = (options: OpenAIOptions = {}): ProviderAdapter.ProviderAdapter => ({
  provider: PROVIDER,
  defaultPrices,
  normalize: (raw, hints) => {
    const located = locate(raw)
    const reading = readBody(located, hints)
    return {
      model: reading.model,
      endpoint: reading.endpoint,
      usage: Usage.make(reading.usage),
      serviceTier: located.serviceTier ?? reading.serviceTier,
      region: null,
      attributes: located.attributes,
      capabilities: union(reading.capabilities, hints?.capabilities),
      providerRequestId: reading.providerRequestId,
      providerAccount: hints?.providerAccount ?? options.providerAccount ?? null,
      providerReportedCost: null,
      observedAt: reading.observedAt,
    }
  },
})
