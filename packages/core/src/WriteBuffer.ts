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
import { Ledger, type LedgerEntry, type LedgerError, type WriteBatch } from "./Ledger.ts"
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

interface Pending {
  deferred: Array<DeferredBatch>
  envelopes: Array<EnvelopeRecord>
  signals: Array<CostSignal>
  entries: Array<LedgerEntry>
  resources: Array<ResourceRecord>
  contributions: Array<Contribution>
}

const empty = (): Pending => ({
  deferred: [],
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

    /** Writes what is queued; gives back the jobs that were due after it. */
    const write: Effect.Effect<ReadonlyArray<Job>, LedgerError> = Semaphore.withPermit(
      lock,
      Effect.suspend(() => {
        // The jobs queued so far come after everything in this batch or an earlier one.
        const due = jobs
        jobs = []
        if (size === 0) return Effect.succeed(due)
        const batch = pending
        pending = empty()
        const unproduced = produceInto(batch)
        const taken = size
        size = 0
        const written = ledger.write(batch).pipe(
          Effect.tapError(() =>
            Effect.sync(() => {
              jobs = [...due, ...jobs]
              // Put the batch back ahead of anything queued since, in order.
              pending = {
                deferred: pending.deferred,
                envelopes: [...batch.envelopes, ...pending.envelopes],
                signals: [...batch.signals, ...pending.signals],
                entries: [...batch.entries, ...pending.entries],
                resources: [...batch.resources, ...pending.resources],
                contributions: [...batch.contributions, ...pending.contributions],
              }
              size += taken
            }),
          ),
          Effect.as(due),
        )
        return unproduced.length === 0
          ? written
          : Effect.andThen(
              Effect.logError(
                `agentcost: ${unproduced.length} captured call(s) could not be priced and are not booked`,
                ...unproduced,
              ),
              written,
            )
      }),
    )
    const flush = Effect.flatMap(write, runJobs)

    const push = (batch: WriteBatch) => {
      append(pending, batch)
      size +=
        (batch.envelopes?.length ?? 0) +
        (batch.resources?.length ?? 0) +
        (batch.contributions?.length ?? 0) +
        (batch.signals?.length ?? 0) +
        (batch.entries?.length ?? 0)
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
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    let flushing = false
    const flushWhenFull = (): void => {
      if (size < batchSize || flushing) return
      flushing = true
      runFork(
        flush.pipe(
          Effect.catch(logFailure),
          Effect.ensuring(Effect.sync(() => (flushing = false))),
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
      afterWrite: (job) => {
        jobs.push(job)
      },
      hasRoom: () => !sync && size < capacity,
      flush,
      size: () => size,
    })
  })

  static layer = (options: WriteBufferOptions = {}) =>
    Layer.effect(WriteBuffer, WriteBuffer.make(options))
}
