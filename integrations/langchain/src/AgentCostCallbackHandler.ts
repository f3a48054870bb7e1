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
import type { AgentCost, CallHandle, CostSignal, EnvelopeHandle } from "@agentcost/core"
import { BaseCallbackHandler } from "@langchain/core/callbacks/base"
import { registerConfigureHook, setContextVariable } from "@langchain/core/context"
import type { Serialized } from "@langchain/core/load/serializable"
import type { LLMResult } from "@langchain/core/outputs"
import type { ChainValues } from "@langchain/core/utils/types"
import { Schema } from "effect"
import * as Call from "./Call.ts"
import * as Provider from "./Provider.ts"
import * as Runs from "./Runs.ts"

export interface AgentCostHandlerOptions {
  /**
   * A model call with no active envelope and no `agentcost_tenant_id` in its
   * metadata: `"record"` (default) books it to the `unattributed` account and
   * counts it in `stats.unattributed`; `"throw"` fails it with `UnattributedCall`.
   */
  readonly onUnattributed?: "record" | "throw" | undefined
  /** Extra `ls_provider` / `model_provider` names → adapter provider ids (e.g. `{ azure: "openai" }`). */
  readonly providerIds?: { readonly [name: string]: string } | undefined
  /** Every signal booked, after it is booked. */
  readonly onSignal?: ((signal: CostSignal.CostSignal) => void) | undefined
  /**
   * A call that could not be booked (store failure, malformed usage). The
   * handler never fails the LangChain run for these; default: `console.warn`.
   */
  readonly onError?: ((error: unknown) => void) | undefined
}

/** Metadata keys read from `config.metadata` (LangChain passes metadata down to every child run). */
export const METADATA_KEYS = {
  tenantId: "agentcost_tenant_id",
  workflowType: "agentcost_workflow_type",
  provider: "agentcost_provider",
} as const

export interface HandlerStats {
  /** Signals booked (model calls, failed attempts with usage, trailing tool/retriever counts). */
  readonly recorded: number
  /** Calls booked to the `unattributed` account. */
  readonly unattributed: number
  /** Calls LangChain reported no usage for, booked as pending (`x_usage_unreported`). */
  readonly unreportedUsage: number
  /** Model calls that failed (booked when the provider reported usage, else ended). */
  readonly failedAttempts: number
  /** Tool/retriever runs in a root run without any model call: nothing to book them with. */
  readonly unbookedEvents: number
  /** Errors passed to `onError`. */
  readonly errors: number
}

export class UnattributedCall extends Schema.TaggedError<UnattributedCall>()("UnattributedCall", {
  runId: Schema.String,
}) {
  override get message() {
    return `LangChain model run ${this.runId} has no tenant: no agentcost envelope is active and config.metadata has no ${METADATA_KEYS.tenantId} (onUnattributed: "throw"); run it inside agentcost.run({ tenantId }) or pass metadata: { ${METADATA_KEYS.tenantId} }`
  }
}

interface ModelCall {
  readonly run: Runs.Run
  readonly chat: boolean
  readonly start: Call.StartFacts
  readonly envelope: EnvelopeHandle
  readonly handle: CallHandle
  readonly unattributed: boolean
  readonly scope: Runs.Run
  readonly attempt: Runs.Attempt
  readonly events: ReadonlyArray<Runs.PendingEvent>
}

type Fields = { readonly [key: string]: unknown }

/** A chat run's message; with `n > 1` every candidate carries the same usage (one request). */
const firstMessage = (output: LLMResult): unknown =>
  (output.generations[0]?.[0] as { readonly message?: unknown } | undefined)?.message

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

export class AgentCostCallbackHandler extends BaseCallbackHandler {
  name = "agentcost"
  readonly #agentcost: AgentCost
  readonly #onUnattributed: "record" | "throw"
  readonly #providerIds: { readonly [name: string]: string }
  readonly #onSignal: ((signal: CostSignal.CostSignal) => void) | undefined
  readonly #onError: (error: unknown) => void
  readonly #runs = new Runs.RunTree()
  readonly #calls = new Map<string, ModelCall>()
  readonly #stats = {
    recorded: 0,
    unattributed: 0,
    unreportedUsage: 0,
    failedAttempts: 0,
    unbookedEvents: 0,
    errors: 0,
  }

  constructor(agentcost: AgentCost, options: AgentCostHandlerOptions = {}) {
    // `raiseError` lets LangChain propagate UnattributedCall; every other
    // error is caught here and reported, never thrown into the run.
    super({ _awaitHandler: true, raiseError: options.onUnattributed === "throw" })
    // Costs are booked before `invoke` resolves: LangChain awaits the handler
    // instead of queueing it in the background.
    this.awaitHandlers = true
    this.#agentcost = agentcost
    this.#onUnattributed = options.onUnattributed ?? "record"
    this.#providerIds = { ...Provider.DEFAULT_PROVIDER_IDS, ...options.providerIds }
    this.#onSignal = options.onSignal
    this.#onError =
      options.onError ?? ((error) => console.warn(`[agentcost] ${(error as Error)?.message}`))
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
    return { ...this.#stats }
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
    const tenantId = text(meta[METADATA_KEYS.tenantId])
    if (tenantId === undefined && this.#onUnattributed === "throw") {
      // LangChain never ends a run whose start hook failed.
      this.#runs.end(runId)
      throw new UnattributedCall({ runId })
    }
    const workflowType = text(meta[METADATA_KEYS.workflowType]) ?? null
    return this.#rootEnvelope(run.root, tenantId ?? null, workflowType).then(
      (envelope) => this.#begin(run, chat, start(), envelope, tenantId === undefined),
      (error) => {
        this.#runs.end(runId)
        this.#report(error)
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
      attempt: Runs.nextAttempt(scope, run),
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
    const message = firstMessage(output)
    let reading: Call.Reading | undefined
    try {
      reading = call.chat
        ? Call.fromChatMessage(this.#providerIds, call.start, message, events)
        : Call.fromLLMOutput(this.#providerIds, call.start, output.llmOutput, events)
    } catch (error) {
      // Usage LangChain reported but that does not add up: unknown cost, booked as pending.
      this.#report(error)
      reading = Call.withoutUsage(this.#providerIds, call.start, message, events)
    }
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
    await this.#record(call, reading, "succeeded")
  }

  /**
   * A failed call is an attempt of its operation; the next call in its scope
   * retries it. Booked when the provider still reported usage (an aborted
   * stream's partial message), else ended.
   */
  async #failModel(call: ModelCall, error: unknown): Promise<void> {
    this.#stats.failedAttempts++
    Runs.fail(call.scope, call.attempt)
    const partial = (error as { readonly partialOutput?: Fields } | undefined)?.partialOutput
    if (partial?.usage_metadata === undefined || partial.usage_metadata === null) {
      call.handle.end()
      Runs.restorePending(call.run.root, call.events)
      return
    }
    const events = Runs.countEvents(call.events)
    let reading: Call.Reading
    try {
      reading = Call.fromChatMessage(this.#providerIds, call.start, partial, events)
    } catch (reportError) {
      this.#report(reportError)
      reading = Call.withoutUsage(this.#providerIds, call.start, partial, events)
    }
    await this.#record(call, reading, "failed")
  }

  async #record(
    call: ModelCall,
    reading: Call.Reading,
    attemptOutcome: "succeeded" | "failed",
  ): Promise<void> {
    try {
      const signal = await call.handle.record({
        provider: reading.provider,
        call: reading.call,
        operationId: call.attempt.operationId,
        attempt: call.attempt.attempt,
        attemptOutcome,
      })
      this.#booked(signal, reading.unreported, call.unattributed)
    } catch (error) {
      this.#report(error)
    }
  }

  #booked(signal: CostSignal.CostSignal, unreported: boolean, unattributed: boolean): void {
    this.#stats.recorded++
    if (unreported) this.#stats.unreportedUsage++
    if (unattributed) this.#stats.unattributed++
    this.#onSignal?.(signal)
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
        const handle = last.envelope.begin()
        try {
          const signal = await handle.record({
            provider: last.provider,
            call: Call.eventsOnly(last, Runs.countEvents(events)),
            operationId: events[0]!.run.id,
            attempt: 1,
          })
          this.#booked(signal, false, false)
        } catch (error) {
          this.#report(error)
        }
      } else {
        this.#stats.unbookedEvents += events.length
      }
    }
    for (const opened of root.envelopes?.values() ?? []) {
      try {
        await (await opened).finalize(status)
      } catch (error) {
        this.#report(error)
      }
    }
  }

  #report(error: unknown): void {
    this.#stats.errors++
    this.#onError(error)
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
