/**
 * Chat Completions bodies: `chat.completion` and the final
 * `chat.completion.chunk` of a stream (the one with `usage`, sent when the
 * request sets `stream_options.include_usage`).
 *
 * OpenAI's totals include their details: `prompt_tokens` includes cached
 * reads, cache writes, audio and image tokens; `completion_tokens` includes
 * reasoning and audio tokens. The canonical buckets are what is left after
 * taking each detail out, so every token lands in exactly one bucket.
 */
import type { PriceBook } from "@agentcost/core"
import {
  count,
  type Json,
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

export const ENDPOINT = "chat.completions"
export const OBJECTS: ReadonlyArray<string> = ["chat.completion", "chat.completion.chunk"]

export const read = (body: Json, prefix: string): Reading => {
  const at = (field: string) => `${prefix}${field}`
  const usage = requiredObject(
    body.usage,
    at("usage"),
    body.object === "chat.completion.chunk"
      ? "missing: only the last chunk of a stream carries usage, and only when the request sets stream_options.include_usage"
      : "missing: a chat completion without usage cannot be priced",
  )
  const promptDetails = optionalObject(
    usage.prompt_tokens_details,
    at("usage.prompt_tokens_details"),
  )
  const completionDetails = optionalObject(
    usage.completion_tokens_details,
    at("usage.completion_tokens_details"),
  )
  const total = (key: string): Part => {
    const field = at(`usage.${key}`)
    return { field, count: requiredCount(usage[key], field) }
  }
  const detail = (details: Json | undefined, group: string, key: string): Part => {
    const field = at(`usage.${group}.${key}`)
    return { field, count: count(details?.[key], field) }
  }
  const cacheRead = detail(promptDetails, "prompt_tokens_details", "cached_tokens")
  const cacheWrite = detail(promptDetails, "prompt_tokens_details", "cache_write_tokens")
  const audioIn = detail(promptDetails, "prompt_tokens_details", "audio_tokens")
  const imageIn = detail(promptDetails, "prompt_tokens_details", "image_tokens")
  const reasoning = detail(completionDetails, "completion_tokens_details", "reasoning_tokens")
  const audioOut = detail(completionDetails, "completion_tokens_details", "audio_tokens")

  const capabilities: Array<PriceBook.Capability> = []
  if (reasoning.count > 0) capabilities.push("reasoning")
  const toolCalls = countToolCalls(body, at)
  if (toolCalls > 0) capabilities.push("tool_use")

  return {
    model: requiredString(body.model, at("model")),
    endpoint: ENDPOINT,
    usage: {
      input_tokens: remainder(total("prompt_tokens"), [cacheRead, cacheWrite, audioIn, imageIn]),
      cache_read_tokens: cacheRead.count,
      cache_write_tokens: cacheWrite.count,
      input_audio_tokens: audioIn.count,
      input_image_tokens: imageIn.count,
      // Predicted-output tokens (accepted and rejected) stay here: billed as output.
      output_tokens: remainder(total("completion_tokens"), [reasoning, audioOut]),
      reasoning_tokens: reasoning.count,
      output_audio_tokens: audioOut.count,
      // Observed, not charged: the calls the model asked the application to run.
      tool_calls: toolCalls,
    },
    serviceTier: optionalString(body.service_tier, at("service_tier")),
    providerRequestId: optionalString(body.id, at("id")),
    observedAt: unixSeconds(body.created, at("created")),
    capabilities,
  }
}

/** Tool (or legacy function) calls the choices ask for; a stream's final chunk has none. */
const countToolCalls = (body: Json, at: (field: string) => string): number =>
  optionalArray(body.choices, at("choices")).reduce<number>((sum, choice, index) => {
    const path = at(`choices[${index}]`)
    const record = requiredObject(choice, path, "expected a choice object")
    const key = record.message === undefined ? "delta" : "message"
    const message = optionalObject(record[key], `${path}.${key}`)
    if (message === undefined) return sum
    const toolCalls = optionalArray(message.tool_calls, `${path}.${key}.tool_calls`)
    const legacy = message.function_call !== undefined && message.function_call !== null
    return sum + toolCalls.length + (legacy ? 1 : 0)
  }, 0)
