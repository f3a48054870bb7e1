/**
 * Opens, records into and finalizes cost envelopes (layer 1), and records
 * business outcomes later, from any process, by envelope id. The envelope
 * state lives in the ledger, so any process on the same store can resume,
 * finalize, record an outcome or settle.
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import * as Booking from "./Booking.ts"
import {
  EnvelopeClosed,
  type EnvelopeRecord,
  type FinalStatus,
  InvalidEnvelopeOptions,
  makeId,
  type Outcome,
  OutcomeAlreadyDecided,
  OutcomeDeadlinePassed,
  type PayerPolicy,
  type SettlementState,
  UnknownEnvelope,
} from "./CostEnvelope.ts"
import * as CostSignal from "./CostSignal.ts"
import { type EnvelopePatch, Ledger, type LedgerError } from "./Ledger.ts"
import { CurrencyMismatch } from "./Money.ts"
import { PricingRegistry, type UnknownOutcomePrice } from "./PricingRegistry.ts"
import type {
  MalformedResponse,
  NormalizedCall,
  NormalizeHints,
  ProviderAdapter,
} from "./ProviderAdapter.ts"
import { type Contribution, type ResourceRecord, resourceId } from "./SharedResource.ts"
import { iso } from "./Timestamp.ts"
import { WriteBuffer } from "./WriteBuffer.ts"

export interface TrackerOptions {
  readonly adapters?: ReadonlyArray<ProviderAdapter> | undefined
  readonly payerPolicy?: PayerPolicy | undefined
  /** An open envelope older than this is swept to `timed_out` (default 1 hour). */
  readonly runDeadlineMs?: number | undefined
  /** How long after finalize an outcome may still be recorded (default 7 days). */
  readonly outcomeDeadlineMs?: number | undefined
}

export interface OpenOptions {
  readonly tenantId?: string | null | undefined
  readonly workflowType?: string | null | undefined
  readonly envelopeId?: string | undefined
  readonly parentId?: string | null | undefined
  readonly payerPolicy?: PayerPolicy | undefined
  readonly runDeadlineMs?: number | undefined
  readonly outcomeDeadlineMs?: number | undefined
}

/** What this process holds for an envelope it records into. */
export interface ActiveEnvelope {
  readonly envelopeId: string
  readonly tenantId: string | null
  readonly workflowType: string | null
  readonly payerPolicy: PayerPolicy
  /** Calls begun and not yet recorded or ended; `run()` waits for them. */
  inflight: number
  callIndex: number
  finalized: boolean
}

export interface CallInput {
  readonly provider: string
  /** A raw provider response, normalized by the provider's adapter… */
  readonly raw?: unknown
  /** …or a call an integration already normalized from its framework's usage. */
  readonly call?: NormalizedCall | undefined
  readonly hints?: NormalizeHints | undefined
  readonly operationId?: string | undefined
  readonly attempt?: number | undefined
  readonly attemptOutcome?: "succeeded" | "failed" | undefined
  readonly resourceId?: string | undefined
  /** Call time (epoch ms); default: the response's timestamp, else now. */
  readonly at?: number | undefined
}

export class UnknownProvider extends Schema.TaggedError<UnknownProvider>()("UnknownProvider", {
  provider: Schema.String,
  known: Schema.Array(Schema.String),
}) {
  override get message() {
    return `no adapter for provider "${this.provider}" (configured: ${this.known.join(", ") || "none"}); add it to adapters`
  }
}

/** The settlement state an envelope with these signals and outcome is in once finalized. */
export const settlementAfterFinalize = (
  signals: ReadonlyArray<CostSignal.CostSignal>,
  outcome: Outcome | null,
): SettlementState => {
  if (outcome === null && signals.some(Booking.isOutcomePriced)) return "awaiting_outcome"
  return signals.some((s) => s.pending_cost) ||
    (outcome !== null && signals.some(Booking.isOutcomePriced))
    ? "due"
    : "settled"
}

/** What finalizing an open envelope with these signals changes in its record. */
const finalPatch = (
  current: EnvelopeRecord,
  signals: ReadonlyArray<CostSignal.CostSignal>,
  status: FinalStatus,
  now: number,
): EnvelopePatch => {
  const settlement = settlementAfterFinalize(signals, current.outcome)
  // The outcome window counted from the run deadline until now; from here it counts from now.
  const outcomeWindow = Date.parse(current.outcome_deadline!) - Date.parse(current.run_deadline!)
  const at = iso(now)
  return {
    status,
    finalized_at: at,
    outcome_deadline: iso(now + outcomeWindow),
    settlement,
    settled_at: settlement === "settled" ? at : null,
  }
}

export class EnvelopeTracker extends Context.Service<
  EnvelopeTracker,
  {
    readonly open: (
      options: OpenOptions,
    ) => Effect.Effect<ActiveEnvelope, InvalidEnvelopeOptions | LedgerError>
    /** `open` synchronously when it can; undefined means "use open". Throws InvalidEnvelopeOptions. */
    readonly openNow: (options: OpenOptions) => ActiveEnvelope | undefined
    readonly resume: (
      envelopeId: string,
    ) => Effect.Effect<ActiveEnvelope, UnknownEnvelope | EnvelopeClosed | LedgerError>
    readonly record: (
      envelope: ActiveEnvelope,
      input: CallInput,
    ) => Effect.Effect<CostSignal.CostSignal, UnknownProvider | MalformedResponse | LedgerError>
    /** `record` synchronously when it can; undefined means "use record". Throws what record fails with. */
    readonly recordNow: (
      envelope: ActiveEnvelope,
      input: CallInput,
    ) => CostSignal.CostSignal | undefined
    /**
     * `recordNow` with the pricing deferred to the next flush, where the
     * captured calls are priced in one batch: false means "use record".
     * Throws what normalizing a raw response throws; pricing never throws.
     */
    readonly captureNow: (envelope: ActiveEnvelope, input: CallInput) => boolean
    /** Books an already priced signal (ingest, another process's recorder). */
    readonly recordSignal: (
      signal: CostSignal.CostSignal,
      payerPolicy?: PayerPolicy,
    ) => Effect.Effect<void, CurrencyMismatch | LedgerError>
    readonly finalize: (
      envelopeId: string,
      status: FinalStatus,
    ) => Effect.Effect<EnvelopeRecord, UnknownEnvelope | EnvelopeClosed | LedgerError>
    /**
     * Finalizes with the next flush, after the envelope's calls are written
     * (one write per flush instead of one per run); the time is now's. An
     * envelope already finalized elsewhere is left as it is.
     */
    readonly finalizeLater: (envelopeId: string, status: FinalStatus) => void
    readonly recordOutcome: (
      envelopeId: string,
      outcome: Outcome,
    ) => Effect.Effect<
      EnvelopeRecord,
      | UnknownEnvelope
      | OutcomeAlreadyDecided
      | OutcomeDeadlinePassed
      | UnknownOutcomePrice
      | LedgerError
    >
    /** Books the outcome fees an envelope's decided outcome implies (idempotent; settlement re-runs it). */
    readonly bookOutcomeFees: (
      envelope: EnvelopeRecord,
    ) => Effect.Effect<void, UnknownOutcomePrice | LedgerError>
    readonly declareResource: (resource: {
      readonly kind: string
      readonly id: string
      readonly policy: string
    }) => Effect.Effect<ResourceRecord, LedgerError>
    readonly contribute: (
      contribution: Omit<Contribution, "occurred_at"> & { readonly occurred_at?: string },
    ) => Effect.Effect<void, LedgerError>
    /** Times out abandoned open envelopes and expires undecided outcomes to `unknown`. */
    readonly sweep: Effect.Effect<
      { readonly timedOut: number; readonly outcomesExpired: number },
      LedgerError | UnknownOutcomePrice
    >
    readonly flush: Effect.Effect<void, LedgerError>
  }
>()("@agentcost/core/EnvelopeTracker") {
  static make = Effect.fn("EnvelopeTracker.make")(function* (options: TrackerOptions = {}) {
    const ledger = yield* Ledger
    const buffer = yield* WriteBuffer
    const registry = yield* PricingRegistry
    const clock = yield* Clock.Clock
    const adapters = new Map((options.adapters ?? []).map((a) => [a.provider, a]))
    const defaultPolicy = options.payerPolicy ?? "tenant_pays_all"
    const runDeadlineMs = options.runDeadlineMs ?? 60 * 60 * 1000
    const outcomeDeadlineMs = options.outcomeDeadlineMs ?? 7 * 24 * 60 * 60 * 1000

    const getEnvelope = (envelopeId: string) =>
      ledger
        .getEnvelope(envelopeId)
        .pipe(
          Effect.flatMap((found) =>
            found ? Effect.succeed(found) : Effect.fail(new UnknownEnvelope({ envelopeId })),
          ),
        )

    /** The envelope record and its in-process state; throws InvalidEnvelopeOptions. */
    const envelopeOf = (opts: OpenOptions, now: number) => {
      const deadline = opts.runDeadlineMs ?? runDeadlineMs
      if (!(deadline > 0)) {
        throw new InvalidEnvelopeOptions({
          field: "runDeadlineMs",
          reason: `must be positive, got ${deadline}`,
        })
      }
      if (opts.outcomeDeadlineMs !== undefined && !(opts.outcomeDeadlineMs > 0)) {
        throw new InvalidEnvelopeOptions({
          field: "outcomeDeadlineMs",
          reason: `must be positive, got ${opts.outcomeDeadlineMs}`,
        })
      }
      const envelopeId = opts.envelopeId ?? makeId(now)
      const payerPolicy = opts.payerPolicy ?? defaultPolicy
      const record: EnvelopeRecord = {
        envelope_id: envelopeId,
        tenant_id: opts.tenantId ?? null,
        workflow_type: opts.workflowType ?? null,
        parent_id: opts.parentId ?? null,
        status: "open",
        outcome: null,
        payer_policy: payerPolicy,
        opened_at: iso(now),
        finalized_at: null,
        run_deadline: iso(now + deadline),
        // Until finalize sets it, the window counts from the run deadline.
        outcome_deadline: iso(now + deadline + (opts.outcomeDeadlineMs ?? outcomeDeadlineMs)),
        outcome_at: null,
        settlement: "none",
        settled_at: null,
        settlement_error: null,
        settlement_attempts: 0,
        next_settlement_at: null,
      }
      const active: ActiveEnvelope = {
        envelopeId,
        tenantId: record.tenant_id,
        workflowType: record.workflow_type,
        payerPolicy,
        inflight: 0,
        callIndex: 0,
        finalized: false,
      }
      return { record, active }
    }

    const open = Effect.fn("EnvelopeTracker.open")(function* (opts: OpenOptions) {
      const now = yield* Clock.currentTimeMillis
      const { record, active } = yield* Effect.try({
        try: () => envelopeOf(opts, now),
        catch: (error) => error as InvalidEnvelopeOptions,
      })
      yield* buffer.offer({ envelopes: [record] })
      return active
    })

    /** `open` without a fiber (one per workflow run); undefined means "use open". */
    const openNow = (opts: OpenOptions): ActiveEnvelope | undefined => {
      if (!buffer.hasRoom()) return undefined
      const { record, active } = envelopeOf(opts, clock.currentTimeMillisUnsafe())
      // An id of the caller's may name an envelope a store already holds.
      if (opts.envelopeId === undefined) buffer.offerOpened(record)
      else buffer.offerNow({ envelopes: [record] })
      return active
    }

    const resume = Effect.fn("EnvelopeTracker.resume")(function* (envelopeId: string) {
      yield* buffer.flush
      const record = yield* getEnvelope(envelopeId)
      if (record.status !== "open")
        return yield* new EnvelopeClosed({ envelopeId, status: record.status })
      const existing = yield* ledger.signals(envelopeId)
      return {
        envelopeId,
        tenantId: record.tenant_id,
        workflowType: record.workflow_type,
        payerPolicy: record.payer_policy,
        inflight: 0,
        callIndex: existing.length,
        finalized: false,
      } satisfies ActiveEnvelope
    })

    /** A call booked after its envelope finalized (a late stream) re-opens settlement. */
    const reopenSettlement = (envelopeId: string) =>
      buffer.flush.pipe(
        Effect.andThen(
          ledger.updateEnvelope(
            envelopeId,
            { settlement: ["settled"] },
            { settlement: "due", settled_at: null },
          ),
        ),
        Effect.asVoid,
      )

    /** The call as given, or its raw response normalized; throws UnknownProvider or MalformedResponse. */
    const normalized = (input: CallInput): NormalizedCall => {
      if (input.call !== undefined) return input.call
      const adapter = adapters.get(input.provider)
      if (!adapter)
        throw new UnknownProvider({ provider: input.provider, known: [...adapters.keys()] })
      return adapter.normalize(input.raw, input.hints)
    }

    const pricedSignal = (
      envelope: ActiveEnvelope,
      input: CallInput,
      call: NormalizedCall,
      callIndex: number,
      now: number,
    ) =>
      CostSignal.fromCall(
        registry.pricer,
        input.provider,
        call,
        {
          envelopeId: envelope.envelopeId,
          tenantId: envelope.tenantId,
          workflowType: envelope.workflowType,
          resourceId: input.resourceId,
          operationId: input.operationId,
          attempt: input.attempt,
          attemptOutcome: input.attemptOutcome,
          callIndex,
          at: input.at,
        },
        now,
      )

    /** Normalizes (when raw) and prices one call; throws UnknownProvider or MalformedResponse. */
    const priceCall = (envelope: ActiveEnvelope, input: CallInput, now: number) =>
      pricedSignal(envelope, input, normalized(input), envelope.callIndex++, now)

    const bookingOf = (signal: CostSignal.CostSignal, policy: PayerPolicy, now: number) => {
      const entry = Booking.estimateEntry(signal, policy, iso(now))
      return entry ? { signals: [signal], entries: [entry] } : { signals: [signal] }
    }

    // The per-call hot path: a span per call costs ~8 µs even with no tracer
    // installed (bench/recording.ts), so calls are traced by the integrations'
    // own spans and the coarse operations here, not one span each.
    const record = Effect.fnUntraced(function* (envelope: ActiveEnvelope, input: CallInput) {
      const now = yield* Clock.currentTimeMillis
      const signal = yield* Effect.try({
        try: () => priceCall(envelope, input, now),
        catch: (error) => error as UnknownProvider | MalformedResponse,
      })
      yield* buffer.offer(bookingOf(signal, envelope.payerPolicy, now))
      if (envelope.finalized && signal.pending_cost) yield* reopenSettlement(envelope.envelopeId)
      return signal
    })

    /**
     * `record` without a fiber, for callers on a framework's per-call path:
     * undefined when the call needs the effectful path (a full buffer, sync
     * durability, an envelope already finalized).
     */
    const recordNow = (
      envelope: ActiveEnvelope,
      input: CallInput,
    ): CostSignal.CostSignal | undefined => {
      if (envelope.finalized || !buffer.hasRoom()) return undefined
      const now = clock.currentTimeMillisUnsafe()
      const signal = priceCall(envelope, input, now)
      buffer.offerNow(bookingOf(signal, envelope.payerPolicy, now))
      return signal
    }

    const captureNow = (envelope: ActiveEnvelope, input: CallInput): boolean => {
      if (envelope.finalized || !buffer.hasRoom()) return false
      const now = clock.currentTimeMillisUnsafe()
      const call = normalized(input)
      const callIndex = envelope.callIndex++
      buffer.offerDeferred(() =>
        bookingOf(pricedSignal(envelope, input, call, callIndex, now), envelope.payerPolicy, now),
      )
      return true
    }

    // Per signal on the ingest path: untraced, like record.
    const recordSignal = Effect.fnUntraced(function* (
      signal: CostSignal.CostSignal,
      payerPolicy?: PayerPolicy,
    ) {
      const entry = signal.price_ref ? registry.pricer.entry(signal.price_ref) : undefined
      if (entry && signal.cost_source === "local" && entry.currency !== signal.currency) {
        return yield* new CurrencyMismatch({ left: signal.currency, right: entry.currency })
      }
      const now = yield* Clock.currentTimeMillis
      yield* buffer.offer(bookingOf(signal, payerPolicy ?? defaultPolicy, now))
    })

    const bookOutcomeFees = Effect.fn("EnvelopeTracker.bookOutcomeFees")(function* (
      envelope: EnvelopeRecord,
    ) {
      if (envelope.outcome === null || envelope.outcome_at === null) return
      const now = yield* Clock.currentTimeMillis
      const signals = yield* ledger.signals(envelope.envelope_id)
      const entries = []
      for (const signal of Booking.outcomePricedCalls(signals)) {
        const fee = yield* registry.outcomeFee(signal.price_ref!, envelope.outcome)
        if (fee) {
          entries.push(
            Booking.outcomeFeeEntry(
              envelope,
              signal,
              fee,
              envelope.outcome,
              envelope.outcome_at,
              iso(now),
            ),
          )
        }
      }
      if (entries.length > 0) yield* ledger.write({ entries })
    })

    // Once per run, on every integration's path: untraced like record (a span
    // costs ~8 µs with no tracer); the workflow span belongs to observability.
    /** Finalizes from what the ledger holds: flush first, unless the caller is the flush's own job. */
    const finalizeAt = Effect.fnUntraced(function* (
      envelopeId: string,
      status: FinalStatus,
      now: number,
      flushFirst: boolean,
    ) {
      if (flushFirst) yield* buffer.flush
      const current = yield* getEnvelope(envelopeId)
      if (current.status !== "open")
        return yield* new EnvelopeClosed({ envelopeId, status: current.status })
      const signals = yield* ledger.signals(envelopeId)
      const updated = yield* ledger.updateEnvelope(
        envelopeId,
        { status: "open" },
        finalPatch(current, signals, status, now),
      )
      if (!updated) {
        const raced = yield* getEnvelope(envelopeId)
        return yield* new EnvelopeClosed({ envelopeId, status: raced.status })
      }
      return updated
    })

    const finalize = (envelopeId: string, status: FinalStatus) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => finalizeAt(envelopeId, status, now, true))

    const finalizeLater = (envelopeId: string, status: FinalStatus): void => {
      const now = clock.currentTimeMillisUnsafe()
      // Only a record from offerOpened is finished there, once: it is still open.
      const inBatch = buffer.finishInBatch(envelopeId, (record, signals) => ({
        ...record,
        ...finalPatch(record, signals, status, now),
      }))
      if (inBatch) return
      buffer.afterWrite(
        finalizeAt(envelopeId, status, now, false).pipe(
          Effect.catchTag("EnvelopeClosed", () => Effect.void),
          Effect.catchTag("UnknownEnvelope", (error) =>
            Effect.logWarning(`agentcost: cannot finalize: ${error.message}`),
          ),
          Effect.asVoid,
        ),
      )
    }

    const decideOutcome = (envelope: EnvelopeRecord, outcome: Outcome, now: number) =>
      Effect.gen(function* () {
        const signals = yield* ledger.signals(envelope.envelope_id)
        const updated = yield* ledger.updateEnvelope(
          envelope.envelope_id,
          { outcomeUndecided: true },
          {
            outcome,
            outcome_at: iso(now),
            ...(envelope.status === "open"
              ? {}
              : { settlement: settlementAfterFinalize(signals, outcome) }),
            ...(envelope.status !== "open" &&
            settlementAfterFinalize(signals, outcome) !== "settled"
              ? { settled_at: null }
              : {}),
          },
        )
        if (updated) yield* bookOutcomeFees(updated)
        return updated
      })

    const recordOutcome = Effect.fn("EnvelopeTracker.recordOutcome")(function* (
      envelopeId: string,
      outcome: Outcome,
    ) {
      yield* buffer.flush
      const now = yield* Clock.currentTimeMillis
      const current = yield* getEnvelope(envelopeId)
      if (current.outcome !== null) {
        return yield* new OutcomeAlreadyDecided({
          envelopeId,
          outcome: current.outcome,
          requested: outcome,
        })
      }
      if (current.outcome_deadline !== null && current.outcome_deadline < iso(now)) {
        return yield* new OutcomeDeadlinePassed({ envelopeId, deadline: current.outcome_deadline })
      }
      const updated = yield* decideOutcome(current, outcome, now)
      if (updated) return updated
      // Another process decided it between our read and our write.
      const raced = yield* getEnvelope(envelopeId)
      return yield* new OutcomeAlreadyDecided({
        envelopeId,
        outcome: raced.outcome ?? "?",
        requested: outcome,
      })
    })

    const declareResource = Effect.fn("EnvelopeTracker.declareResource")(function* (resource: {
      readonly kind: string
      readonly id: string
      readonly policy: string
    }) {
      const now = yield* Clock.currentTimeMillis
      const record: ResourceRecord = {
        resource_id: resourceId(resource.kind, resource.id),
        kind: resource.kind,
        policy: resource.policy,
        declared_at: iso(now),
      }
      yield* buffer.offer({ resources: [record] })
      return record
    })

    const contribute = Effect.fn("EnvelopeTracker.contribute")(function* (
      contribution: Omit<Contribution, "occurred_at"> & { readonly occurred_at?: string },
    ) {
      const now = yield* Clock.currentTimeMillis
      yield* buffer.offer({
        contributions: [{ ...contribution, occurred_at: contribution.occurred_at ?? iso(now) }],
      })
    })

    const sweep = Effect.gen(function* () {
      yield* buffer.flush
      const now = yield* Clock.currentTimeMillis
      let timedOut = 0
      for (const envelope of yield* ledger.findEnvelopes({
        kind: "past_run_deadline",
        now: iso(now),
      })) {
        const done = yield* finalize(envelope.envelope_id, "timed_out").pipe(
          Effect.as(1),
          Effect.catchTag(["EnvelopeClosed", "UnknownEnvelope"], () => Effect.succeed(0)),
        )
        timedOut += done
      }
      let outcomesExpired = 0
      for (const envelope of yield* ledger.findEnvelopes({
        kind: "past_outcome_deadline",
        now: iso(now),
      })) {
        if (yield* decideOutcome(envelope, "unknown", now)) outcomesExpired++
      }
      return { timedOut, outcomesExpired }
    }).pipe(Effect.withSpan("EnvelopeTracker.sweep"))

    return EnvelopeTracker.of({
      open,
      openNow,
      resume,
      record,
      recordNow,
      captureNow,
      recordSignal,
      finalize,
      finalizeLater,
      recordOutcome,
      bookOutcomeFees,
      declareResource,
      contribute,
      sweep,
      flush: buffer.flush,
    })
  })

  static layer = (options: TrackerOptions = {}) =>
    Layer.effect(EnvelopeTracker, EnvelopeTracker.make(options))
}
