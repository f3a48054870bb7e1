/**
 * An observability exporter that books every Mastra model call to a cost
 * envelope:
 *
 * ```ts
 * const costs = new AgentCostExporter({ agentcost })
 * new Mastra({
 *   observability: new Observability({
 *     configs: { default: { serviceName: "app", exporters: [costs], requestContextKeys: costs.requestContextKeys } },
 *   }),
 * })
 * ```
 *
 * - `agent_run` / `workflow_run` spans scope envelopes. At a run span's
 *   start (synchronous, in the caller's async context) the envelope is, in
 *   order: the envelope active there (`agentcost.run`), the envelope whose id
 *   the run's request context carries (`openEnvelope`, or a resumed run),
 *   the envelope of the run it is nested in, else a new envelope for the
 *   tenant of the request context — which the exporter finalizes when the
 *   run ends, and keeps open while it is suspended.
 * - `model_inference` spans (one per provider call) are the calls booked:
 *   begun at their start, recorded at their end. `model_step` and the
 *   `model_generation` total carry the same usage again and are never booked.
 * - Tool spans (`tool_call`, `mcp_tool_call`, `client_tool_call`) are counted
 *   as `tool_calls` on the model call of the step that requested them (Mastra
 *   runs a step's tools before the step's inference span ends).
 * - Usage Mastra rolled up from model calls it keeps out of the trace
 *   (`internalUsage`) is booked unpriced rather than dropped.
 *
 * Bookings run after the spans end, outside the run; `flush` waits for them.
 */
import {
  type AgentCost,
  type CallHandle,
  type CostEnvelope,
  type CostSignal,
  type EnvelopeHandle,
  ProviderAdapter,
  Usage,
} from "@agentcost/core"
import type { IMastraLogger } from "@mastra/core/logger"
import {
  type AIBaseAttributes,
  type AnyExportedSpan,
  type InitExporterOptions,
  type ModelGenerationAttributes,
  type ModelInferenceAttributes,
  type ObservabilityExporter,
  SpanType,
  type TracingEvent,
  TracingEventType,
} from "@mastra/core/observability"
import { Schema } from "effect"
import * as Provider from "./Provider.ts"
import * as Spans from "./Spans.ts"
import * as MastraUsage from "./Usage.ts"

export interface AgentCostExporterOptions {
  readonly agentcost: AgentCost
  /** Request context key of the tenant (default `tenantId`; dot notation reaches nested values). */
  readonly tenantKey?: string | undefined
  /** Request context key of the workflow type (default `workflowType`); else the agent's or workflow's id. */
  readonly workflowKey?: string | undefined
  /** Request context key the envelope id travels under (default `agentcostEnvelopeId`). */
  readonly envelopeKey?: string | undefined
  /**
   * A run with no tenant: `record` (default) books it to an envelope with no
   * tenant (the `unattributed` account); `throw` books nothing and reports
   * `UnattributedRun` to `onError` (Mastra's exporter pipeline swallows
   * exceptions, so it cannot fail the run itself).
   */
  readonly onUnattributed?: "record" | "throw" | undefined
  /** Mastra provider names (`openai`, `openai.chat`) → adapter provider ids, added to the defaults. */
  readonly providers?: { readonly [name: string]: string } | undefined
  /** Every signal booked. */
  readonly onSignal?: ((signal: CostSignal.CostSignal) => void) | undefined
  /** Errors recording or finalizing (default: Mastra's logger, else the console). */
  readonly onError?: ((error: unknown) => void) | undefined
}

/** Mastra's `RequestContext`, whatever its declared values. */
export interface RequestContextLike {
  get(key: string): unknown
  set(key: string, value: unknown): void
}

export class UnattributedRun extends Schema.TaggedError<UnattributedRun>()("UnattributedRun", {
  span: Schema.String,
  tenantKey: Schema.String,
}) {
  override get message() {
    return `${this.span}: no tenant in the request context (key "${this.tenantKey}") and onUnattributed is "throw"; its calls are not booked`
  }
}

export class HiddenModelCalls extends Schema.TaggedError<HiddenModelCalls>()("HiddenModelCalls", {
  span: Schema.String,
}) {
  override get message() {
    return `${this.span}: Mastra kept model calls out of the trace (tracingPolicy.internal) and rolled their usage up; it is booked unpriced (pending). Set includeInternalSpans: true on the observability config to book those calls priced`
  }
}

export class ExcludedSpanType extends Schema.TaggedError<ExcludedSpanType>()("ExcludedSpanType", {
  config: Schema.String,
  spanTypes: Schema.Array(Schema.String),
}) {
  override get message() {
    return `observability config "${this.config}" excludes ${this.spanTypes.join(", ")} (excludeSpanTypes); agentcost needs them to book model calls to runs`
  }
}

/** The envelope a run (and everything inside it) books to. */
interface Scope {
  /** The run span that scoped it: its end finalizes (or suspends) the envelope. */
  readonly spanId: string
  /** Resolved envelope, once known; undefined while opening and for unattributed runs. */
  envelope: EnvelopeHandle | undefined
  readonly ready: Promise<EnvelopeHandle | undefined>
  /** The exporter opened or resumed it, so the run's end finalizes it. */
  readonly owned: boolean
  /** The envelope id is in the run's request context, so a resume anywhere finds it. */
  readonly travels: boolean
  /** Recordings of this scope's calls, awaited before finalizing. */
  readonly pending: Set<Promise<unknown>>
}

/** What the exporter keeps for a span between its start and its end. */
interface Node {
  readonly type: SpanType
  readonly parent: Node | undefined
  scope: Scope | undefined
  /** Tool spans started under this span and not yet booked on a model call. */
  toolCalls: number
  /** model_generation: the model in use (updated when a fallback model takes over). */
  provider: string | undefined
  model: string | undefined
  /** model_inference: the call begun at its start. */
  handle: CallHandle | Promise<CallHandle | undefined> | undefined
}

/** What the exporter knows of a call when it books it. */
interface CallFacts {
  readonly operationId: string
  readonly failed: boolean
  readonly provider: string
  readonly endpoint: string | null
  readonly model: string
  readonly usage: MastraUsage.UsageStats | undefined
  /** Tool spans of the call's step: tools it requested that ran. */
  readonly toolCalls: number
  readonly toolsOffered: boolean
}

export interface ExporterStats {
  /** Signals booked. */
  readonly signals: number
  /** Calls booked with `x_usage_unreported` (they ended without usage). */
  readonly unreported: number
  /** Calls not booked because their run had no tenant and `onUnattributed` is `throw`. */
  readonly unattributed: number
  readonly errors: number
}

const TOOL_SPANS = new Set<string>([
  SpanType.TOOL_CALL,
  SpanType.MCP_TOOL_CALL,
  SpanType.CLIENT_TOOL_CALL,
])
const REQUIRED_SPANS = [SpanType.AGENT_RUN, SpanType.WORKFLOW_RUN, SpanType.MODEL_INFERENCE]

export class AgentCostExporter implements ObservabilityExporter {
  readonly name = "agentcost"
  readonly #agentcost: AgentCost
  readonly #tenantKey: string
  readonly #workflowKey: string
  readonly #envelopeKey: string
  readonly #onUnattributed: "record" | "throw"
  readonly #providers: { readonly [name: string]: string }
  readonly #onSignal: ((signal: CostSignal.CostSignal) => void) | undefined
  readonly #onError: ((error: unknown) => void) | undefined
  #logger: IMastraLogger | undefined
  readonly #nodes = new Map<string, Node>()
  /** Suspended runs whose envelope id does not travel with them: a resume in this process continues them. */
  readonly #suspended = new Map<string, Scope>()
  /** Every recording and finalization not yet settled, for `flush`. */
  readonly #inflight = new Set<Promise<unknown>>()
  readonly #stats = { signals: 0, unreported: 0, unattributed: 0, errors: 0 }
  #hiddenReported = false

  constructor(options: AgentCostExporterOptions) {
    this.#agentcost = options.agentcost
    this.#tenantKey = options.tenantKey ?? "tenantId"
    this.#workflowKey = options.workflowKey ?? "workflowType"
    this.#envelopeKey = options.envelopeKey ?? "agentcostEnvelopeId"
    this.#onUnattributed = options.onUnattributed ?? "record"
    this.#providers = { ...Provider.DEFAULT_PROVIDER_IDS, ...options.providers }
    this.#onSignal = options.onSignal
    this.#onError = options.onError
  }

  /** The keys to add to the observability config's `requestContextKeys`. */
  get requestContextKeys(): Array<string> {
    return [this.#tenantKey, this.#workflowKey, this.#envelopeKey]
  }

  get stats(): ExporterStats {
    return { ...this.#stats }
  }

  /**
   * Opens an envelope for the tenant and workflow type of `requestContext`
   * and stores its id there, so the envelope travels with the run: Mastra
   * persists the request context when a workflow suspends and restores it
   * on resume, in this process or another, and the resumed run books to the
   * same envelope. The exporter finalizes it when the run ends.
   */
  async openEnvelope(requestContext: RequestContextLike): Promise<EnvelopeHandle> {
    const tenantId = Spans.readContext(requestContext, this.#tenantKey)
    if (tenantId === undefined && this.#onUnattributed === "throw") {
      throw new UnattributedRun({ span: "openEnvelope", tenantKey: this.#tenantKey })
    }
    const envelope = await this.#agentcost.open({
      tenantId: tenantId ?? null,
      workflowType: Spans.readContext(requestContext, this.#workflowKey) ?? null,
    })
    requestContext.set(this.#envelopeKey, envelope.envelopeId)
    return envelope
  }

  init(options: InitExporterOptions): void {
    const excluded = REQUIRED_SPANS.filter((type) =>
      options.config?.excludeSpanTypes?.includes(type),
    )
    if (excluded.length > 0) {
      this.#report(
        new ExcludedSpanType({ config: options.config?.name ?? "?", spanTypes: excluded }),
      )
    }
  }

  __setLogger(logger: IMastraLogger): void {
    this.#logger = logger
  }

  onTracingEvent(event: TracingEvent): void {
    const span = event.exportedSpan
    if (span.type === SpanType.MODEL_CHUNK) return
    try {
      if (event.type === TracingEventType.SPAN_STARTED) this.#started(span)
      else if (event.type === TracingEventType.SPAN_ENDED) this.#ended(span)
      else if (span.type === SpanType.MODEL_GENERATION) this.#generationUpdated(span)
    } catch (error) {
      this.#report(error)
    }
  }

  async exportTracingEvent(event: TracingEvent): Promise<void> {
    this.onTracingEvent(event)
  }

  /** Resolves once every call seen so far is recorded and every ended run finalized, and agentcost flushed. */
  async flush(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#agentcost.flush()
  }

  /** Flushes; the AgentCost instance stays open (its owner closes it). */
  shutdown(): Promise<void> {
    return this.flush()
  }

  #started(span: AnyExportedSpan): void {
    const parent = span.parentSpanId === undefined ? undefined : this.#nodes.get(span.parentSpanId)
    const node: Node = {
      type: span.type,
      parent,
      scope: parent?.scope,
      toolCalls: 0,
      provider: undefined,
      model: undefined,
      handle: undefined,
    }
    switch (span.type) {
      case SpanType.AGENT_RUN:
      case SpanType.WORKFLOW_RUN:
        node.scope = this.#runScope(span, parent?.scope)
        break
      case SpanType.MODEL_GENERATION: {
        const attributes = span.attributes as ModelGenerationAttributes | undefined
        node.provider = attributes?.provider
        node.model = attributes?.model
        break
      }
      case SpanType.MODEL_INFERENCE:
        // A call outside any run this exporter saw is its own run.
        node.scope ??= this.#ownScope(span)
        node.handle = this.#begin(node.scope)
        break
      default:
        if (TOOL_SPANS.has(span.type) && parent) parent.toolCalls++
    }
    this.#nodes.set(span.id, node)
  }

  #generationUpdated(span: AnyExportedSpan): void {
    const node = this.#nodes.get(span.id)
    const attributes = span.attributes as ModelGenerationAttributes | undefined
    if (node === undefined || attributes === undefined) return
    node.provider = attributes.provider ?? node.provider
    node.model = attributes.model ?? node.model
  }

  #ended(span: AnyExportedSpan): void {
    const node = this.#nodes.get(span.id)
    this.#nodes.delete(span.id)
    if (span.type === SpanType.MODEL_INFERENCE) {
      this.#recordInference(span, node)
      return
    }
    const hidden = (span.attributes as AIBaseAttributes | undefined)?.internalUsage
    const scope = MastraUsage.isReported(hidden)
      ? this.#recordHidden(span, node, hidden)
      : node?.scope
    // A scope this span opened (also one opened just now for a span rebuilt by a durable engine) ends with it.
    if (scope?.spanId === span.id) this.#endRun(span, scope)
  }

  /** The envelope scope of a run span starting now (see the module comment for the order). */
  #runScope(span: AnyExportedSpan, inherited: Scope | undefined): Scope {
    const active = this.#agentcost.current()
    if (active && active.envelopeId !== inherited?.envelope?.envelopeId) {
      return scope(span.id, active, false, false)
    }
    if (inherited) return inherited
    const carried = Spans.read(span, this.#envelopeKey)
    if (carried !== undefined) {
      return scope(span.id, this.#resume(carried, span), true, true)
    }
    const suspended =
      span.parentSpanId === undefined ? undefined : this.#suspended.get(span.parentSpanId)
    if (suspended) {
      this.#suspended.delete(span.parentSpanId!)
      return scope(span.id, suspended.ready, true, false)
    }
    return this.#ownScope(span)
  }

  /** A new envelope for the tenant on `span`, finalized when `span` ends. */
  #ownScope(span: AnyExportedSpan): Scope {
    return scope(span.id, this.#open(span), true, false)
  }

  /**
   * Opens synchronously when core can (the common case), else through the
   * promise. Never rejects: an envelope that cannot be opened is reported,
   * and its calls are not booked.
   */
  #open(span: AnyExportedSpan): EnvelopeHandle | Promise<EnvelopeHandle | undefined> {
    const tenantId = Spans.read(span, this.#tenantKey)
    if (tenantId === undefined && this.#onUnattributed === "throw") {
      this.#report(new UnattributedRun({ span: span.name, tenantKey: this.#tenantKey }))
      return Promise.resolve(undefined)
    }
    const options = {
      tenantId: tenantId ?? null,
      workflowType: Spans.read(span, this.#workflowKey) ?? span.entityId ?? span.entityName ?? null,
    }
    try {
      const opened = this.#agentcost.openNow(options)
      if (opened) return opened
    } catch (error) {
      this.#report(error)
      return Promise.resolve(undefined)
    }
    return this.#track(this.#agentcost.open(options).catch((error: unknown) => this.#report(error)))
  }

  /** The envelope a run carries; one that cannot be continued (closed, unknown) gives way to a new one. */
  #resume(envelopeId: string, span: AnyExportedSpan): Promise<EnvelopeHandle | undefined> {
    const resumed = this.#agentcost.resume(envelopeId).catch((error: unknown) => {
      this.#report(error)
      return this.#open(span)
    })
    return this.#track(resumed)
  }

  #begin(scope: Scope): CallHandle | Promise<CallHandle | undefined> {
    return scope.envelope
      ? scope.envelope.begin()
      : scope.ready.then((envelope) => envelope?.begin())
  }

  #recordInference(span: AnyExportedSpan, node: Node | undefined): void {
    // A span rebuilt by a durable engine ends without having started here.
    const parent =
      node?.parent ?? (span.parentSpanId ? this.#nodes.get(span.parentSpanId) : undefined)
    const scope = node?.scope ?? parent?.scope ?? this.#ownScope(span)
    const attributes = span.attributes as ModelInferenceAttributes | undefined
    const toolCalls = parent?.toolCalls ?? 0
    if (parent) parent.toolCalls = 0
    let generation = parent
    while (generation && generation.type !== SpanType.MODEL_GENERATION)
      generation = generation.parent
    // A fallback model updates the generation span; the inference span keeps the first model.
    const resolved = Provider.resolve(
      this.#providers,
      generation?.provider ?? attributes?.provider ?? "unknown",
    )
    // Mastra ends a call the provider refused with finishReason "error" and no usage.
    const failed = span.errorInfo !== undefined || attributes?.finishReason === "error"
    this.#record(scope, node?.handle ?? this.#begin(scope), {
      operationId: span.id,
      failed,
      provider: resolved.provider,
      endpoint: resolved.endpoint,
      model: attributes?.responseModel ?? generation?.model ?? attributes?.model ?? "unknown",
      usage: attributes?.usage,
      toolCalls,
      toolsOffered: (attributes?.availableTools?.length ?? 0) > 0,
    })
    if (scope.spanId === span.id) {
      this.#finalize(scope, failed ? "failed" : "succeeded")
    }
  }

  /**
   * Usage Mastra rolled up from model calls it keeps out of the trace
   * (`tracingPolicy.internal`, e.g. a processor's or memory's own model):
   * which model ran is not on the span, so it is booked unpriced (pending),
   * never dropped; `includeInternalSpans: true` exports those calls instead.
   * Returns the scope booked to.
   */
  #recordHidden(
    span: AnyExportedSpan,
    node: Node | undefined,
    usage: MastraUsage.UsageStats,
  ): Scope {
    if (!this.#hiddenReported) {
      this.#hiddenReported = true
      this.#report(new HiddenModelCalls({ span: span.name }))
    }
    // A span rebuilt by a durable engine ends without having started here.
    const parent = span.parentSpanId === undefined ? undefined : this.#nodes.get(span.parentSpanId)
    const scope = node?.scope ?? parent?.scope ?? this.#ownScope(span)
    // The hidden steps' tool spans are exported under this span, and no booked call took them.
    const toolCalls = node?.toolCalls ?? 0
    if (node) node.toolCalls = 0
    this.#record(scope, this.#begin(scope), {
      operationId: `${span.id}:internal`,
      failed: false,
      provider: "mastra",
      endpoint: null,
      model: "internal",
      usage,
      toolCalls,
      toolsOffered: false,
    })
    return scope
  }

  #record(
    scope: Scope,
    handle: CallHandle | Promise<CallHandle | undefined>,
    facts: CallFacts,
  ): void {
    if (handle instanceof Promise) {
      this.#pend(
        scope,
        handle.then((call) => this.#book(scope, call, facts)),
      )
    } else {
      this.#book(scope, handle, facts)
    }
  }

  /** Books a call: captured (priced with the next flush) unless an onSignal listener wants each signal now. */
  #book(scope: Scope, call: CallHandle | undefined, facts: CallFacts): void {
    if (call === undefined) {
      this.#stats.unattributed++
      return
    }
    const reported = MastraUsage.isReported(facts.usage)
    if (facts.failed && !reported) {
      // The provider bills no call that returned no usage: nothing to book.
      call.end()
      return
    }
    const input = {
      provider: facts.provider,
      call: this.#normalized(facts),
      operationId: facts.operationId,
      attempt: 1,
      attemptOutcome: facts.failed ? ("failed" as const) : ("succeeded" as const),
    }
    const onSignal = this.#onSignal
    const recorded = onSignal
      ? call.record(input).then((signal) => onSignal(signal))
      : call.capture(input)
    if (recorded) this.#pend(scope, recorded)
    this.#stats.signals++
    if (!reported) this.#stats.unreported++
  }

  #normalized(facts: CallFacts): ProviderAdapter.NormalizedCall {
    let usage: Usage.Usage
    try {
      usage = MastraUsage.toCanonical(facts.provider, facts.usage)
    } catch (error) {
      // Usage that does not add up: an unknown cost, booked as pending, never dropped.
      this.#report(error)
      usage = MastraUsage.toCanonical(facts.provider, undefined)
    }
    if (facts.toolCalls > 0) usage = Usage.add(usage, { tool_calls: facts.toolCalls })
    return ProviderAdapter.normalizedCall(facts.model, usage, {
      endpoint: facts.endpoint,
      capabilities: facts.toolsOffered || facts.toolCalls > 0 ? ["tool_use"] : [],
    })
  }

  #endRun(span: AnyExportedSpan, scope: Scope): void {
    const end = Spans.runEnd(span)
    if (end === "suspended") {
      if (scope.owned && !scope.travels) this.#suspended.set(span.id, scope)
      return
    }
    if (scope.owned) this.#finalize(scope, end)
  }

  /**
   * Finalizes the scope's envelope once every call recorded so far is
   * booked: at once when nothing is pending (queued for the next flush),
   * else after the pending work.
   */
  #finalize(scope: Scope, status: CostEnvelope.FinalStatus): void {
    const envelope = scope.envelope
    if (scope.pending.size === 0 && envelope !== undefined) {
      envelope.finalizeLater(status).catch((error: unknown) => this.#report(error))
      return
    }
    this.#pend(
      scope,
      Promise.allSettled([...scope.pending])
        .then(() => scope.ready)
        .then((ready) => ready?.finalizeLater(status)),
    )
  }

  /** Tracks work of a scope (awaited before it finalizes) and of the exporter (awaited by `flush`). */
  #pend(scope: Scope, work: Promise<unknown>): void {
    const tracked = work.then(
      () => undefined,
      (error: unknown) => this.#report(error),
    )
    scope.pending.add(tracked)
    this.#inflight.add(tracked)
    void tracked.then(() => {
      scope.pending.delete(tracked)
      this.#inflight.delete(tracked)
    })
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inflight.add(work)
    void work.then(
      () => this.#inflight.delete(work),
      () => this.#inflight.delete(work),
    )
    return work
  }

  #report(error: unknown): undefined {
    this.#stats.errors++
    if (this.#onError) this.#onError(error)
    else if (this.#logger) this.#logger.error("[agentcost] could not book a Mastra run", error)
    else console.error("[agentcost] could not book a Mastra run", error)
  }
}

/** A scope whose envelope is known now, or once `envelope` resolves (it never rejects). */
const scope = (
  spanId: string,
  envelope: EnvelopeHandle | Promise<EnvelopeHandle | undefined>,
  owned: boolean,
  travels: boolean,
): Scope => {
  const known = !(envelope instanceof Promise)
  const created: Scope = {
    spanId,
    envelope: known ? envelope : undefined,
    ready: known ? Promise.resolve(envelope) : envelope,
    owned,
    travels,
    pending: new Set(),
  }
  if (!known) {
    void envelope.then((resolved) => {
      created.envelope = resolved
    })
  }
  return created
}
