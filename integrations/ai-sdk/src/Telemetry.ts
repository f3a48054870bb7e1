/**
 * The telemetry integration, for applications that do not wrap their models:
 * register it once (`registerTelemetry(agentcostTelemetry(agentcost))`) or
 * per call (`telemetry: { integrations: [...] }`) and every generation's
 * model calls are booked.
 *
 * The SDK's hooks are joined on the generation's `callId`:
 *
 * - `onStart` (in the caller's async context) decides once where the
 *   generation's costs go — the active envelope, `providerOptions.agentcost`,
 *   or an envelope this integration opens and finalizes at `onEnd`/`onError`/`onAbort`.
 * - `executeLanguageModelCall` runs once per attempt (the SDK's retries run
 *   inside it): the attempt is begun there, and one that throws is ended
 *   without usage (nothing was billed) and leaves its operation
 *   (`<callId>:<n>`, n counting the generation's model calls from 0) open
 *   for the retry.
 * - `onLanguageModelCallEnd` carries the usage of that one model call (never
 *   the generation's sum) and books it; `finishReason: "error"` (a stream
 *   that errored after the provider billed it) books a failed attempt and
 *   keeps the operation open for a retry, a success closes it.
 *
 * Only these hooks are implemented: the SDK copies and redacts every event
 * for each hook an integration defines.
 * - `generateObject`/`streamObject` have one call, begun at
 *   `onObjectStepStart` and booked at `onObjectStepEnd`.
 */
import type { AgentCost } from "@agentcost/core"
import type { GenerateObjectStepEndEvent, LanguageModelCallEndEvent, Telemetry } from "ai"
import {
  type AiSdkOptions,
  Attribution,
  type HeldEnvelope,
  type Stats,
  type Ticket,
} from "./Attribution.ts"
import * as ModelCall from "./ModelCall.ts"
import * as Provider from "./Provider.ts"
import * as Usage from "./Usage.ts"

export type AgentCostTelemetry = Telemetry & {
  /** Unattributed generations and unrecorded calls so far. */
  readonly stats: Readonly<Stats>
}

/** The operations that call language models; embeddings, reranking and speech are not booked. */
const GENERATIONS = new Set([
  "ai.generateText",
  "ai.streamText",
  "ai.generateObject",
  "ai.streamObject",
])

/** The SDK makes up a response id (`aitxt-…`, `aiobj-…`) when the provider sends none: not a provider id. */
const GENERATED_ID = /^ai(txt|obj)-/

interface Step {
  readonly operationId: string
  attempt: number
  /** The attempt in flight, begun and not yet booked. */
  ticket: Ticket | undefined
  toolsOffered: boolean
}

interface Generation {
  readonly held: HeldEnvelope | undefined
  /** Why the generation has no destination (`onUnattributed: "throw"`, bad `providerOptions.agentcost`). */
  readonly refused: unknown
  /** Operations started so far. */
  operations: number
  /** The open operation: its attempts so far; closed when a call succeeds. */
  step: Step | undefined
}

const callIdOf = (event: unknown): string | undefined => {
  const callId = (event as { readonly callId?: unknown } | null)?.callId
  return typeof callId === "string" ? callId : undefined
}

export const agentcostTelemetry = (
  agentcost: AgentCost,
  options: AiSdkOptions = {},
): AgentCostTelemetry => {
  const attribution = new Attribution(agentcost, options)
  const route = Provider.router(options.providers)
  const generations = new Map<string, Generation>()

  const stepOf = (callId: string, generation: Generation): Step => {
    generation.step ??= {
      operationId: `${callId}:${generation.operations++}`,
      attempt: 0,
      ticket: undefined,
      toolsOffered: false,
    }
    return generation.step
  }

  /** Begins the next attempt of the generation's current operation. */
  const begin = (callId: string, generation: Generation, held: HeldEnvelope): Step => {
    const step = stepOf(callId, generation)
    // An earlier attempt that never reached its end (a stream that broke) reported no usage.
    step.ticket?.end()
    step.attempt++
    step.ticket = attribution.ticketIn(held.envelope)
    return step
  }

  const book = (
    callId: string,
    event: {
      readonly provider: string
      readonly modelId: string
      readonly responseId: string | undefined
      readonly timestamp: Date | undefined
      readonly usage: Parameters<typeof Usage.fromLanguageModelUsage>[0]
      readonly providerMetadata: ModelCall.Observation["providerMetadata"]
      readonly content: ReadonlyArray<{ readonly type: string }>
      readonly failed: boolean
    },
  ): Promise<void> => {
    const generation = generations.get(callId)
    if (!generation?.held) return Promise.resolve()
    const step = generation.step?.ticket
      ? generation.step
      : begin(callId, generation, generation.held)
    const ticket = step.ticket!
    step.ticket = undefined
    // A success closes the operation; a failed attempt leaves it open for the retry.
    if (!event.failed) generation.step = undefined
    const responseId =
      event.responseId && !GENERATED_ID.test(event.responseId) ? event.responseId : undefined
    return ModelCall.book(
      attribution,
      ticket,
      route(event.provider),
      {
        modelId: event.modelId,
        responseId,
        responseModelId: event.modelId,
        timestamp: event.timestamp,
        usage: Usage.fromLanguageModelUsage(event.usage),
        providerMetadata: event.providerMetadata,
        ...ModelCall.toolCalls(event.content),
        toolsOffered: step.toolsOffered,
      },
      {
        operationId: step.operationId,
        attempt: step.attempt,
        attemptOutcome: event.failed ? "failed" : "succeeded",
      },
    )
  }

  const close = async (event: unknown, status: "succeeded" | "failed" | "cancelled") => {
    const callId = callIdOf(event)
    const generation = callId === undefined ? undefined : generations.get(callId)
    if (!generation) return
    generations.delete(callId!)
    generation.step?.ticket?.end()
    await generation.held?.release(status)
  }

  return {
    stats: attribution.stats,

    onStart(event) {
      if (!GENERATIONS.has(event.operationId)) return
      let held: HeldEnvelope | undefined
      let refused: unknown
      try {
        const destination = attribution.resolve(
          event.providerOptions,
          route(event.provider).provider,
          event.modelId,
        )
        held = attribution.hold(destination)
      } catch (error) {
        refused = error
      }
      generations.set(event.callId, { held, refused, operations: 0, step: undefined })
    },

    async executeLanguageModelCall({ callId, execute, tools }) {
      const generation = generations.get(callId)
      if (!generation) return execute()
      if (!generation.held) throw generation.refused
      const step = begin(callId, generation, generation.held)
      step.toolsOffered = (tools?.length ?? 0) > 0
      const ticket = step.ticket
      try {
        return await execute()
      } catch (error) {
        // The attempt failed before any usage was known: nothing was billed.
        ticket?.end()
        if (step.ticket === ticket) step.ticket = undefined
        throw error
      }
    },

    onLanguageModelCallEnd(event: LanguageModelCallEndEvent) {
      return book(event.callId, {
        provider: event.provider,
        modelId: event.modelId,
        responseId: event.responseId,
        timestamp: undefined,
        usage: event.usage,
        providerMetadata: event.providerMetadata,
        content: event.content,
        failed: event.finishReason === "error",
      })
    },

    onObjectStepStart(event) {
      const generation = generations.get(event.callId)
      if (!generation) return
      if (!generation.held) {
        // No model call to fail here: the SDK ignores errors thrown by callbacks.
        attribution.report(generation.refused)
        return
      }
      begin(event.callId, generation, generation.held)
    },

    onObjectStepEnd(event: GenerateObjectStepEndEvent) {
      return book(event.callId, {
        provider: event.provider,
        modelId: event.response.modelId,
        responseId: event.response.id,
        // The SDK stamps the response with its own clock when the provider sends no time.
        timestamp: undefined,
        usage: event.usage,
        providerMetadata: event.providerMetadata,
        content: [],
        failed: event.finishReason === "error",
      })
    },

    onEnd: (event) => close(event, "succeeded"),
    onError: (event) => close(event, "failed"),
    onAbort: (event) => close(event, "cancelled"),
  }
}
