/**
 * Reading fields of an Anthropic body, with core's reader: every failure is a
 * `MalformedResponse` naming the field path.
 */
import { type ProviderAdapter, ResponseFields } from "@agentcost/core"

export const PROVIDER = "anthropic"

export type Fields = ResponseFields.Fields

export const {
  malformed,
  record,
  optionalRecord,
  array,
  count,
  requiredCount,
  optionalString,
  requiredString,
} = ResponseFields.reader(PROVIDER)

export const path = ResponseFields.path

/** An `{"type":"error","error":{...}}` body (or stream event), quoted so the cause is visible. */
export const providerError = (body: Fields, at: string): ProviderAdapter.MalformedResponse => {
  const requestId = typeof body.request_id === "string" ? ` (request_id ${body.request_id})` : ""
  return malformed(
    path(at, "error"),
    `the API returned an error, not a message: ${JSON.stringify(body.error)}${requestId}`,
  )
}
