/**
 * The language model middleware: wrap a model once and every call through it
 * — `generateText`, `streamText`, structured output, each step of a tool loop
 * or a `ToolLoopAgent`, each retry — is booked on its own, with the usage the
 * provider reported for THAT call. The SDK's summed `result.usage` is never
 * read, so a multi-step loop is not counted twice.
 *
 * ```ts
 * const model = wrapLanguageModel({ model: openai("gpt-5.1"), middleware: agentcostMiddleware(agentcost) })
 * await agentcost.run({ tenantId: "acme" }, () => generateText({ model, prompt }))
 * ```
 *
 * A call is begun when it starts (so `run()` waits for it) and captured
 * before the SDK sees its result: `await generateText(…)` returns with the
 * call in the write buffer, priced by its next flush. A stream is booked at its `finish` part, whenever it
 * is consumed — after the envelope's `run` resolved too.
 */
import type { AgentCost } from "@agentcost/core"
import { type Attempt, Attempts, fingerprint } from "./Attempts.ts"
import { type AiSdkOptions, Attribution, type Stats, scopeOf, type Ticket } from "./Attribution.ts"
import * as ModelCall from "./ModelCall.ts"
import * as Provider from "./Provider.ts"
import type {
  CallParams,
  GenerateResult,
  Model,
  StreamPart,
  StreamResult,
  WrapOptions,
} from "./SdkTypes.ts"

export interface AgentCostMiddleware {
  readonly specificationVersion: "v4"
  readonly wrapGenerate: (options: WrapOptions) => Promise<GenerateResult>
  readonly wrapStream: (options: WrapOptions) => Promise<StreamResult>
  /** Unattributed and unrecorded calls so far. */
  readonly stats: Readonly<Stats>
}

/** What the response said about itself, from the result or the stream's parts. */
interface Response {
  readonly id?: string | undefined
  readonly modelId?: string | undefined
  readonly timestamp?: Date | undefined
}

/** One model call through the middleware, from its start to its booking. */
class TrackedCall {
  readonly #middleware: MiddlewareState
  readonly #model: Model
  readonly #params: CallParams
  readonly #route: Provider.Route
  readonly #scope: string
  readonly #ticket: Ticket
  readonly #attempt: Attempt
  #print: string | undefined
  #failed = false
  #done = false

  constructor(middleware: MiddlewareState, model: Model, params: CallParams) {
    this.#middleware = middleware
    this.#model = model
    this.#params = params
    this.#route = middleware.route(model.provider)
    const destination = middleware.attribution.resolve(
      params.providerOptions,
      this.#route.provider,
      model.modelId,
    )
    this.#scope = scopeOf(destination)
    this.#ticket = middleware.attribution.ticket(destination)
    this.#attempt = middleware.attempts.start(this.#scope, () => this.#fingerprint())
  }

  get done(): boolean {
    return this.#done
  }

  get failed(): boolean {
    return this.#failed
  }

  #fingerprint(): string {
    this.#print ??= fingerprint(this.#model, this.#params)
    return this.#print
  }

  /** The attempt failed (an error thrown, or a stream `error` part): a retry is its next attempt. */
  fail(): void {
    if (this.#failed) return
    this.#failed = true
    this.#middleware.attempts.failed(this.#scope, this.#fingerprint(), this.#attempt)
  }

  /** The call ended without usage: nothing is known to be billed. */
  abandon(): void {
    if (this.#done) return
    this.#done = true
    this.#ticket.end()
  }

  /** Books the call: a failed attempt when it errored after the provider billed it. */
  async finish(
    response: Response,
    result: Pick<GenerateResult, "usage" | "providerMetadata">,
    calls: { readonly toolCalls: number; readonly webSearchCalls: number },
  ): Promise<void> {
    if (this.#done) return
    this.#done = true
    await ModelCall.book(
      this.#middleware.attribution,
      this.#ticket,
      this.#route,
      {
        modelId: this.#model.modelId,
        responseId: response.id,
        responseModelId: response.modelId,
        timestamp: response.timestamp,
        usage: result.usage,
        providerMetadata: result.providerMetadata,
        toolCalls: calls.toolCalls,
        webSearchCalls: calls.webSearchCalls,
        toolsOffered: (this.#params.tools?.length ?? 0) > 0,
      },
      {
        operationId: this.#attempt.operationId,
        attempt: this.#attempt.attempt,
        attemptOutcome: this.#failed ? "failed" : "succeeded",
      },
    )
  }
}

interface MiddlewareState {
  readonly attribution: Attribution
  readonly attempts: Attempts
  readonly route: (sdkProvider: string) => Provider.Route
}

/** How long a cancelled stream that already errored is read on for its billed usage. */
const DRAIN_TIMEOUT_MS = 5_000

/**
 * Passes a stream's parts through and books the call at its `finish` part.
 *
 * A provider that fails mid-stream after billing (OpenAI's `response.failed`)
 * sends an `error` part and then a `finish` part with the usage. When the SDK
 * retries (`streamRetries`) it cancels the stream at the `error` part, before
 * that `finish`: so a cancelled stream that already errored is read on in the
 * background (bounded) for its usage. A stream cancelled without an error (an
 * abort) is cancelled at once.
 */
const observe = (
  source: ReadableStream<StreamPart>,
  call: TrackedCall,
): ReadableStream<StreamPart> => {
  const reader = source.getReader()
  let cancelled = false
  let response: Response = {}
  const calls = { toolCalls: 0, webSearchCalls: 0 }
  const see = async (part: StreamPart): Promise<void> => {
    switch (part.type) {
      case "response-metadata":
        response = { id: part.id, modelId: part.modelId, timestamp: part.timestamp }
        break
      case "tool-call":
        if (!part.providerExecuted) calls.toolCalls++
        else if (part.toolName.startsWith("web_search")) calls.webSearchCalls++
        break
      case "error":
        call.fail()
        break
      case "finish":
        await call.finish(response, part, calls)
        break
    }
  }
  const drain = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), DRAIN_TIMEOUT_MS)
      timer.unref()
    })
    try {
      while (!call.done) {
        const next = await Promise.race([reader.read(), timeout])
        if (next === undefined || next.done) break
        await see(next.value)
      }
    } finally {
      clearTimeout(timer)
    }
  }
  return new ReadableStream<StreamPart>({
    async pull(controller) {
      let next: Awaited<ReturnType<typeof reader.read>>
      try {
        next = await reader.read()
      } catch (error) {
        call.fail()
        call.abandon()
        throw error
      }
      if (next.done) {
        // Ended without a `finish` part: the provider reported no usage.
        call.abandon()
        if (!cancelled) controller.close()
        return
      }
      // A read still pending when the stream was cancelled is part of the drain.
      if (!cancelled) controller.enqueue(next.value)
      await see(next.value)
    },
    async cancel(reason) {
      cancelled = true
      if (call.failed && !call.done) {
        void drain()
          .catch(() => undefined)
          .finally(() => {
            call.abandon()
            void reader.cancel(reason).catch(() => undefined)
          })
        return
      }
      call.abandon()
      await reader.cancel(reason)
    },
  })
}

/** The middleware for `wrapLanguageModel`; one per `AgentCost` instance, shared by every model. */
export const agentcostMiddleware = (
  agentcost: AgentCost,
  options: AiSdkOptions = {},
): AgentCostMiddleware => {
  const state: MiddlewareState = {
    attribution: new Attribution(agentcost, options),
    attempts: new Attempts(),
    route: Provider.router(options.providers),
  }
  return {
    specificationVersion: "v4",
    stats: state.attribution.stats,
    wrapGenerate: async ({ doGenerate, params, model }) => {
      const call = new TrackedCall(state, model, params)
      let result: GenerateResult
      try {
        result = await doGenerate()
      } catch (error) {
        call.fail()
        call.abandon()
        throw error
      }
      await call.finish(result.response ?? {}, result, ModelCall.toolCalls(result.content))
      return result
    },
    wrapStream: async ({ doStream, params, model }) => {
      const call = new TrackedCall(state, model, params)
      let result: StreamResult
      try {
        result = await doStream()
      } catch (error) {
        call.fail()
        call.abandon()
        throw error
      }
      return { ...result, stream: observe(result.stream, call) }
    },
  }
}
