/**
 * The Promise facade over the Effect services, for people who do not use
 * Effect:
 *
 * ```ts
 * const agentcost = await AgentCost.create({ store: "pglite:./.agentcost", adapters: [openai()] })
 * await agentcost.run({ tenantId: "acme", workflowType: "support-ticket" }, async (envelope) => { ... })
 * await agentcost.recordOutcome(envelopeId, "succeeded")   // later, from any process
 * await agentcost.settle()
 * await agentcost.close()   // flushes: nothing recorded is lost on a clean shutdown
 * ```
 */
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { Clock, Effect, Layer, ManagedRuntime } from "effect"
import type { EnvelopeRecord, FinalStatus, Outcome, PayerPolicy } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import * as EnvelopeContext from "./EnvelopeContext.ts"
import {
  type ActiveEnvelope,
  type CallInput,
  EnvelopeTracker,
  type OpenOptions as TrackerOpenOptions,
} from "./EnvelopeTracker.ts"
import { Ledger, type LedgerError, type Report, type ReportQuery } from "./Ledger.ts"
import * as MemoryLedger from "./MemoryLedger.ts"
import * as PriceBook from "./PriceBook.ts"
import { PricingRegistry } from "./PricingRegistry.ts"
import type { ProviderAdapter } from "./ProviderAdapter.ts"
import { Settlement, type SettleSummary } from "./Settlement.ts"
import type { SettlementSource } from "./SettlementSource.ts"
import type { Contribution, ResourceRecord } from "./SharedResource.ts"
import {
  type Durability,
  WriteBuffer,
  DEFAULTS as WriteBufferDefaults,
  type WriteBufferOptions,
} from "./WriteBuffer.ts"

export interface AgentCostOptions {
  /** `memory:` (private), `memory:<name>` (shared in this process), `pglite:<dir>`, `postgres://…`. */
  readonly store?: string | undefined
  /** A ledger layer to use instead of `store` (custom stores, tests). */
  readonly ledger?: Layer.Layer<Ledger, LedgerError> | undefined
  readonly adapters?: ReadonlyArray<ProviderAdapter> | undefined
  /** Extra price books (file paths or objects); they win over the adapters' defaults. */
  readonly prices?: ReadonlyArray<string | PriceBook.PriceBookFile> | undefined
  readonly settlementSources?: ReadonlyArray<SettlementSource> | undefined
  readonly payerPolicy?: PayerPolicy | undefined
  readonly runDeadlineMs?: number | undefined
  readonly outcomeDeadlineMs?: number | undefined
  readonly flushIntervalMs?: number | undefined
  readonly batchSize?: number | undefined
  readonly capacity?: number | undefined
  readonly durability?: Durability | undefined
  /** How long `run()` waits for calls still in flight before it finalizes (default 30 s). */
  readonly inflightTimeoutMs?: number | undefined
  /** Flush and close on SIGTERM/SIGINT, and when the event loop runs dry without close() (default true). */
  readonly handleSignals?: boolean | undefined
  /** The clock (epoch ms) for envelope times and deadlines; tests pass their own. */
  readonly now?: (() => number) | undefined
  /** Settlement worker name, for claims shared with other processes. */
  readonly worker?: string | undefined
}

export interface RunOptions {
  readonly tenantId?: string | null | undefined
  readonly workflowType?: string | null | undefined
  /** Inside another run, open a child envelope instead of rolling up into the parent's. */
  readonly ownEnvelope?: boolean | undefined
  readonly payerPolicy?: PayerPolicy | undefined
  readonly runDeadlineMs?: number | undefined
  readonly outcomeDeadlineMs?: number | undefined
}

/** Options of `open`: a run's, plus an envelope id of your own (a job id, a framework run id) to resume by. */
export interface OpenOptions extends RunOptions {
  readonly envelopeId?: string | undefined
}

export interface BeginOptions {
  /** The envelope to record into when no envelope is active (a job queue, another process). */
  readonly envelope?: EnvelopeHandle | undefined
}

/** One model or tool call in flight; record it or end it. */
export interface CallHandle {
  readonly envelopeId: string
  readonly tenantId: string | null
  readonly workflowType: string | null
  /** Prices and books the call; a call recorded after its envelope finalized is still booked. */
  readonly record: (input: CallInput) => Promise<CostSignal>
  /**
   * Books the call without pricing it now: it is priced with the next flush,
   * in a batch (reads — `report`, `envelope`, `flush` — flush first, so they
   * see it). For integrations on a framework's per-call path. Returns
   * undefined when captured, else the promise of the `record` it fell back to
   * (a full buffer, sync durability, a finalized envelope).
   */
  readonly capture: (input: CallInput) => Promise<CostSignal> | undefined
  /** The call ended with nothing to record (a cache hit, an abort). */
  readonly end: () => void
}

export class EnvelopeHandle {
  readonly #facade: AgentCost
  readonly active: ActiveEnvelope

  constructor(facade: AgentCost, active: ActiveEnvelope) {
    this.#facade = facade
    this.active = active
  }

  get envelopeId(): string {
    return this.active.envelopeId
  }
  get tenantId(): string | null {
    return this.active.tenantId
  }
  get workflowType(): string | null {
    return this.active.workflowType
  }

  /** Starts a call in this envelope (what integrations do at their start hook). */
  begin(): CallHandle {
    return this.#facade.beginIn(this.active)
  }

  /** Records one call directly. */
  record(input: CallInput): Promise<CostSignal> {
    return this.begin().record(input)
  }

  /** Finalizes a resumed envelope (`run()` finalizes its own). */
  finalize(status: FinalStatus = "succeeded"): Promise<EnvelopeRecord> {
    return this.#facade.finalize(this.active, status)
  }

  /**
   * Finalizes with the next flush, after the envelope's calls are written:
   * resolves once the calls in flight are recorded, without a ledger round
   * trip (what `run()` and the integrations do at the end of each run).
   * `agentcost.envelope(id)` flushes first, so it reads the final record.
   */
  finalizeLater(status: FinalStatus = "succeeded"): Promise<void> {
    return this.#facade.finalizeLater(this.active, status)
  }
}

interface ResolvedStore {
  readonly ledger: Layer.Layer<Ledger, LedgerError>
  /** The store's synchronous write, for the write buffer (memory stores). */
  readonly writeNow?: WriteBufferOptions["writeNow"]
}

const resolveStore = async (store: string): Promise<ResolvedStore> => {
  if (store === "memory:" || store.startsWith("memory:")) {
    const memory = MemoryLedger.storeNamed(store.slice("memory:".length))
    return { ledger: MemoryLedger.layer(memory), writeNow: MemoryLedger.writeNow(memory) }
  }
  // The SQL stores live in @agentcost/ledger-sql: resolved from the application
  // (strict installs), else from here (hoisted ones).
  let sql: { readonly layerFromUrl: (url: string) => Layer.Layer<Ledger, LedgerError> }
  try {
    const fromApp = createRequire(pathToFileURL(`${process.cwd()}/`).href)
    let resolved: string
    try {
      resolved = pathToFileURL(fromApp.resolve("@agentcost/ledger-sql")).href
    } catch {
      resolved = import.meta.resolve("@agentcost/ledger-sql")
    }
    sql = await import(resolved)
  } catch {
    throw new Error(
      `store "${store}" needs @agentcost/ledger-sql (npm install @agentcost/ledger-sql), or pass { ledger } or store: "memory:"`,
    )
  }
  return { ledger: sql.layerFromUrl(store) }
}

export class AgentCost {
  readonly #runtime: ManagedRuntime.ManagedRuntime<
    EnvelopeTracker | Settlement | Ledger | WriteBuffer,
    unknown
  >
  readonly #tracker: EnvelopeTracker["Service"]
  readonly #buffer: WriteBuffer["Service"]
  readonly #inflightTimeoutMs: number
  readonly #durability: Durability
  /** Envelopes open in this process, so `resume` joins a running `run` instead of forking its state. */
  readonly #live = new Map<string, ActiveEnvelope>()
  readonly #idle = new WeakMap<ActiveEnvelope, Array<() => void>>()
  readonly #onSignal: (() => void) | undefined
  readonly #timer: NodeJS.Timeout
  #closed = false

  private constructor(
    runtime: ManagedRuntime.ManagedRuntime<
      EnvelopeTracker | Settlement | Ledger | WriteBuffer,
      unknown
    >,
    tracker: EnvelopeTracker["Service"],
    buffer: WriteBuffer["Service"],
    options: AgentCostOptions,
  ) {
    this.#runtime = runtime
    this.#tracker = tracker
    this.#buffer = buffer
    // Unref'd: recording never keeps the process alive; beforeExit flushes the rest.
    this.#timer = setInterval(
      () => void runtime.runPromise(buffer.flushOrWarn),
      options.flushIntervalMs ?? WriteBufferDefaults.flushIntervalMs,
    )
    this.#timer.unref()
    this.#inflightTimeoutMs = options.inflightTimeoutMs ?? 30_000
    this.#durability = options.durability ?? WriteBufferDefaults.durability
    if (options.handleSignals ?? true) {
      const onSignal = (signal: NodeJS.Signals) => {
        void this.close().finally(() => {
          // Keep the default exit unless the application handles the signal itself.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
        })
      }
      const term = () => onSignal("SIGTERM")
      const int = () => onSignal("SIGINT")
      // The event loop ran dry without close(): write what is buffered, then let it end.
      const beforeExit = () => void this.close()
      process.once("SIGTERM", term)
      process.once("SIGINT", int)
      process.once("beforeExit", beforeExit)
      this.#onSignal = () => {
        process.off("SIGTERM", term)
        process.off("SIGINT", int)
        process.off("beforeExit", beforeExit)
      }
    }
  }

  static async create(options: AgentCostOptions = {}): Promise<AgentCost> {
    const adapters = options.adapters ?? []
    const user = (options.prices ?? []).map((p) =>
      typeof p === "string" ? PriceBook.load(p) : PriceBook.decode(p),
    )
    const { ledger, writeNow } = options.ledger
      ? { ledger: options.ledger, writeNow: undefined }
      : await resolveStore(options.store ?? "pglite:./.agentcost")
    const sources = [
      ...(options.settlementSources ?? []),
      ...adapters.flatMap((a) => (a.settlement ? [a.settlement] : [])),
    ]
    const services = Settlement.layer({ sources, worker: options.worker }).pipe(
      Layer.provideMerge(
        EnvelopeTracker.layer({
          adapters,
          payerPolicy: options.payerPolicy,
          runDeadlineMs: options.runDeadlineMs,
          outcomeDeadlineMs: options.outcomeDeadlineMs,
        }),
      ),
      Layer.provideMerge(
        WriteBuffer.layer({
          flushIntervalMs: options.flushIntervalMs,
          batchSize: options.batchSize,
          capacity: options.capacity,
          durability: options.durability,
          writeNow,
          periodic: false,
        }),
      ),
      Layer.provideMerge(
        PricingRegistry.layer({ user, shipped: adapters.map((a) => a.defaultPrices) }),
      ),
      Layer.provideMerge(ledger),
    )
    const now = options.now
    const layer = now
      ? services.pipe(Layer.provideMerge(Layer.succeed(Clock.Clock, fixedClock(now))))
      : services
    const runtime = ManagedRuntime.make(layer)
    const { tracker, buffer } = await runtime.runPromise(
      Effect.all({
        tracker: EnvelopeTracker.use(Effect.succeed),
        buffer: WriteBuffer.use(Effect.succeed),
      }),
    )
    return new AgentCost(runtime, tracker, buffer, options)
  }

  #run<A, E>(
    effect: Effect.Effect<A, E, EnvelopeTracker | Settlement | Ledger | WriteBuffer>,
  ): Promise<A> {
    if (this.#closed) return Promise.reject(new Error("agentcost is closed"))
    return this.#runtime.runPromise(effect)
  }

  /** The envelope active in this async context, read once at a call's start. */
  current(): EnvelopeHandle | undefined {
    const active = EnvelopeContext.current()
    return active ? new EnvelopeHandle(this, active) : undefined
  }

  /**
   * Starts a call: in the active envelope, else in `options.envelope`;
   * undefined when there is neither (the integration applies its policy).
   */
  begin(options: BeginOptions = {}): CallHandle | undefined {
    const active = EnvelopeContext.current() ?? options.envelope?.active
    return active ? this.beginIn(active) : undefined
  }

  /** @internal */
  beginIn(active: ActiveEnvelope): CallHandle {
    active.inflight++
    let done = false
    const finish = () => {
      if (done) return
      done = true
      if (--active.inflight === 0)
        for (const wake of this.#idle.get(active)?.splice(0) ?? []) wake()
    }
    const record = (input: CallInput): Promise<CostSignal> => {
      if (this.#closed) return Promise.reject(new Error("agentcost is closed"))
      // Most calls book synchronously; a full buffer or a late call takes the effectful path.
      let signal: CostSignal | undefined
      try {
        signal = this.#tracker.recordNow(active, input)
      } catch (error) {
        finish()
        return Promise.reject(error)
      }
      if (signal) {
        finish()
        return Promise.resolve(signal)
      }
      return this.#run(this.#tracker.record(active, input)).finally(finish)
    }
    return {
      envelopeId: active.envelopeId,
      tenantId: active.tenantId,
      workflowType: active.workflowType,
      record,
      capture: (input) => {
        if (this.#closed) return Promise.reject(new Error("agentcost is closed"))
        try {
          if (!this.#tracker.captureNow(active, input)) return record(input)
        } catch (error) {
          finish()
          return Promise.reject(error)
        }
        finish()
        return undefined
      },
      end: finish,
    }
  }

  /**
   * Runs `fn` inside an envelope: opens it, makes it the active envelope for
   * every call inside, waits for calls in flight, and finalizes it
   * (`succeeded`, `failed` when `fn` throws, `timed_out` past its deadline).
   * Inside another run it rolls up into the parent unless `ownEnvelope`.
   */
  async run<T>(options: RunOptions, fn: (envelope: EnvelopeHandle) => Promise<T> | T): Promise<T> {
    const parent = EnvelopeContext.current()
    const sameTenant = options.tenantId === undefined || options.tenantId === parent?.tenantId
    if (parent && !options.ownEnvelope && sameTenant) {
      return fn(new EnvelopeHandle(this, parent))
    }
    const active = await this.#openEnvelope({
      tenantId: options.tenantId ?? parent?.tenantId,
      workflowType: options.workflowType ?? parent?.workflowType,
      parentId: parent?.envelopeId,
      payerPolicy: options.payerPolicy,
      runDeadlineMs: options.runDeadlineMs,
      outcomeDeadlineMs: options.outcomeDeadlineMs,
    })
    this.#live.set(active.envelopeId, active)
    const handle = new EnvelopeHandle(this, active)
    let deadline: NodeJS.Timeout | undefined
    if (options.runDeadlineMs !== undefined) {
      deadline = setTimeout(() => {
        void this.finalize(active, "timed_out").catch(() => undefined)
      }, options.runDeadlineMs)
      deadline.unref()
    }
    let status: FinalStatus = "succeeded"
    try {
      return await EnvelopeContext.runWith(active, () => fn(handle))
    } catch (error) {
      status = (error as Error)?.name === "AbortError" ? "cancelled" : "failed"
      throw error
    } finally {
      clearTimeout(deadline)
      if (!active.finalized) await this.finalizeLater(active, status)
    }
  }

  /** Opens synchronously when the buffer has room, else through the effectful path. */
  #openEnvelope(options: TrackerOpenOptions): Promise<ActiveEnvelope> {
    if (this.#closed) return Promise.reject(new Error("agentcost is closed"))
    try {
      const active = this.#tracker.openNow(options)
      if (active) return Promise.resolve(active)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#run(this.#tracker.open(options))
  }

  #whenIdle(active: ActiveEnvelope): Promise<void> {
    if (active.inflight === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.#inflightTimeoutMs)
      timer.unref()
      const waiters = this.#idle.get(active) ?? []
      waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
      this.#idle.set(active, waiters)
    })
  }

  /** @internal Waits for the envelope's calls in flight, then finalizes it. */
  async finalize(active: ActiveEnvelope, status: FinalStatus): Promise<EnvelopeRecord> {
    await this.#whenIdle(active)
    // From here a late call takes the effectful path, which re-opens settlement when needed.
    active.finalized = true
    this.#live.delete(active.envelopeId)
    return this.#run(this.#tracker.finalize(active.envelopeId, status)).catch((error) => {
      if ((error as { _tag?: string })?._tag !== "EnvelopeClosed") active.finalized = false
      throw error
    })
  }

  /** @internal Waits for the envelope's calls in flight, then queues its finalization for the next flush. */
  finalizeLater(active: ActiveEnvelope, status: FinalStatus): Promise<void> {
    // Sync durability promises a durable record when this resolves: finalize now.
    if (this.#durability === "sync") {
      return this.finalize(active, status).then(
        () => undefined,
        (error) => {
          if ((error as { _tag?: string })?._tag !== "EnvelopeClosed") throw error
        },
      )
    }
    // The common case (no call in flight) queues it now, without a promise turn.
    if (active.inflight > 0) {
      return this.#whenIdle(active).then(() => this.#queueFinalize(active, status))
    }
    return this.#queueFinalize(active, status)
  }

  #queueFinalize(active: ActiveEnvelope, status: FinalStatus): Promise<void> {
    if (active.finalized) return RESOLVED
    if (this.#closed) return Promise.reject(new Error("agentcost is closed"))
    active.finalized = true
    this.#live.delete(active.envelopeId)
    this.#tracker.finalizeLater(active.envelopeId, status)
    return RESOLVED
  }

  /**
   * Opens an envelope without running anything in it: for integrations that
   * learn the tenant from framework metadata, and for work that spans
   * processes. Finalize it with `envelope.finalize(status)`.
   */
  async open(options: OpenOptions = {}): Promise<EnvelopeHandle> {
    const active = await this.#openEnvelope(options)
    this.#live.set(active.envelopeId, active)
    return new EnvelopeHandle(this, active)
  }

  /**
   * `open`, synchronously, for integrations that open an envelope on a
   * framework's hot path: undefined when it cannot open at once (a full
   * buffer, sync durability: use `open`). Throws `InvalidEnvelopeOptions`.
   */
  openNow(options: OpenOptions = {}): EnvelopeHandle | undefined {
    if (this.#closed) throw new Error("agentcost is closed")
    const active = this.#tracker.openNow(options)
    if (active === undefined) return undefined
    this.#live.set(active.envelopeId, active)
    return new EnvelopeHandle(this, active)
  }

  /** Continues an open envelope in this process (a job queue worker, another service). */
  async resume(envelopeId: string): Promise<EnvelopeHandle> {
    const live = this.#live.get(envelopeId)
    if (live) return new EnvelopeHandle(this, live)
    const active = await this.#run(this.#tracker.resume(envelopeId))
    this.#live.set(envelopeId, active)
    return new EnvelopeHandle(this, active)
  }

  /** Runs `fn` with a resumed envelope active, without finalizing it. */
  async within<T>(envelope: EnvelopeHandle, fn: () => Promise<T> | T): Promise<T> {
    return EnvelopeContext.runWith(envelope.active, fn)
  }

  /** Books a signal priced elsewhere (another process's recorder, an import). */
  recordSignal(signal: CostSignal): Promise<void> {
    return this.#run(EnvelopeTracker.use((tracker) => tracker.recordSignal(signal)))
  }

  /** Records the business outcome, from any process, until the outcome deadline. */
  recordOutcome(envelopeId: string, outcome: Outcome): Promise<EnvelopeRecord> {
    return this.#run(EnvelopeTracker.use((tracker) => tracker.recordOutcome(envelopeId, outcome)))
  }

  /** Settles what is due (and sweeps expired deadlines first). */
  settle(): Promise<SettleSummary> {
    return this.#run(Settlement.use((settlement) => settlement.settleDue))
  }

  declareResource(resource: {
    readonly kind: string
    readonly id: string
    readonly policy: string
  }): Promise<ResourceRecord> {
    return this.#run(EnvelopeTracker.use((tracker) => tracker.declareResource(resource)))
  }

  contribute(
    contribution: Omit<Contribution, "occurred_at"> & { readonly occurred_at?: string },
  ): Promise<void> {
    return this.#run(EnvelopeTracker.use((tracker) => tracker.contribute(contribution)))
  }

  envelope(envelopeId: string): Promise<EnvelopeRecord | undefined> {
    return this.#run(
      Effect.gen(function* () {
        yield* (yield* WriteBuffer).flush
        return yield* (yield* Ledger).getEnvelope(envelopeId)
      }),
    )
  }

  report(query: ReportQuery): Promise<Report> {
    return this.#run(
      Effect.gen(function* () {
        yield* (yield* WriteBuffer).flush
        return yield* (yield* Ledger).report(query)
      }),
    )
  }

  /** Writes everything recorded so far; resolves once it is durable. */
  flush(): Promise<void> {
    // A store that writes synchronously (memory) needs no fiber when nothing else is flushing.
    if (!this.#closed) {
      try {
        if (this.#buffer.flushNow()) return RESOLVED
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return this.#run(WriteBuffer.use((buffer) => buffer.flush))
  }

  /** Flushes and releases the store. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    await this.flush()
    this.#closed = true
    clearInterval(this.#timer)
    this.#onSignal?.()
    await this.#runtime.dispose()
  }
}

const RESOLVED: Promise<void> = Promise.resolve()

/** Wall time from `now`; monotonic time and sleeping stay real. */
const fixedClock = (now: () => number): Clock.Clock => {
  const real = Clock.Clock.defaultValue()
  return {
    ...real,
    currentTimeMillisUnsafe: now,
    currentTimeMillis: Effect.sync(now),
    currentTimeNanosUnsafe: () => BigInt(now()) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
  }
}
