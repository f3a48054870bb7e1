/**
 * The `createAgent` middleware: books every model call of a LangChain agent
 * loop from inside the loop (`wrapModelCall`), without a callback handler.
 * Attaching any callback handler costs a `createAgent` run about 40 %
 * (LangChain copies callback managers and metadata for every child run);
 * the middleware makes LangChain do nothing it would not do anyway.
 *
 * ```ts
 * const agent = createAgent({ model, tools, middleware: [agentcostMiddleware(agentcost)] })
 * await agentcost.run({ tenantId: "acme" }, () => agent.invoke({ messages }))
 * ```
 *
 * Tenant and workflow, decided synchronously when each model call starts:
 * 1. the envelope active in the caller's async context (`agentcost.run`,
 *    `agentcost.within`): the call is begun in it before the model is called,
 *    so `run()` waits for it — nested agents called from tools share it;
 * 2. `config.metadata.agentcost_tenant_id` / `agentcost_workflow_type` of the
 *    agent's run (read from LangChain's async-local run config: the
 *    middleware runtime carries no metadata). A middleware sees no run end,
 *    so each such call is booked in an envelope of its own, finalized with
 *    the next flush;
 * 3. the `onUnattributed` policy, as for the handler.
 *
 * The call is booked from the AIMessage before `wrapModelCall` returns; the
 * tool calls the model asked for count as its `tool_calls`. A call whose
 * model throws is a failed attempt (booked only when the error carries
 * usage); the next call of the same agent step is its retry. Put this
 * middleware after retry and fallback middleware (inside them) so it sees
 * every attempt.
 */
import { type AgentCost, type CallHandle, ProviderAdapter } from "@agentcost/core"
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons"
import type { AgentMiddleware, WrapModelCallHook } from "langchain"
import * as Attempts from "./Attempts.ts"
import * as Attribution from "./Attribution.ts"
import * as Call from "./Call.ts"
import * as Recorder from "./Recorder.ts"

export type AgentCostMiddlewareOptions = Recorder.Options

export type MiddlewareStats = Recorder.Stats

export interface AgentCostMiddleware extends AgentMiddleware<undefined, undefined, unknown> {
  readonly stats: MiddlewareStats
}

type Fields = { readonly [key: string]: unknown }

type ModelRequest = Parameters<WrapModelCallHook<undefined, unknown>>[0]

/** What a chat model tells about itself (`BaseChatModel`; a configurable model tells less). */
interface ModelFacts {
  readonly getLsParams?: (options: Fields) => Fields
  readonly invocationParams?: (options: Fields) => Fields
  readonly lc_id?: ReadonlyArray<string>
}

const NO_EVENTS: Call.Events = { tool_calls: 0, rag_queries: 0 }

/**
 * What `createMiddleware` adds to the config it returns — the only thing it
 * does at runtime — so `langchain` is needed for types only.
 */
const BRANDED = { [Symbol.for("AgentMiddleware")]: true }

/** The agent run's `config.metadata`, from LangChain's async-local run config. */
const runMetadata = (): Fields => {
  const config: { readonly metadata?: unknown } | undefined =
    AsyncLocalStorageProviderSingleton.getRunnableConfig()
  return ProviderAdapter.isRecord(config?.metadata) ? config.metadata : {}
}

/**
 * The facts the handler's start hook gets from LangChain, read from the
 * request instead: `ls_provider`/`ls_model_name`, the invocation params with
 * the tools offered, the model's namespace.
 */
const startFacts = (request: ModelRequest, metadata: Fields): Call.StartFacts => {
  const model = request.model as ModelFacts
  const options = request.modelSettings ?? {}
  return Call.startFacts(
    { ...metadata, ...model.getLsParams?.(options) },
    { invocation_params: { ...model.invocationParams?.(options), tools: request.tools } },
    { id: model.lc_id },
  )
}

/** The model's message: the handler returns it, or `{ structuredResponse, messages: [it, …] }`. */
const modelMessage = (response: unknown): unknown => {
  const messages = ProviderAdapter.isRecord(response) ? response.messages : undefined
  return Array.isArray(messages) ? messages[0] : response
}

const requestedTools = (message: unknown): Call.Events => {
  const toolCalls = ProviderAdapter.isRecord(message) ? message.tool_calls : undefined
  return Array.isArray(toolCalls) && toolCalls.length > 0
    ? { tool_calls: toolCalls.length, rag_queries: 0 }
    : NO_EVENTS
}

/** The middleware for `createAgent({ middleware: [...] })`; one per `AgentCost` instance, shared by every agent. */
export const agentcostMiddleware = (
  agentcost: AgentCost,
  options: AgentCostMiddlewareOptions = {},
): AgentCostMiddleware => {
  const recorder = new Recorder.Recorder(options)
  // Attempts wait in their agent step: every attempt of a `model_request`
  // node run gets the node's own state, so its messages array is the key.
  // A step gets an entry only when a call in it fails.
  const steps = new WeakMap<object, Attempts.Scope>()
  const fail = (request: ModelRequest, attempt: Attempts.Attempt): void => {
    let step = steps.get(request.state.messages)
    if (step === undefined) {
      step = { failed: undefined }
      steps.set(request.state.messages, step)
    }
    Attempts.fail(step, attempt)
  }

  /** Books a call that has no active envelope in an envelope of its own (or the unattributed one). */
  const recordInOwnEnvelope = async (
    attribution: ReturnType<typeof Attribution.fromMetadata>,
    reading: Call.Reading,
    attempt: Attempts.Attempt,
    outcome: "succeeded" | "failed",
  ): Promise<void> => {
    try {
      const envelope = await agentcost.open({
        tenantId: attribution.tenantId ?? null,
        workflowType: attribution.workflowType,
      })
      const unattributed = attribution.tenantId === undefined
      await recorder.record(envelope.begin(), reading, attempt, outcome, unattributed)
      // Written with the next flush, after the call: no ledger round trip per model call.
      await envelope.finalizeLater(outcome)
    } catch (error) {
      recorder.report(error)
    }
  }

  const wrapModelCall = async (
    request: ModelRequest,
    handler: Parameters<WrapModelCallHook<undefined, unknown>>[1],
  ) => {
    // The one read of the active envelope: synchronous, before any await.
    const handle: CallHandle | undefined = agentcost.begin()
    const metadata = runMetadata()
    const attribution = Attribution.fromMetadata(metadata)
    if (!handle && attribution.tenantId === undefined && recorder.onUnattributed === "throw") {
      const runId = metadata.langgraph_checkpoint_ns
      throw new Attribution.UnattributedCall({
        runId: typeof runId === "string" ? runId : "model_request",
      })
    }
    const attempt = Attempts.next(steps.get(request.state.messages), Attempts.newOperationId())
    const book = (message: unknown, events: Call.Events, outcome: "succeeded" | "failed") => {
      const reading = recorder.readChat(startFacts(request, metadata), message, events)
      return handle
        ? recorder.record(handle, reading, attempt, outcome, false)
        : recordInOwnEnvelope(attribution, reading, attempt, outcome)
    }
    let response: Awaited<ReturnType<typeof handler>>
    try {
      response = await handler(request)
    } catch (error) {
      recorder.stats.failedAttempts++
      fail(request, attempt)
      const partial = Call.partialOutput(error)
      if (partial === undefined) handle?.end()
      else await book(partial, NO_EVENTS, "failed")
      throw error
    }
    const message = modelMessage(response)
    await book(message, requestedTools(message), "succeeded")
    return response
  }

  return {
    ...BRANDED,
    name: "agentcost",
    wrapModelCall,
    get stats(): MiddlewareStats {
      return { ...recorder.stats }
    },
  }
}
