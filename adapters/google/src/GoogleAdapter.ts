/**
 * The Google provider adapter: a Gemini `generateContent` body (Gemini API or
 * Vertex AI), the final `streamGenerateContent` chunk, or the stream's chunks
 * → a `NormalizedCall` with disjoint canonical usage (see `UsageMetadata.ts`
 * for the bucket conventions).
 */
import { PriceBook, type ProviderAdapter, Usage } from "@agentcost/core"
import { candidateFacts } from "./Candidates.ts"
import { defaultPrices } from "./DefaultPrices.ts"
import {
  array,
  type Fields,
  malformed,
  optionalString,
  PROVIDER,
  record,
  requiredString,
} from "./Fields.ts"
import { responseBody } from "./ResponseBody.ts"
import { fromUsageMetadata } from "./UsageMetadata.ts"

export interface GoogleOptions {
  /** The Google Cloud project or API key the calls are made with; a per-call hint wins over it. */
  readonly providerAccount?: string | undefined
}

/** Vertex AI stamps responses with `createTime` (microseconds); the Gemini API does not. */
const observedAt = (body: Fields): string | null => {
  const createTime = optionalString(body.createTime, "createTime")
  if (createTime === null) return null
  const at = Date.parse(createTime)
  if (Number.isNaN(at))
    throw malformed("createTime", `not a timestamp: ${JSON.stringify(createTime)}`)
  return new Date(at).toISOString()
}

const normalizeResponse = (
  body: Fields,
  streamed: boolean,
  hints: ProviderAdapter.NormalizeHints | undefined,
  options: GoogleOptions,
): ProviderAdapter.NormalizedCall => {
  const model = requiredString(body.modelVersion, "modelVersion")
  if (body.usageMetadata === undefined || body.usageMetadata === null) {
    throw malformed(
      "usageMetadata",
      "missing: pass the whole response, the final chunk of a stream, or all of its chunks",
    )
  }
  const meta = record(body.usageMetadata, "usageMetadata")
  const facts = candidateFacts(array(body.candidates, "candidates"))
  const usage = Usage.add(
    fromUsageMetadata(meta),
    Usage.make({ web_search_requests: facts.searchQueries, tool_calls: facts.functionCalls }),
  )
  const found = new Set<PriceBook.Capability>(hints?.capabilities ?? [])
  if (usage.reasoning_tokens || facts.thoughts) found.add("reasoning")
  if (facts.functionCalls > 0) found.add("tool_use")
  if (facts.searchQueries > 0) found.add("web_search")
  const trafficType = optionalString(meta.trafficType, "usageMetadata.trafficType")
  return {
    model,
    endpoint: hints?.endpoint ?? (streamed ? "streamGenerateContent" : "generateContent"),
    usage,
    serviceTier: null,
    region: null,
    attributes: trafficType ? { traffic_type: trafficType } : {},
    capabilities: PriceBook.CAPABILITIES.filter((capability) => found.has(capability)),
    providerRequestId: optionalString(body.responseId, "responseId"),
    providerAccount: hints?.providerAccount ?? options.providerAccount ?? null,
    providerReportedCost: null,
    observedAt: observedAt(body),
  }
}

export const google = (options: GoogleOptions = {}): ProviderAdapter.ProviderAdapter => ({
  provider: PROVIDER,
  defaultPrices,
  normalize: (raw, hints) => {
    const { body, streamed } = responseBody(raw)
    return normalizeResponse(body, streamed, hints, options)
  },
})
