/**
 * The response a raw Gemini body describes: a `generateContent` response, the
 * final chunk of `streamGenerateContent`, or the stream's chunks as the JSON
 * array the REST API returns (folded by `mergeStreamChunks`). An error body
 * `{"error":{"code","message","status"}}` is a `MalformedResponse` quoting it.
 */
import { type Fields, providerError, record } from "./Fields.ts"
import { mergeStreamChunks } from "./StreamChunks.ts"

export interface ResponseBody {
  readonly body: Fields
  readonly streamed: boolean
}

export const responseBody = (raw: unknown): ResponseBody => {
  if (Array.isArray(raw)) return { body: mergeStreamChunks(raw), streamed: true }
  const body = record(raw, "")
  if (body.error !== undefined) throw providerError(body, "")
  return { body, streamed: false }
}
