/**
 * Responses API bodies: a `response` object, as returned by `POST
 * /v1/responses` or carried by the stream's `response.completed` event.
 *
 * `input_tokens` includes cached reads and cache writes; `output_tokens`
 * includes reasoning tokens. Cache writes are split by retention when the
 * API reports it: 12-hour writes go to the long-TTL bucket
 * (`cache_write_1h_tokens`), 30-minute and unattributed writes to
 * `cache_write_tokens`. Hosted tool calls are counted from `output` items.
 */
import type { PriceBook } from "@agentcost/core"
import {
  count,
  describe,
  type Json,
  malformed,
  optionalArray,
  optionalObject,
  optionalString,
  type Part,
  type Reading,
  remainder,
  requiredCount,
  requiredObject,
  requiredString,
  unixSeconds,
} from "./ResponseFields.ts"

export const ENDPOINT = "responses"
export const OBJECT = "response"

/** Output items the application executes (hosted tools run at OpenAI and are counted apart). */
const CLIENT_TOOL_CALLS = new Set(["function_call", "custom_tool_call"])

export const read = (body: Json, prefix: string): Reading => {
  const at = (field: string) => `${prefix}${field}`
  const usage = optionalObject(body.usage, at("usage"))
  if (usage === undefined) {
    const status = typeof body.status === "string" ? body.status : "unknown"
    throw malformed(
      at("usage"),
      `missing: the response is ${status}; usage arrives with the response.completed event`,
    )
  }
  const inputDetails = optionalObject(usage.input_tokens_details, at("usage.input_tokens_details"))
  const outputDetails = optionalObject(
    usage.output_tokens_details,
    at("usage.output_tokens_details"),
  )
  const part = (details: Json | undefined, path: string, key: string): Part => {
    const field = at(`${path}.${key}`)
    return { field, count: count(details?.[key], field) }
  }
  const total = (key: string): Part => {
    const field = at(`usage.${key}`)
    return { field, count: requiredCount(usage[key], field) }
  }
  const cacheRead = part(inputDetails, "usage.input_tokens_details", "cached_tokens")
  const cacheWrite = part(inputDetails, "usage.input_tokens_details", "cache_write_tokens")
  const ttlPath = "usage.input_tokens_details.cache_write_tokens_details"
  const ttlDetails = optionalObject(inputDetails?.cache_write_tokens_details, at(ttlPath))
  const longWrite = part(ttlDetails, ttlPath, "ttl_12h_tokens")
  const shortWrite = part(ttlDetails, ttlPath, "ttl_30m_tokens")
  const reasoning = part(outputDetails, "usage.output_tokens_details", "reasoning_tokens")
  // Validates that the retention split fits inside the writes it splits.
  remainder(cacheWrite, [longWrite, shortWrite])

  const items = readOutput(body, at)
  const capabilities: Array<PriceBook.Capability> = []
  if (reasoning.count > 0) capabilities.push("reasoning")
  if (items.toolCalls > 0) capabilities.push("tool_use")
  if (items.webSearches > 0) capabilities.push("web_search")
  if (items.fileSearches > 0) capabilities.push("rag")

  return {
    model: requiredString(body.model, at("model")),
    endpoint: ENDPOINT,
    usage: {
      input_tokens: remainder(total("input_tokens"), [cacheRead, cacheWrite]),
      cache_read_tokens: cacheRead.count,
      cache_write_tokens: cacheWrite.count - longWrite.count,
      cache_write_1h_tokens: longWrite.count,
      output_tokens: remainder(total("output_tokens"), [reasoning]),
      reasoning_tokens: reasoning.count,
      web_search_requests: items.webSearches,
      rag_queries: items.fileSearches,
      // Observed, not charged: the calls the model asked the application to run.
      tool_calls: items.toolCalls,
    },
    serviceTier: optionalString(body.service_tier, at("service_tier")),
    providerRequestId: optionalString(body.id, at("id")),
    observedAt: unixSeconds(body.created_at, at("created_at")),
    capabilities,
  }
}

const readOutput = (body: Json, at: (field: string) => string) => {
  let webSearches = 0
  let fileSearches = 0
  let toolCalls = 0
  optionalArray(body.output, at("output")).forEach((item, index) => {
    const path = at(`output[${index}]`)
    const type = requiredObject(item, path, "expected an output item object").type
    if (typeof type !== "string")
      throw malformed(`${path}.type`, `expected a string, got ${describe(type)}`)
    if (type === "web_search_call") webSearches += 1
    else if (type === "file_search_call") fileSearches += 1
    else if (CLIENT_TOOL_CALLS.has(type)) toolCalls += 1
  })
  return { webSearches, fileSearches, toolCalls }
}
