/**
 * The Anthropic provider adapter: a Messages API body (or a stream's events,
 * or a Message Batches result line) → a `NormalizedCall` with disjoint
 * canonical usage (see `MessageUsage.ts` for the bucket conventions).
 */
import { PriceBook, type ProviderAdapter, Usage } from "@agentcost/core"
import { defaultPrices } from "./DefaultPrices.ts"
import { array, type Fields, optionalString, PROVIDER, record, requiredString } from "./Fields.ts"
import { messageBody } from "./MessageBody.ts"
import { fromMessageUsage } from "./MessageUsage.ts"

export interface AnthropicOptions {
  /** The workspace or API key the calls are made with; a per-call hint wins over it. */
  readonly providerAccount?: string | undefined
}

const REASONING_BLOCKS = new Set(["thinking", "redacted_thinking"])

/** What the content blocks say: client tool calls requested, thinking shown. */
const contentFacts = (content: ReadonlyArray<unknown>) => {
  let toolCalls = 0
  let thinking = false
  content.forEach((value, index) => {
    const type = record(value, `content[${index}]`).type
    if (type === "tool_use") toolCalls++
    else if (typeof type === "string" && REASONING_BLOCKS.has(type)) thinking = true
  })
  return { toolCalls, thinking }
}

const normalizeMessage = (
  body: Fields,
  hints: ProviderAdapter.NormalizeHints | undefined,
  options: AnthropicOptions,
): ProviderAdapter.NormalizedCall => {
  const model = requiredString(body.model, "model")
  const rawUsage = record(body.usage, "usage")
  const facts = contentFacts(array(body.content, "content"))
  const usage = Usage.add(fromMessageUsage(rawUsage), Usage.make({ tool_calls: facts.toolCalls }))
  const found = new Set<PriceBook.Capability>(hints?.capabilities ?? [])
  if (usage.reasoning_tokens || facts.thinking) found.add("reasoning")
  if (facts.toolCalls > 0) found.add("tool_use")
  if (usage.web_search_requests) found.add("web_search")
  const speed = optionalString(rawUsage.speed, "usage.speed")
  return {
    model,
    endpoint: hints?.endpoint ?? "messages",
    usage,
    serviceTier: optionalString(rawUsage.service_tier, "usage.service_tier"),
    region: optionalString(rawUsage.inference_geo, "usage.inference_geo"),
    attributes: speed ? { speed } : {},
    capabilities: PriceBook.CAPABILITIES.filter((capability) => found.has(capability)),
    providerRequestId: optionalString(body.id, "id"),
    providerAccount: hints?.providerAccount ?? options.providerAccount ?? null,
    providerReportedCost: null,
    observedAt: null,
  }
}

export const anthropic = (options: AnthropicOptions = {}): ProviderAdapter.ProviderAdapter => ({
  provider: PROVIDER,
  defaultPrices,
  normalize: (raw, hints) => normalizeMessage(messageBody(raw), hints, options),
})
