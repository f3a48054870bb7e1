/**
 * Reading fields of a Gemini body, with core's reader: every failure is a
 * `MalformedResponse` naming the field path.
 */
import { type ProviderAdapter, ResponseFields } from "@agentcost/core"

export const PROVIDER = "google"

export type Fields = ResponseFields.Fields

const fields = ResponseFields.reader(PROVIDER)

export const malformed: (field: string, reason: string) => ProviderAdapter.MalformedResponse =
  fields.malformed

export const { record, optionalRecord, array, count, optionalString, requiredString } = fields

export const path = ResponseFields.path

/** An `{"error":{"code","message","status"}}` body (or stream chunk), quoted so the cause is visible. */
export const providerError = (body: Fields, at: string): ProviderAdapter.MalformedResponse =>
  malformed(
    path(at, "error"),
    `the API returned an error, not a response: ${JSON.stringify(body.error)}`,
  )
