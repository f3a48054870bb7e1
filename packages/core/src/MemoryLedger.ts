/**
 * The in-memory ledger: tests, `memory:` stores and the reference semantics
 * that the SQL ledger must match (both run `testing/LedgerSuite.ts`).
 * `memory:<name>` stores are shared by every facade in the process that names
 * them, so two instances can play two processes.
 */
import { Effect, Layer } from "effect"
import type { EnvelopeRecord, Outcome } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import {
  type Balance,
  type BalanceQuery,
  Ledger,
  type LedgerEntry,
  type LedgerShape,
  periodRange,
  type Report,
  type ReportQuery,
  reportKey,
  type WriteBatch,
  type WriteResult,
} from "./Ledger.ts"
import * as Money from "./Money.ts"
import type { Contribution, ResourceRecord } from "./SharedResource.ts"

interface Tally {
  estimated: Money.Decimal
  settled: Money.Decimal
  pending: Money.Decimal
}

/** An envelope's signals and entries, in write order. */
interface EnvelopeBooks {
  readonly signals: Array<CostSignal>
  readonly entries: Array<LedgerEntry>
}

export class MemoryStore {
  readonly envelopes = new Map<string, EnvelopeRecord>()
  readonly signals = new Map<string, CostSignal>()
  readonly entries = new Map<string, LedgerEntry>()
  /** Per envelope, its signals and entries: one map for both lists. */
  readonly books = new Map<string, EnvelopeBooks>()
  readonly resources = new Map<string, ResourceRecord>()
  readonly contributions = new Map<string, Contribution>()
  readonly claims = new Map<string, { worker: string; until: number }>()
}

const named = new Map<string, MemoryStore>()

/** The process-wide store behind `memory:<name>`; `memory:` alone is private. */
export const storeNamed = (name: string): MemoryStore => {
  if (name === "") return new MemoryStore()
  let store = named.get(name)
  if (!store) {
    store = new MemoryStore()
    named.set(name, store)
  }
  return store
}

const settledAsOf = (envelope: EnvelopeRecord | undefined, asOf: string | undefined): boolean => {
  if (!envelope) return true
  return envelope.settled_at !== null && (asOf === undefined || envelope.settled_at <= asOf)
}

/**
 * The memory store's write, synchronous: `write` runs it, and the facade
 * hands it to its write buffer so a flush of a `memory:` store needs no fiber.
 */
export const writeNow =
  (store: MemoryStore) =>
  (batch: WriteBatch): WriteResult => {
    for (const envelope of batch.envelopes ?? []) {
      if (!store.envelopes.has(envelope.envelope_id))
        store.envelopes.set(envelope.envelope_id, envelope)
    }
    for (const resource of batch.resources ?? []) {
      if (!store.resources.has(resource.resource_id))
        store.resources.set(resource.resource_id, resource)
    }
    for (const contribution of batch.contributions ?? []) {
      if (!store.contributions.has(contribution.key))
        store.contributions.set(contribution.key, contribution)
    }
    const booksOf = (id: string): EnvelopeBooks => {
      let books = store.books.get(id)
      if (!books) {
        books = { signals: [], entries: [] }
        store.books.set(id, books)
      }
      return books
    }
    let signals = 0
    for (const signal of batch.signals ?? []) {
      if (store.signals.has(signal.signal_id)) continue
      store.signals.set(signal.signal_id, signal)
      if (signal.envelope_id) booksOf(signal.envelope_id).signals.push(signal)
      signals++
    }
    let entries = 0
    for (const entry of batch.entries ?? []) {
      if (store.entries.has(entry.key)) continue
      store.entries.set(entry.key, entry)
      if (entry.envelope_id) booksOf(entry.envelope_id).entries.push(entry)
      entries++
    }
    return { signals, entries }
  }

export const make = (store: MemoryStore = new MemoryStore()): LedgerShape => {
  const write = writeNow(store)
  const inQuery = (
    entry: LedgerEntry,
    query: BalanceQuery | ReportQuery,
    currency: string,
  ): boolean => {
    if (entry.currency !== currency) return false
    if (query.asOf !== undefined && entry.recorded_at > query.asOf) return false
    if (query.period !== undefined) {
      const { start, end } = periodRange(query.period)
      if (entry.occurred_at < start || entry.occurred_at >= end) return false
    }
    return true
  }
  const outcomeOf = (entry: LedgerEntry): Outcome | null | undefined =>
    entry.envelope_id ? store.envelopes.get(entry.envelope_id)?.outcome : undefined

  const report = (query: ReportQuery): Report => {
    const currency = query.currency ?? "USD"
    const tallies = new Map<string, Tally>()
    for (const entry of store.entries.values()) {
      if (!inQuery(entry, query, currency)) continue
      const key = reportKey(entry, query.by, outcomeOf(entry))
      let tally = tallies.get(key)
      if (!tally) {
        tally = { estimated: Money.ZERO, settled: Money.ZERO, pending: Money.ZERO }
        tallies.set(key, tally)
      }
      const amount = new Money.Decimal(entry.amount)
      if (entry.kind === "estimate" || entry.kind === "outcome_fee")
        tally.estimated = tally.estimated.plus(amount)
      const envelope = entry.envelope_id ? store.envelopes.get(entry.envelope_id) : undefined
      if (settledAsOf(envelope, query.asOf)) tally.settled = tally.settled.plus(amount)
      else tally.pending = tally.pending.plus(amount)
    }
    const rows = [...tallies.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, t]) => ({
        key,
        total: Money.format(t.settled.plus(t.pending)),
        estimated: Money.format(t.estimated),
        settled: Money.format(t.settled),
        pending: Money.format(t.pending),
      }))
    const { start, end } = periodRange(query.period)
    const unpriced = [...store.signals.values()]
      .filter(
        (s) =>
          s.pricing_error &&
          s.observed_at >= start &&
          s.observed_at < end &&
          !settledAsOf(s.envelope_id ? store.envelopes.get(s.envelope_id) : undefined, query.asOf),
      )
      .map((s) => ({ signal_id: s.signal_id, reason: s.pricing_error ?? "" }))
    return {
      period: query.period,
      by: query.by,
      currency,
      total: Money.format(Money.sum(rows.map((r) => new Money.Decimal(r.total)))),
      rows,
      unpriced,
    }
  }

  const balances = (query: BalanceQuery): Array<Balance> => {
    const currency = query.currency ?? "USD"
    const sums = new Map<string, Money.Decimal>()
    for (const entry of store.entries.values()) {
      if (!inQuery(entry, query, currency)) continue
      const key = reportKey(entry, query.by, outcomeOf(entry))
      sums.set(key, (sums.get(key) ?? Money.ZERO).plus(entry.amount))
    }
    return [...sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, amount]) => ({ key, amount: Money.format(amount), currency }))
  }

  return {
    write: (batch) => Effect.sync(() => write(batch)),
    getEnvelope: (id) => Effect.sync(() => store.envelopes.get(id)),
    updateEnvelope: (id, guard, patch) =>
      Effect.sync(() => {
        const current = store.envelopes.get(id)
        if (!current) return undefined
        if (guard.status !== undefined && current.status !== guard.status) return undefined
        if (guard.outcomeUndecided && current.outcome !== null) return undefined
        if (guard.settlement && !guard.settlement.includes(current.settlement)) return undefined
        const next = { ...current, ...patch } as EnvelopeRecord
        store.envelopes.set(id, next)
        return next
      }),
    findEnvelopes: (query) =>
      Effect.sync(() =>
        [...store.envelopes.values()].filter((e) => {
          switch (query.kind) {
            case "past_run_deadline":
              return e.status === "open" && e.run_deadline !== null && e.run_deadline <= query.now
            case "past_outcome_deadline":
              return (
                e.status !== "open" &&
                e.outcome === null &&
                e.outcome_deadline !== null &&
                e.outcome_deadline <= query.now
              )
            default:
              return e.settlement === "due" || e.settlement === "awaiting_outcome"
          }
        }),
      ),
    signals: (id) => Effect.sync(() => store.books.get(id)?.signals ?? []),
    entries: (filter) =>
      Effect.sync(() => {
        const pool = filter.envelopeId
          ? (store.books.get(filter.envelopeId)?.entries ?? [])
          : [...store.entries.values()]
        return filter.signalId ? pool.filter((e) => e.signal_id === filter.signalId) : pool
      }),
    claimDue: (options) =>
      Effect.sync(() => {
        const now = Date.parse(options.now)
        const claimed: Array<EnvelopeRecord> = []
        for (const envelope of store.envelopes.values()) {
          if (claimed.length >= options.limit) break
          if (envelope.settlement !== "due") continue
          if (envelope.next_settlement_at !== null && envelope.next_settlement_at > options.now)
            continue
          const claim = store.claims.get(envelope.envelope_id)
          if (claim && claim.until > now && claim.worker !== options.worker) continue
          store.claims.set(envelope.envelope_id, {
            worker: options.worker,
            until: now + options.leaseMs,
          })
          claimed.push(envelope)
        }
        return claimed
      }),
    releaseClaim: (id, worker) =>
      Effect.sync(() => {
        if (store.claims.get(id)?.worker === worker) store.claims.delete(id)
      }),
    resource: (id) => Effect.sync(() => store.resources.get(id)),
    contributions: (id) =>
      Effect.sync(() => [...store.contributions.values()].filter((c) => c.resource_id === id)),
    balances: (query) => Effect.try({ try: () => balances(query), catch: (e) => e as never }),
    report: (query) => Effect.try({ try: () => report(query), catch: (e) => e as never }),
  }
}

export const layer = (store?: MemoryStore) => Layer.sync(Ledger, () => make(store))
