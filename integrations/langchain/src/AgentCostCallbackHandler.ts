/**
 * The LangChain callback handler: attributes every model call of a LangChain
 * run (chains, `createAgent` loops, nested agents, retries, fallbacks) to a
 * cost envelope, and books it before `invoke` resolves.
 *
 * Tenant and workflow, in this order:
 * 1. the envelope active when the model call starts (`agentcost.run(...)`),
 *    read once at the start hook — end hooks may run outside the caller's
 *    async context, so the handle travels in a run-id map from there;
 * 2. `config.metadata.agentcost_tenant_id` / `agentcost_workflow_type`: an
 *    envelope per root run, finalized when the root run ends;
 * 3. the `onUnattributed` policy: `"record"` books to the `unattributed`
 *    account and counts it, `"throw"` fails the call before it is made.
 */
import type { AgentCost, CallHandle, EnvelopeHandle } from "@agentcost/core"
import { BaseCallbackHandler } from "@langchain/core/callbacks/base"
import { registerConfigureHook, setContextVariable } from "@langchain/core/context"
import type { Serialized } from "@langchain/core/load/serializable"
import type { LLMResult } from "@langchain/core/outputs"
import type { ChainValues } from "@langchain/core/utils/types"
import * as Attempts from "./Attempts.ts"
import * as Attribution from "./Attribution.ts"
import * as Call from "./Call.ts"
import * as Recorder from "./Recorder.ts"
import * as Runs from "./Runs.ts"

export type AgentCostHandlerOptions = Recorder.Options

export interface HandlerStats extends Recorder.Stats {
  /** Tool/retriever runs in a root run without any model call: nothing to book them with. */
  readonly unbookedEvents: number
}

interface ModelCall {
  readonly run: Runs.Run
  readonly chat: boolean
  readonly start: Call.StartFacts
  readonly envelope: EnvelopeHandle
  readonly handle: CallHandle
  readonly unattributed: boolean
  readonly scope: Runs.Run
  readonly attempt: Attempts.Attempt
  readonly events: ReadonlyArray<Runs.PendingEvent>
}

type Fields = { readonly [key: string]: unknown }

/** A chat run's message; with `n > 1` every candidate carries the same usage (one request). */
const firstMessage = (output: LLMResult): unknown =>
  (output.generations[0]?.[0] as { readonly message?: unknown } | undefined)?.message

export class AgentCostCallbackHandler extends BaseCallbackHandler {
  name = "agentcost"
  readonly #agentcost: AgentCost
  readonly #recorder: Recorder.Recorder
  readonly #runs = new Runs.RunTree()
  readonly #calls = new Map<string, ModelCall>()
  #unbookedEvents = 0

  constructor(agentcost: AgentCost, options: AgentCostHandlerOptions = {}) {
    // `raiseError` lets LangChain propagate UnattributedCall; every other
    // error is caught here and reported, never thrown into the run.
    super({ _awaitHandler: true, raiseError: options.onUnattributed === "throw" })
    // Costs are booked before `invoke` resolves: LangChain awaits the handler
    // instead of queueing it in the background.
    this.awaitHandlers = true
    this.#agentcost = agentcost
    this.#recorder = new Recorder.Recorder(options)
  }

  /**
   * `BaseCallbackHandler.copy()` would build a fresh handler from the
   * constructor input, with an empty run map: a copy must book into the same
   * runs and envelopes, so it is this handler.
   */
  override copy(): this {
    return this
  }

  get stats(): HandlerStats {
    return { ...this.#recorder.stats, unbookedEvents: this.#unbookedEvents }
  }

  /** Runs started and not yet ended (a leak detector for tests). */
  get runsInFlight(): number {
    return this.#runs.size
  }

  // ── chains ────────────────────────────────────────────────────────────────
  // At runtime LangChain calls handleChainStart(chain, inputs, runId,
  // parentRunId, tags, metadata, runType, runName): the declared order puts
  // runType fourth. Both are strings, so the 4th parameter is typed as declared
  // and read as what it is.

  override handleChainStart(
    chain: Serialized,
    _inputs: ChainValues,
    runId: string,
    parentRunId?: string,
  ) {
    this.#runs.start(runId, parentRunId, "chain", Runs.isBoundary(chain))
  }

  override handleChainEnd(_outputs: ChainValues, runId: string) {
    return this.#endRun(runId, "succeeded")
  }

  override handleChainError(_error: unknown, runId: string) {
    return this.#endRun(runId, "failed")
  }

  // ── tools and retrievers: counted on the next model call of their root run ──

  override handleToolStart(_tool: Serialized, _input: string, runId: string, parentRunId?: string) {
    this.#startEvent(runId, parentRunId, "tool", "tool_calls")
  }

  override handleToolEnd(_output: unknown, runId: string) {
    return this.#endRun(runId, "succeeded")
  }

  override handleToolError(_error: unknown, runId: string) {
    return this.#endRun(runId, "failed")
  }

  override handleRetrieverStart(
    _retriever: Serialized,
    _query: string,
    runId: string,
    parentRunId?: string,
  ) {
    this.#startEvent(runId, parentRunId, "retriever", "rag_queries")
  }

  override handleRetrieverEnd(_documents: unknown, runId: string) {
    return this.#endRun(runId, "succeeded")
  }

  override handleRetrieverError(_error: unknown, runId: string) {
    return this.#endRun(runId, "failed")
  }

  // ── model calls ───────────────────────────────────────────────────────────

  override handleChatModelStart(
    llm: Serialized,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: Array<string>,
    metadata?: Record<string, unknown>,
  ) {
    return this.#startModel(llm, runId, parentRunId, extraParams, metadata, true)
  }

  override handleLLMStart(
    llm: Serialized,
    _prompts: Array<string>,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: Array<string>,
    metadata?: Record<string, unknown>,
  ) {
    return this.#startModel(llm, runId, parentRunId, extraParams, metadata, false)
  }

  override async handleLLMEnd(
    output: LLMResult,
    runId: string,
    _parentRunId?: string,
    _tags?: Array<string>,
    extraParams?: Record<string, unknown>,
  ) {
    const call = this.#calls.get(runId)
    if (call) {
      this.#calls.delete(runId)
      await this.#finishModel(call, output, extraParams?.cached === true)
    }
    await this.#endRun(runId, "succeeded")
  }

  override async handleLLMError(error: unknown, runId: string) {
    const call = this.#calls.get(runId)
    if (call) {
      this.#calls.delete(runId)
      await this.#failModel(call, error)
    }
    await this.#endRun(runId, "failed")
  }

  /** Synchronous when an envelope is active: the common path costs no extra microtask. */
  #startModel(
    llm: Serialized,
    runId: string,
    parentRunId: string | undefined,
    extra: Fields | undefined,
    metadata: Fields | undefined,
    chat: boolean,
  ): Promise<void> | undefined {
    // The one read of the active envelope: synchronous, before any await.
    const active = this.#agentcost.current()
    const run = this.#runs.start(runId, parentRunId, "model")
    const meta = metadata ?? {}
    const start = () => Call.startFacts(meta, extra ?? {}, llm)
    if (active) {
      this.#begin(run, chat, start(), active, false)
      return undefined
    }
    const { tenantId, workflowType } = Attribution.fromMetadata(meta)
    if (tenantId === undefined && this.#recorder.onUnattributed === "throw") {
      // LangChain never ends a run whose start hook failed.
      this.#runs.end(runId)
      throw new Attribution.UnattributedCall({ runId })
    }
    return this.#rootEnvelope(run.root, tenantId ?? null, workflowType).then(
      (envelope) => this.#begin(run, chat, start(), envelope, tenantId === undefined),
      (error) => {
        this.#runs.end(runId)
        this.#recorder.report(error)
      },
    )
  }

  #begin(
    run: Runs.Run,
    chat: boolean,
    start: Call.StartFacts,
    envelope: EnvelopeHandle,
    unattributed: boolean,
  ): void {
    const scope = Runs.operationScope(run)
    this.#calls.set(run.id, {
      run,
      chat,
      start,
      envelope,
      handle: envelope.begin(),
      unattributed,
      scope,
      attempt: Attempts.next(scope, run.id),
      events: Runs.takePending(run),
    })
  }

  /** The envelope this handler opens for a root run from its metadata (or unattributed). */
  #rootEnvelope(
    root: Runs.Root,
    tenantId: string | null,
    workflowType: string | null,
  ): Promise<EnvelopeHandle> {
    const key = `${tenantId ?? ""}\u0000${workflowType ?? ""}`
    root.envelopes ??= new Map()
    let opened = root.envelopes.get(key)
    if (opened === undefined) {
      opened = this.#agentcost.open({ tenantId, workflowType })
      root.envelopes.set(key, opened)
    }
    return opened
  }

  async #finishModel(call: ModelCall, output: LLMResult, cached: boolean): Promise<void> {
    if (cached) {
      // Served from LangChain's cache: no provider call, nothing to book.
      call.handle.end()
      Runs.restorePending(call.run.root, call.events)
      return
    }
    const events = Runs.countEvents(call.events)
    const reading = call.chat
      ? this.#recorder.readChat(call.start, firstMessage(output), events)
      : this.#recorder.readLLM(call.start, output.llmOutput, events)
    if (reading === undefined) {
      call.handle.end()
      Runs.restorePending(call.run.root, call.events)
      return
    }
    call.run.root.last = {
      envelope: call.envelope,
      provider: reading.provider,
      model: reading.call.model,
      endpoint: reading.call.endpoint,
    }
    await this.#recorder.record(call.handle, reading, call.attempt, "succeeded", call.unattributed)
  }

  /**
   * A failed call is an attempt of its operation; the next call in its scope
   * retries it. Booked when the provider still reported usage (an aborted
   * stream's partial message), else ended.
   */
  async #failModel(call: ModelCall, error: unknown): Promise<void> {
    this.#recorder.stats.failedAttempts++
    Attempts.fail(call.scope, call.attempt)
    const partial = Call.partialOutput(error)
    if (partial === undefined) {
      call.handle.end()
      Runs.restorePending(call.run.root, call.events)
      return
    }
    const reading = this.#recorder.readChat(call.start, partial, Runs.countEvents(call.events))
    await this.#recorder.record(call.handle, reading, call.attempt, "failed", call.unattributed)
  }

  #startEvent(
    runId: string,
    parentRunId: string | undefined,
    kind: "tool" | "retriever",
    unit: Runs.PendingEvent["unit"],
  ): void {
    const run = this.#runs.start(runId, parentRunId, kind)
    run.root.pending.push({ run, unit })
  }

  #endRun(runId: string, status: "succeeded" | "failed"): Promise<void> | undefined {
    const run = this.#runs.end(runId)
    if (run === undefined || !Runs.isRoot(run)) return undefined
    const root = run.root
    return root.pending.length > 0 || root.envelopes ? this.#endRoot(root, status) : undefined
  }

  /**
   * The root run ended: book the tool/retriever runs no model call followed
   * (with the root's last model, so a price book that prices them is
   * honoured), then finalize the envelopes opened for this root.
   */
  async #endRoot(root: Runs.Root, status: "succeeded" | "failed"): Promise<void> {
    if (root.pending.length > 0) {
      const events = root.pending
      root.pending = []
      if (root.last) {
        const last = root.last
        await this.#recorder.record(
          last.envelope.begin(),
          {
            provider: last.provider,
            call: Call.eventsOnly(last, Runs.countEvents(events)),
            unreported: false,
          },
          { operationId: events[0]!.run.id, attempt: 1 },
          "succeeded",
          false,
        )
      } else {
        this.#unbookedEvents += events.length
      }
    }
    for (const opened of root.envelopes?.values() ?? []) {
      try {
        // Written with the next flush, after the root run's calls: no ledger round trip per run.
        await (await opened).finalizeLater(status)
      } catch (error) {
        this.#recorder.report(error)
      }
    }
  }
}

/** The handler for `callbacks: [...]`, or for `registerAgentCostHandler`. */
export const createAgentCostHandler = (
  agentcost: AgentCost,
  options?: AgentCostHandlerOptions,
): AgentCostCallbackHandler => new AgentCostCallbackHandler(agentcost, options)

const CONTEXT_VARIABLE = "agentcost_callback_handler"

/**
 * Adds the handler to every LangChain run started from here on, without
 * passing `callbacks` (LangChain's configure hook: call it once at startup,
 * outside any runnable). A handler also passed in `callbacks` is not added twice.
 */
export const registerAgentCostHandler = (handler: AgentCostCallbackHandler): void => {
  registerConfigureHook({ contextVar: CONTEXT_VARIABLE, inheritable: true })
  setContextVariable(CONTEXT_VARIABLE, handler)
}
