/**
 * One model call as the AI SDK shows it (to a middleware or a telemetry
 * integration), turned into the `NormalizedCall` core prices: the served
 * model, the provider's request id, canonical usage, and the provider
 * specifics carried in `providerMetadata` (service tier, OpenRouter's
 * reported cost and upstream provider, Gemini's traffic type).
 */
import { Money, type PriceBook, ProviderAdapter } from "@agentcost/core"
import { type Attribution, MissingUsage, type Ticket } from "./Attribution.ts"
import type { Route } from "./Provider.ts"
import type { Json, ModelUsage, ProviderMetadata } from "./SdkTypes.ts"
import * as Usage from "./Usage.ts"

export interface Observation {
  /** The model id the application asked for. */
  readonly modelId: string
  readonly responseId: string | undefined
  /** The model the provider says served the call (may carry a date suffix). */
  readonly responseModelId: string | undefined
  readonly timestamp: Date | undefined
  readonly usage: ModelUsage
  readonly providerMetadata: ProviderMetadata | undefined
  /** Tool calls the model asked the application to run. */
  readonly toolCalls: number
  /** Web searches the provider ran itself (provider-executed `web_search` tool calls). */
  readonly webSearchCalls: number
  readonly toolsOffered: boolean
}

/** A content part, as both the v4 result and the callbacks' `content` carry it. */
interface ContentPart {
  readonly type: string
  readonly toolName?: string
  readonly providerExecuted?: boolean | undefined
}

/** Counts the tool calls in a call's content: the application's, and the provider's web searches. */
export const toolCalls = (
  content: ReadonlyArray<ContentPart>,
): { readonly toolCalls: number; readonly webSearchCalls: number } => {
  let calls = 0
  let searches = 0
  for (const part of content) {
    if (part.type !== "tool-call") continue
    if (!part.providerExecuted) calls++
    else if (part.toolName?.startsWith("web_search")) searches++
  }
  return { toolCalls: calls, webSearchCalls: searches }
}

const isJson = ProviderAdapter.isRecord

const text = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value : null

/** What OpenRouter says the call cost; on BYOK its fee plus the upstream inference the caller's key paid. */
const openRouterCost = (metadata: Json | undefined, raw: Json | undefined): string | null => {
  const usage = isJson(metadata?.usage) ? metadata.usage : undefined
  const amount = (value: unknown, field: string): Money.Decimal | null => {
    if (value === undefined || value === null) return null
    if (typeof value === "number" && Number.isFinite(value) && value >= 0)
      return Money.decimal(value)
    throw new ProviderAdapter.MalformedResponse({
      provider: "openrouter",
      field,
      reason: `expected a non-negative amount, got ${JSON.stringify(value)}`,
    })
  }
  const fee = amount(usage?.cost ?? raw?.cost, "providerMetadata.openrouter.usage.cost")
  if (raw?.is_byok !== true) return fee === null ? null : Money.format(fee)
  const details = isJson(usage?.costDetails) ? usage.costDetails : undefined
  const rawDetails = isJson(raw.cost_details) ? raw.cost_details : undefined
  const upstream = amount(
    details?.upstreamInferenceCost ?? rawDetails?.upstream_inference_cost,
    "providerMetadata.openrouter.usage.costDetails.upstreamInferenceCost",
  )
  // Without the upstream part only OpenRouter's fee is known: the price book prices the call.
  return upstream === null ? null : Money.format(upstream.plus(fee ?? Money.ZERO))
}

export interface NormalizeOptions {
  readonly providerAccount: string | null
}

/** Builds the call core prices; `MalformedResponse` names the field when the usage does not add up. */
export const normalize = (
  route: Route,
  observation: Observation,
  options: NormalizeOptions,
): ProviderAdapter.NormalizedCall => {
  const metadata = observation.providerMetadata
  const own = isJson(metadata?.[route.provider]) ? metadata[route.provider] : undefined
  const raw = isJson(observation.usage.raw) ? observation.usage.raw : undefined
  const tokens = Usage.canonical(route.provider, observation.usage, metadata, {
    webSearchCalls: observation.webSearchCalls,
  })
  // Observed, not charged: the calls the model asked the application to run.
  const usage =
    tokens && observation.toolCalls > 0 ? { ...tokens, tool_calls: observation.toolCalls } : tokens
  const attributes: Record<string, string> = {}
  if (usage === null) attributes.usage = "missing"
  const capabilities = new Set<PriceBook.Capability>()
  if (usage?.reasoning_tokens) capabilities.add("reasoning")
  if (observation.toolCalls > 0 || observation.toolsOffered) capabilities.add("tool_use")
  if (usage?.web_search_requests) capabilities.add("web_search")

  let reportedCost: string | null = null
  let serviceTier = text(own?.serviceTier)
  if (route.provider === "openrouter") {
    reportedCost = openRouterCost(own, raw)
    const upstream = text(own?.provider)
    if (upstream) attributes.upstream_provider = upstream
    if (raw?.is_byok === true) attributes.byok = "true"
  } else if (route.provider === "google") {
    // Gemini's tiers are traffic types (on-demand, provisioned throughput), not service tiers.
    serviceTier = null
    const trafficType = text(raw?.trafficType)
    if (trafficType) attributes.traffic_type = trafficType
  }
  return {
    model: observation.responseModelId || observation.modelId,
    endpoint: route.endpoint,
    // A provider that reported no usage is booked as one request, flagged, and reported.
    usage: usage ?? { requests: 1 },
    serviceTier,
    region: null,
    attributes,
    capabilities: [...capabilities],
    providerRequestId: observation.responseId || null,
    providerAccount: options.providerAccount,
    providerReportedCost: reportedCost === null ? null : { amount: reportedCost, currency: "USD" },
    observedAt: observation.timestamp ? observation.timestamp.toISOString() : null,
  }
}

/** Normalizes and books one call through its ticket; a call that cannot be booked goes to `onError`. */
export const book = async (
  attribution: Attribution,
  ticket: Ticket,
  route: Route,
  observation: Observation,
  input: {
    readonly operationId: string
    readonly attempt: number
    readonly attemptOutcome: "succeeded" | "failed"
  },
): Promise<void> => {
  let call: ProviderAdapter.NormalizedCall
  try {
    call = normalize(route, observation, {
      providerAccount: attribution.options.providerAccount ?? null,
    })
  } catch (error) {
    ticket.end()
    attribution.report(error)
    return
  }
  if (call.attributes.usage === "missing") {
    attribution.report(new MissingUsage({ provider: route.provider, model: call.model }))
  }
  await ticket.record({ provider: route.provider, call, ...input })
}
