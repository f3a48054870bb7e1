/**
 * One finished LangChain model run → the `NormalizedCall` the pricing
 * registry prices. Chat-model usage comes from the AIMessage
 * (`usage_metadata`, `response_metadata`), never from `llmOutput`, which
 * LangChain merges across a batch and fills with estimates when streaming;
 * only text-completion LLMs, which return strings, report through
 * `llmOutput.tokenUsage`.
 */
import { type PriceBook, ProviderAdapter, Usage } from "@agentcost/core"
import * as Provider from "./Provider.ts"
import * as LangChainUsage from "./Usage.ts"

type Fields = { readonly [key: string]: unknown }

const fields = (value: unknown): Fields => (ProviderAdapter.isRecord(value) ? value : {})

/**
 * Booked when LangChain reported no usage for a call: a custom unit that no
 * price book prices, so the signal is pending and listed as unpriced in
 * reports — an unknown cost, never $0.
 */
export const UNREPORTED_USAGE_UNIT = "x_usage_unreported"

/** What the start hook learned about a call (only start hooks get metadata). */
export interface StartFacts {
  readonly override: unknown
  readonly lsProvider: unknown
  /** The namespace in the model's serialized id (`["langchain", "llms", "openai", "OpenAI"]`). */
  readonly namespace: unknown
  /** `ls_model_name`, else the invocation params' model: used when the response names none. */
  readonly requestedModel: string | undefined
  readonly invocationParams: Fields
}

/** Counted events (tool and retriever runs) booked on this call. */
export interface Events {
  readonly tool_calls: number
  readonly rag_queries: number
}

export interface Reading {
  readonly provider: string
  readonly call: ProviderAdapter.NormalizedCall
  /** LangChain reported no usage: the call is booked with `x_usage_unreported`. */
  readonly unreported: boolean
}

export const startFacts = (metadata: Fields, extra: Fields, serialized?: unknown): StartFacts => {
  const invocationParams = fields(extra.invocation_params)
  const requested = [metadata.ls_model_name, invocationParams.model, invocationParams.model_name]
  const id = fields(serialized).id
  return {
    override: metadata.agentcost_provider,
    lsProvider: metadata.ls_provider,
    namespace: Array.isArray(id) ? id[2] : undefined,
    requestedModel: requested.find((m): m is string => typeof m === "string" && m !== ""),
    invocationParams,
  }
}

const withEvents = (usage: Usage.Usage, events: Events): Usage.Usage =>
  events.tool_calls + events.rag_queries === 0 ? usage : Usage.add(usage, Usage.make({ ...events }))

/** `tool_use` when tools were offered to the model or it asked for some. */
const capabilities = (
  invocationParams: Fields,
  message: Fields,
): ReadonlyArray<PriceBook.Capability> => {
  const offered = Array.isArray(invocationParams.tools) && invocationParams.tools.length > 0
  const requested = Array.isArray(message.tool_calls) && message.tool_calls.length > 0
  return offered || requested ? ["tool_use"] : []
}

const UNREPORTED: Usage.Usage = { [UNREPORTED_USAGE_UNIT]: 1 }

/**
 * Reads a chat model's message. With `n > 1` every candidate carries the
 * same usage (one request), so the handler passes only the first.
 */
export const fromChatMessage = (
  providerIds: { readonly [name: string]: string },
  start: StartFacts,
  message: unknown,
  events: Events,
): Reading => read(providerIds, start, message, events, true)

/**
 * The same call with its usage left unread, for usage that does not add up
 * (`MalformedResponse`): booked as unreported, with its provider, model and id.
 */
export const withoutUsage = (
  providerIds: { readonly [name: string]: string },
  start: StartFacts,
  message: unknown,
  events: Events,
): Reading => read(providerIds, start, message, events, false)

const read = (
  providerIds: { readonly [name: string]: string },
  start: StartFacts,
  message: unknown,
  events: Events,
  readUsage: boolean,
): Reading => {
  const msg = fields(message)
  const responseMetadata = fields(msg.response_metadata)
  const rawUsage = fields(responseMetadata.usage)
  const provider = Provider.resolve(providerIds, {
    override: start.override,
    lsProvider: start.lsProvider,
    modelProvider: responseMetadata.model_provider,
    namespace: start.namespace,
  })
  const reported = readUsage && msg.usage_metadata !== undefined && msg.usage_metadata !== null
  const tokens = reported
    ? LangChainUsage.fromUsageMetadata(provider, msg.usage_metadata, rawUsage)
    : UNREPORTED
  return {
    provider,
    unreported: !reported,
    call: {
      model: Provider.servedModel(
        responseMetadata,
        fields(msg.additional_kwargs),
        start.requestedModel,
      ),
      endpoint: Provider.endpoint(provider, responseMetadata),
      usage: withEvents(tokens, events),
      serviceTier: Provider.serviceTier(responseMetadata, rawUsage, start.invocationParams),
      region: null,
      attributes: {},
      capabilities: capabilities(start.invocationParams, msg),
      providerRequestId: Provider.requestId(provider, responseMetadata, msg.id),
      providerAccount: null,
      providerReportedCost: Provider.reportedCost(provider, rawUsage),
      observedAt: null,
    },
  }
}

/**
 * Reads a text-completion LLM run. Undefined when the run's usage was booked
 * with another run: LangChain gives a batch's whole `tokenUsage` to the first
 * prompt's run and `tokenUsage: {}` to the others.
 */
export const fromLLMOutput = (
  providerIds: { readonly [name: string]: string },
  start: StartFacts,
  llmOutput: unknown,
  events: Events,
): Reading | undefined => {
  const provider = Provider.resolve(providerIds, {
    override: start.override,
    lsProvider: start.lsProvider,
    namespace: start.namespace,
  })
  const tokenUsage = fields(llmOutput).tokenUsage
  const reported = ProviderAdapter.isRecord(tokenUsage)
  if (reported && Object.keys(tokenUsage).length === 0) return undefined
  const tokens = reported ? LangChainUsage.fromTokenUsage(provider, tokenUsage) : UNREPORTED
  return {
    provider,
    unreported: !reported,
    call: ProviderAdapter.normalizedCall(
      start.requestedModel ?? "unknown",
      withEvents(tokens, events),
      {
        endpoint: provider === "openai" ? "completions" : null,
        serviceTier: Provider.serviceTier({}, {}, start.invocationParams),
      },
    ),
  }
}

/**
 * The message a failed call still carries when the provider reported usage
 * for it (an aborted stream's `ModelAbortError.partialOutput`), else undefined:
 * a failure without usage is not known to be billed.
 */
export const partialOutput = (error: unknown): Fields | undefined => {
  const partial = ProviderAdapter.isRecord(error) ? error.partialOutput : undefined
  return ProviderAdapter.isRecord(partial) &&
    partial.usage_metadata !== undefined &&
    partial.usage_metadata !== null
    ? partial
    : undefined
}

/** Only counted events: tool/retriever runs that no model call followed in their root run. */
export const eventsOnly = (
  last: { readonly model: string; readonly endpoint: string | null },
  events: Events,
): ProviderAdapter.NormalizedCall =>
  ProviderAdapter.normalizedCall(last.model, Usage.make({ ...events }), { endpoint: last.endpoint })
