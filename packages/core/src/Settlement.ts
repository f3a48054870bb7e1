/**
 * Async settlement (layer 3): estimate now, capture later. After a run ends,
 * each pending cost is looked up at its provider's `SettlementSource` and the
 * difference to what is booked is written as an adjustment (adjust to
 * target, keyed by the source's revision). Workers claim due envelopes, so
 * several processes on one PostgreSQL never settle an envelope twice.
 */
import { Clock, Context, Effect, Layer, Random, Result } from "effect"
import * as Booking from "./Booking.ts"
import type { EnvelopeRecord } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import { EnvelopeTracker } from "./EnvelopeTracker.ts"
import { Ledger, type LedgerEntry, type LedgerError } from "./Ledger.ts"
import * as Money from "./Money.ts"
import type { UnknownOutcomePrice } from "./PricingRegistry.ts"
import type { SettledCost, SettlementSource } from "./SettlementSource.ts"
import { iso } from "./Timestamp.ts"

export interface SettlementOptions {
  readonly sources?: ReadonlyArray<SettlementSource> | undefined
  /** This worker's name in claims (default: a random one per process). */
  readonly worker?: string | undefined
  readonly batchSize?: number | undefined
  /** A claim not released within this time is free for another worker. */
  readonly leaseMs?: number | undefined
  /** Tries of one lookup within a pass, on retryable errors (429, 5xx, timeouts). */
  readonly attempts?: number | undefined
  readonly baseDelayMs?: number | undefined
  /** Longest wait inside a pass; a longer Retry-After moves the lookup to a later pass. */
  readonly maxDelayMs?: number | undefined
  /** First wait before an envelope whose pass failed is tried again; doubles per attempt, up to 1 hour. */
  readonly retryAfterFailureMs?: number | undefined
}

export interface EnvelopeSettlement {
  readonly envelope_id: string
  readonly settled: boolean
  readonly adjustments: number
  readonly error: string | null
}

export interface SettleSummary {
  readonly claimed: number
  readonly settled: number
  readonly adjustments: number
  readonly envelopes: ReadonlyArray<EnvelopeSettlement>
}

const HOUR = 60 * 60 * 1000

/** The first source for the signal's provider that accepts it. */
const sourceFor = (sources: ReadonlyArray<SettlementSource>, signal: CostSignal) =>
  sources.find((source) => source.provider === signal.provider && source.accepts(signal))

export class Settlement extends Context.Service<
  Settlement,
  {
    /** Claims due envelopes and settles them; returns what happened to each. */
    readonly settleDue: Effect.Effect<SettleSummary, LedgerError | UnknownOutcomePrice>
    readonly settleEnvelope: (
      envelope: EnvelopeRecord,
    ) => Effect.Effect<EnvelopeSettlement, LedgerError | UnknownOutcomePrice>
  }
>()("@agentcost/core/Settlement") {
  static make = Effect.fn("Settlement.make")(function* (options: SettlementOptions = {}) {
    const ledger = yield* Ledger
    const tracker = yield* EnvelopeTracker
    const sources = options.sources ?? []
    const worker = options.worker ?? `worker-${Math.random().toString(36).slice(2, 10)}`
    const batchSize = options.batchSize ?? 100
    const leaseMs = options.leaseMs ?? 5 * 60 * 1000
    const attempts = options.attempts ?? 3
    const baseDelayMs = options.baseDelayMs ?? 500
    const maxDelayMs = options.maxDelayMs ?? 30_000
    const retryAfterFailureMs = options.retryAfterFailureMs ?? 30_000

    /** Exponential backoff with jitter, never sooner than the provider's Retry-After. */
    const lookup = (source: SettlementSource, signal: CostSignal) =>
      Effect.gen(function* () {
        for (let attempt = 1; ; attempt++) {
          const result = yield* Effect.result(source.lookup(signal))
          if (Result.isSuccess(result)) return result.success
          const error = result.failure
          if (!error.retryable || attempt >= attempts) return yield* error
          const jitter = yield* Random.nextBetween(0.5, 1)
          const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * jitter
          const delay = Math.max(backoff, error.retryAfterMs ?? 0)
          if (delay > maxDelayMs) return yield* error
          yield* Effect.sleep(delay)
        }
      })

    const settleEnvelope = Effect.fn("Settlement.settleEnvelope")(function* (
      claimed: EnvelopeRecord,
    ) {
      const now = yield* Clock.currentTimeMillis
      // The outcome may have been decided by a process that crashed before booking its fee.
      yield* tracker.bookOutcomeFees(claimed)
      const signals = yield* ledger.signals(claimed.envelope_id)
      const entries = yield* ledger.entries({ envelopeId: claimed.envelope_id })
      const adjustments: Array<LedgerEntry> = []
      const problems: Array<string> = []
      let retryAfterMs = 0

      const adjust = (
        template: LedgerEntry,
        target: string,
        settled: Money.Decimal,
        revision: string,
      ) => {
        const booked = Booking.bookedFor(entries, target)
        if (entries.some((e) => e.key === `adj:${target}:${revision}`)) return
        adjustments.push(
          Booking.adjustmentEntry(template, target, booked, settled, revision, iso(now)),
        )
      }

      for (const signal of signals) {
        if (!signal.pending_cost) continue
        if (entries.some((e) => e.kind === "adjustment" && e.signal_id === signal.signal_id))
          continue
        const source = sourceFor(sources, signal)
        if (!source) {
          // Nothing to capture from: the booked estimate is final, unless there is none.
          if (signal.pricing_error)
            problems.push(
              `${signal.signal_id}: ${signal.pricing_error}; no settlement source for ${signal.provider}`,
            )
          continue
        }
        const answer = yield* Effect.result(lookup(source, signal))
        if (Result.isFailure(answer)) {
          problems.push(`${signal.signal_id}: ${answer.failure.message}`)
          retryAfterMs = Math.max(retryAfterMs, answer.failure.retryAfterMs ?? 0)
          continue
        }
        const settled: SettledCost | null = answer.success
        if (settled === null) {
          problems.push(`${signal.signal_id}: ${source.provider} has not finalized the cost yet`)
          continue
        }
        if (settled.currency !== signal.currency) {
          problems.push(
            `${signal.signal_id}: settled in ${settled.currency}, booked in ${signal.currency}`,
          )
          continue
        }
        const template = Booking.signalEntry(signal, claimed.payer_policy, "0", iso(now))
        const amount = Money.decimal(settled.amount)
        const outcomeFee =
          settled.outcomeFee === undefined ? undefined : Money.decimal(settled.outcomeFee)
        adjust(
          template,
          signal.signal_id,
          outcomeFee ? amount.minus(outcomeFee) : amount,
          settled.revision,
        )
        if (outcomeFee) {
          const target = Booking.outcomeTarget(claimed.envelope_id, signal.provider, signal.model)
          const fee = entries.find((e) => e.key === `fee:${target}`)
          if (fee) adjust(fee, target, outcomeFee, settled.revision)
        }
      }

      if (adjustments.length > 0) yield* ledger.write({ entries: adjustments })
      const error = problems.length > 0 ? problems.join("; ") : null
      const attemptsSoFar = claimed.settlement_attempts + 1
      const wait = Math.max(
        retryAfterMs,
        Math.min(HOUR, retryAfterFailureMs * 2 ** (attemptsSoFar - 1)),
      )
      yield* ledger.updateEnvelope(
        claimed.envelope_id,
        { settlement: ["due"] },
        error === null
          ? {
              settlement: "settled",
              settled_at: iso(now),
              settlement_error: null,
              settlement_attempts: attemptsSoFar,
              next_settlement_at: null,
            }
          : {
              settlement_error: error,
              settlement_attempts: attemptsSoFar,
              next_settlement_at: iso(now + wait),
            },
      )
      return {
        envelope_id: claimed.envelope_id,
        settled: error === null,
        adjustments: adjustments.length,
        error,
      }
    })

    const settleDue = Effect.gen(function* () {
      yield* tracker.sweep
      const now = yield* Clock.currentTimeMillis
      const claimed = yield* ledger.claimDue({ worker, now: iso(now), limit: batchSize, leaseMs })
      const results: Array<EnvelopeSettlement> = []
      for (const envelope of claimed) {
        results.push(
          yield* settleEnvelope(envelope).pipe(
            Effect.ensuring(ledger.releaseClaim(envelope.envelope_id, worker).pipe(Effect.ignore)),
          ),
        )
      }
      return {
        claimed: claimed.length,
        settled: results.filter((r) => r.settled).length,
        adjustments: results.reduce((n, r) => n + r.adjustments, 0),
        envelopes: results,
      }
    }).pipe(Effect.withSpan("Settlement.settleDue"))

    return Settlement.of({ settleDue, settleEnvelope })
  })

  static layer = (options: SettlementOptions = {}) =>
    Layer.effect(Settlement, Settlement.make(options))
}
