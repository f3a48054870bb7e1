/**
 * The Message a raw body describes. Accepted, as the HTTP API returns them:
 * a Messages response (`"type": "message"`), a Message Batches result line
 * (`{ "custom_id", "result": { "type": "succeeded", "message" } }`), and the
 * events of a streamed response (an array, folded by `mergeStreamUsage`).
 * Error bodies and failed batch results are `MalformedResponse`s quoting the error.
 */
import { type Fields, malformed, providerError, record } from "./Fields.ts"
import { mergeStreamUsage } from "./StreamEvents.ts"

const STREAM_EVENTS = new Set([
  "message_start",
  "message_delta",
  "message_stop",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "ping",
])

const batchResult = (line: Fields): Fields => {
  const result = record(line.result, "result")
  switch (result.type) {
    case "succeeded":
      return record(result.message, "result.message")
    case "errored":
      throw providerError(record(result.error, "result.error"), "result")
    default:
      throw malformed(
        "result.type",
        `${JSON.stringify(result.type)}: the batch request was not processed, so there is no usage to price`,
      )
  }
}

export const messageBody = (raw: unknown): Fields => {
  if (Array.isArray(raw)) return mergeStreamUsage(raw)
  const body = record(raw, "")
  if (body.type === "message") return body
  if (body.type === "error") throw providerError(body, "")
  if (typeof body.custom_id === "string" && body.result !== undefined) return batchResult(body)
  if (typeof body.type === "string" && STREAM_EVENTS.has(body.type)) {
    throw malformed(
      "type",
      `a lone ${body.type} event is not a whole call (message_delta has neither model nor id); pass the stream's events from message_start on, or mergeStreamUsage(events)`,
    )
  }
  throw malformed("type", `expected "message", got ${JSON.stringify(body.type)}`)
}
