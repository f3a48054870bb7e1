/**
 * Write-behind batching between the per-call path and the ledger (DESIGN.md
 * §4, Durability). Records land in memory and are written in batches every
 * `flushIntervalMs` or `batchSize` items. A full buffer makes the caller
 * flush (backpressure, never a drop); a failed write puts the batch back,
 * so nothing is lost on retry; `durability: "sync"` waits for the write.
 * Writes are idempotent, so a batch written twice changes nothing.
 *
 * Work can also be queued as it is (`offerDeferred`): the per-call path only
 * captures a call, and the flush prices the captured calls in one tight
 * loop, where the pricing code runs warm — several times cheaper than pricing
 * each call in the middle of a framework's own work.
 */
import { Context, Effect, Layer, Semaphore } from "effect"
import type { EnvelopeRecord } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import {
  Ledger,
  type LedgerEntry,
  type LedgerError,
  type WriteBatch,
  type WriteResult,
} from "./Ledger.ts"
import type { Contribution, ResourceRecord } from "./SharedResource.ts"

export type Durability = "buffered" | "sync"

export interface WriteBufferOptions {
  /** Longest time a record waits in memory; bounds what a SIGKILL can lose. */
  readonly flushIntervalMs?: number | undefined
  readonly batchSize?: number | undefined
  /** Items held before `offer` makes its caller flush. */
  readonly capacity?: number | undefined
  readonly durability?: Durability | undefined
  /**
   * The store's write, synchronous, when it has one (the facade passes its
   * memory store's): a flush with nothing else under way then runs without
   * the effect machinery (`flushNow`). It must write to the same store.
   */
  readonly writeNow?: ((batch: WriteBatch) => WriteResult) | undefined
  /**
   * Flush every `flushIntervalMs` on a fiber of the layer's scope (default).
   * `false`: the owner calls `flushOrWarn` on its own schedule — the facade
   * does, from an unref'd timer, so a forgotten `close()` never keeps the
   * process alive.
   */
  readonly periodic?: boolean | undefined
}

export const DEFAULTS = {
  flushIntervalMs: 100,
  batchSize: 500,
  capacity: 10_000,
  durability: "buffered" as Durability,
}

/** Work queued as is, turned into records when the flush takes it. */
export type DeferredBatch = () => WriteBatch

/** An open envelope's record made final, from the signals the same batch holds for it. */
export type Finisher = (
  record: EnvelopeRecord,
  signals: ReadonlyArray<CostSignal>,
) => EnvelopeRecord

interface Pending {
  deferred: Array<DeferredBatch>
  /** New envelopes (`offerOpened`) whose records this batch holds, and those finalized in it. */
  opened: Set<string>
  finishers: Map<string, Finisher>
  envelopes: Array<EnvelopeRecord>
  signals: Array<CostSignal>
  entries: Array<LedgerEntry>
  resources: Array<ResourceRecord>
  contributions: Array<Contribution>
}

const empty = (): Pending => ({
  deferred: [],
  opened: new Set(),
  finishers: new Map(),
  envelopes: [],
  signals: [],
  entries: [],
  resources: [],
  contributions: [],
})

export interface WriteBufferShape {
  /** Queues a batch; flushes first when the buffer is full, and after when durability is sync. */
  readonly offer: (batch: WriteBatch) => Effect.Effect<void, LedgerError>
  /**
   * Queues a batch synchronously; only when `hasRoom()` (not full, not sync
   * durability) — otherwise use `offer`, which flushes first.
   */
  readonly offerNow: (batch: WriteBatch) => void
  /**
   * Queues work that `produce` turns into a batch when a flush takes it (in
   * order with everything else queued); only when `hasRoom()`. Validate on
   * the caller's path: a `produce` that throws loses its own item (logged).
   */
  readonly offerDeferred: (produce: DeferredBatch) => void
  /**
   * Queues the record of a new envelope (an id no store holds yet) like
   * `offerNow`, only when `hasRoom()`; until a flush takes it, `finishInBatch`
   * can finalize it in place.
   */
  readonly offerOpened: (record: EnvelopeRecord) => void
  /**
   * Finalizes an envelope whose record (from `offerOpened`) is still queued:
   * the flush that takes it writes `finish(record, its signals in the batch)`
   * instead — every signal of the envelope is in that batch, since nothing
   * was written since it opened. One write per run, no read back; a second
   * finalize changes nothing. False when the record was taken already:
   * finalize after the write (`afterWrite`).
   */
  readonly finishInBatch: (envelopeId: string, finish: Finisher) => boolean
  /**
   * Runs `job` after the flush that writes everything queued before it
   * (finalizing an envelope reads the signals it must see). A failed job is
   * kept, with the jobs after it, for the next flush. A job must not flush
   * (it would wait for itself).
   */
  readonly afterWrite: (job: Effect.Effect<void, LedgerError>) => void
  readonly hasRoom: () => boolean
  /** `flush` for a timer: a failure is logged, the batch stays queued for the next one. */
  readonly flushOrWarn: Effect.Effect<void>
  /** Writes everything queued so far; resolves once it is durable. */
  readonly flush: Effect.Effect<void, LedgerError>
  /**
   * `flush`, synchronously: true when done (or nothing was queued), false
   * when it cannot run now — no `writeNow` was given, another flush or its
   * jobs are under way, or jobs are queued: use `flush`. Throws what
   * the store's `writeNow` throws, with the batch put back.
   */
  readonly flushNow: () => boolean
  /** Items waiting (for tests and metrics). */
  readonly size: () => number
}

const append = (pending: Pending, batch: WriteBatch): void => {
  if (batch.envelopes) for (const e of batch.envelopes) pending.envelopes.push(e)
  if (batch.resources) for (const r of batch.resources) pending.resources.push(r)
  if (batch.contributions) for (const c of batch.contributions) pending.contributions.push(c)
  if (batch.signals) for (const s of batch.signals) pending.signals.push(s)
  if (batch.entries) for (const e of batch.entries) pending.entries.push(e)
}

/** Items in a batch: records, and deferred work not yet turned into records. */
const sizeOf = (batch: WriteBatch & { readonly deferred?: ReadonlyArray<DeferredBatch> }) =>
  (batch.deferred?.length ?? 0) +
  (batch.envelopes?.length ?? 0) +
  (batch.resources?.length ?? 0) +
  (batch.contributions?.length ?? 0) +
  (batch.signals?.length ?? 0) +
  (batch.entries?.length ?? 0)

/** Replaces the records of the envelopes finalized in this batch by their final ones. */
const finishInPlace = (batch: Pending): void => {
  if (batch.finishers.size === 0) return
  const signals = new Map<string, Array<CostSignal>>()
  for (const signal of batch.signals) {
    const id = signal.envelope_id
    if (id === null || !batch.finishers.has(id)) continue
    const list = signals.get(id)
    if (list) list.push(signal)
    else signals.set(id, [signal])
  }
  const envelopes = batch.envelopes
  for (let i = 0; i < envelopes.length; i++) {
    const record = envelopes[i]!
    const finish = batch.finishers.get(record.envelope_id)
    if (finish) envelopes[i] = finish(record, signals.get(record.envelope_id) ?? [])
  }
}

/**
 * Runs the batch's deferred work into it. `produce` must not throw; one that
 * does (a bug) loses only its own item, and its error is given back to log.
 */
const produceInto = (batch: Pending): Array<unknown> => {
  const errors: Array<unknown> = []
  for (const produce of batch.deferred.splice(0)) {
    try {
      append(batch, produce())
    } catch (error) {
      errors.push(error)
    }
  }
  return errors
}

export class WriteBuffer extends Context.Service<WriteBuffer, WriteBufferShape>()(
  "@agentcost/core/WriteBuffer",
) {
  static make = Effect.fn("WriteBuffer.make")(function* (options: WriteBufferOptions = {}) {
    const ledger = yield* Ledger
    const flushIntervalMs = options.flushIntervalMs ?? DEFAULTS.flushIntervalMs
    const batchSize = options.batchSize ?? DEFAULTS.batchSize
    const capacity = options.capacity ?? DEFAULTS.capacity
    const sync = (options.durability ?? DEFAULTS.durability) === "sync"
    const lock = yield* Semaphore.make(1)
    let pending = empty()
    let size = 0

    type Job = Effect.Effect<void, LedgerError>
    let jobs: Array<Job> = []
    // Jobs run one batch at a time, in order (the semaphore is fair): a flush
    // returns only once the jobs queued before it are done, also those a
    // concurrent flush took.
    const jobsLock = yield* Semaphore.make(1)
    const runJobs = (due: ReadonlyArray<Job>): Effect.Effect<void, LedgerError> =>
      Semaphore.withPermit(
        jobsLock,
        Effect.forEach(
          due,
          (job, i) =>
            job.pipe(
              Effect.tapError(() =>
                Effect.sync(() => {
                  jobs = [...due.slice(i), ...jobs]
                }),
              ),
            ),
          { discard: true },
        ),
      )

    const runFork = Effect.runForkWith(yield* Effect.context<never>())

    /** Takes what is queued as one batch, its deferred work done; undefined when there is none. */
    const take = ():
      | { readonly batch: Pending; readonly unproduced: Array<unknown> }
      | undefined => {
      if (size === 0) return undefined
      const batch = pending
      pending = empty()
      size = 0
      const unproduced = produceInto(batch)
      finishInPlace(batch)
      return { batch, unproduced }
    }

    /**
     * Puts a batch whose write failed back ahead of anything queued since, in
     * order. Its envelopes are no longer new to the buffer: they finalize
     * after a write.
     */
    const putBack = (batch: Pending): void => {
      pending = {
        deferred: pending.deferred,
        opened: pending.opened,
        finishers: pending.finishers,
        envelopes: [...batch.envelopes, ...pending.envelopes],
        signals: [...batch.signals, ...pending.signals],
        entries: [...batch.entries, ...pending.entries],
        resources: [...batch.resources, ...pending.resources],
        contributions: [...batch.contributions, ...pending.contributions],
      }
      size = sizeOf(pending)
    }

    const logUnproduced = (unproduced: ReadonlyArray<unknown>) =>
      Effect.logError(
        `agentcost: ${unproduced.length} captured call(s) could not be priced and are not booked`,
        ...unproduced,
      )

    /** Writes what is queued; gives back the jobs that were due after it. */
    const write: Effect.Effect<ReadonlyArray<Job>, LedgerError> = Semaphore.withPermit(
      lock,
      Effect.suspend(() => {
        // The jobs queued so far come after everything in this batch or an earlier one.
        const due = jobs
        jobs = []
        const taken = take()
        if (taken === undefined) return Effect.succeed(due)
        const written = ledger.write(taken.batch).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              jobs = [...due, ...jobs]
              putBack(taken.batch)
            }),
          ),
          Effect.as(due),
        )
        return taken.unproduced.length === 0
          ? written
          : Effect.andThen(logUnproduced(taken.unproduced), written)
      }),
    )
    // Flushes under way (writing, or running their jobs): flushNow runs only when there is none.
    let flushesUnderWay = 0
    const flush = Effect.suspend(() => {
      flushesUnderWay++
      return Effect.flatMap(write, runJobs).pipe(
        Effect.ensuring(Effect.sync(() => flushesUnderWay--)),
      )
    })

    const writeNow = options.writeNow
    const flushNow = (): boolean => {
      if (writeNow === undefined || flushesUnderWay > 0 || jobs.length > 0) return false
      const taken = take()
      if (taken === undefined) return true
      try {
        writeNow(taken.batch)
      } catch (error) {
        putBack(taken.batch)
        throw error
      }
      if (taken.unproduced.length > 0) runFork(logUnproduced(taken.unproduced))
      return true
    }

    const push = (batch: WriteBatch) => {
      append(pending, batch)
      size += sizeOf(batch)
    }

    const logFailure = (error: LedgerError) =>
      Effect.logWarning(`agentcost: flush failed, retrying: ${error.message}`)

    const offer = (batch: WriteBatch): Effect.Effect<void, LedgerError> =>
      Effect.gen(function* () {
        if (size >= capacity) yield* flush
        push(batch)
        if (sync || size >= batchSize) yield* flush
      })

    // The synchronous path for the per-call hot path: a full batch is flushed
    // in the background, once at a time.
    let backgroundFlush = false
    const flushWhenFull = (): void => {
      if (size < batchSize || backgroundFlush) return
      backgroundFlush = true
      runFork(
        flush.pipe(
          Effect.catch(logFailure),
          Effect.ensuring(Effect.sync(() => (backgroundFlush = false))),
        ),
      )
    }
    const offerNow = (batch: WriteBatch): void => {
      push(batch)
      flushWhenFull()
    }
    const offerDeferred = (produce: DeferredBatch): void => {
      pending.deferred.push(produce)
      size++
      flushWhenFull()
    }

    // The periodic flush; a failure is logged and retried on the next tick.
    const flushOrWarn = flush.pipe(Effect.catch(logFailure))
    if (options.periodic ?? true) {
      yield* Effect.sleep(flushIntervalMs).pipe(
        Effect.andThen(flushOrWarn),
        Effect.forever,
        Effect.forkScoped,
      )
    }
    // Closing the scope (close(), SIGTERM) writes what is left.
    yield* Effect.addFinalizer(() => flush.pipe(Effect.ignore))

    return WriteBuffer.of({
      flushOrWarn,
      offer,
      offerNow,
      offerDeferred,
      offerOpened: (record) => {
        pending.opened.add(record.envelope_id)
        offerNow({ envelopes: [record] })
      },
      finishInBatch: (envelopeId, finish) => {
        if (!pending.opened.has(envelopeId)) return false
        // A second finalize leaves the first one's record, as the ledger's guard does.
        if (!pending.finishers.has(envelopeId)) pending.finishers.set(envelopeId, finish)
        return true
      },
      afterWrite: (job) => {
        jobs.push(job)
      },
      hasRoom: () => !sync && size < capacity,
      flush,
      flushNow,
      size: () => size,
    })
  })

  static layer = (options: WriteBufferOptions = {}) =>
    Layer.effect(WriteBuffer, WriteBuffer.make(options))
}
