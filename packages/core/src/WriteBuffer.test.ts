import { it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { describe, expect } from "vitest"
import type { EnvelopeRecord } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import { Ledger, LedgerError, type LedgerShape } from "./Ledger.ts"
import * as MemoryLedger from "./MemoryLedger.ts"
import { WriteBuffer, type WriteBufferOptions } from "./WriteBuffer.ts"

const signal = (i: number, envelopeId: string | null = null) =>
  ({ signal_id: `s${i}`, envelope_id: envelopeId }) as CostSignal

const opened = (id: string) => ({ envelope_id: id, status: "open" }) as EnvelopeRecord

/** A memory ledger that counts writes and can be told to fail the next ones. */
const instrumented = () => {
  const store = new MemoryLedger.MemoryStore()
  const inner = MemoryLedger.make(store)
  const state = { writes: 0, failNext: 0 }
  const ledger: LedgerShape = {
    ...inner,
    write: (batch) =>
      Effect.suspend(() => {
        if (state.failNext > 0) {
          state.failNext--
          return Effect.fail(new LedgerError({ operation: "write", reason: "connection reset" }))
        }
        state.writes++
        return inner.write(batch)
      }),
  }
  return { store, state, layer: Layer.succeed(Ledger, ledger) }
}

const withBuffer = <A, E>(
  options: WriteBufferOptions,
  ledger: ReturnType<typeof instrumented>,
  body: (buffer: WriteBuffer["Service"]) => Effect.Effect<A, E>,
) =>
  Effect.scoped(Effect.flatMap(WriteBuffer.make(options), body)).pipe(Effect.provide(ledger.layer))

describe("WriteBuffer", () => {
  it.live("writes in batches of batchSize and the rest on flush", () => {
    const ledger = instrumented()
    return withBuffer({ batchSize: 500, flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        for (let i = 0; i < 1200; i++) yield* buffer.offer({ signals: [signal(i)] })
        expect(ledger.state.writes).toBe(2)
        expect(ledger.store.signals.size).toBe(1000)
        yield* buffer.flush
        expect(ledger.state.writes).toBe(3)
        expect(ledger.store.signals.size).toBe(1200)
      }),
    )
  })

  it.live("keeps a batch whose write failed and writes it on the next flush", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        for (let i = 0; i < 10; i++) yield* buffer.offer({ signals: [signal(i)] })
        ledger.state.failNext = 1
        const failed = yield* Effect.flip(buffer.flush)
        expect(failed.reason).toBe("connection reset")
        expect(buffer.size()).toBe(10)
        yield* buffer.offer({ signals: [signal(10)] })
        yield* buffer.flush
        expect(buffer.size()).toBe(0)
        expect([...ledger.store.signals.keys()]).toEqual(
          Array.from({ length: 11 }, (_, i) => `s${i}`),
        )
      }),
    )
  })

  it.live("applies backpressure when full: the caller flushes, nothing is dropped", () => {
    const ledger = instrumented()
    return withBuffer(
      { capacity: 10, batchSize: 1_000, flushIntervalMs: 60_000 },
      ledger,
      (buffer) =>
        Effect.gen(function* () {
          for (let i = 0; i < 25; i++) yield* buffer.offer({ signals: [signal(i)] })
          expect(ledger.state.writes).toBe(2)
          expect(buffer.size()).toBe(5)
          yield* buffer.flush
          expect(ledger.store.signals.size).toBe(25)
        }),
    )
  })

  it.live("with sync durability, offer returns once the write is durable", () => {
    const ledger = instrumented()
    return withBuffer({ durability: "sync", flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        yield* buffer.offer({ signals: [signal(1)] })
        expect(ledger.store.signals.has("s1")).toBe(true)
        ledger.state.failNext = 1
        const error = yield* Effect.flip(buffer.offer({ signals: [signal(2)] }))
        expect(error._tag).toBe("LedgerError")
      }),
    )
  })

  it.live("flushes on the interval, and on scope close", () => {
    const ledger = instrumented()
    return Effect.gen(function* () {
      yield* withBuffer({ flushIntervalMs: 20 }, ledger, (buffer) =>
        Effect.gen(function* () {
          yield* buffer.offer({ signals: [signal(1)] })
          yield* Effect.sleep("80 millis")
          expect(ledger.store.signals.has("s1")).toBe(true)
          yield* buffer.offer({ signals: [signal(2)] })
        }),
      )
      expect(ledger.store.signals.has("s2")).toBe(true)
    })
  })
  it.live("turns deferred work into records when the flush takes it, in one batch", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        let produced = 0
        for (let i = 0; i < 5; i++)
          buffer.offerDeferred(() => {
            produced++
            return { signals: [signal(i)] }
          })
        expect(produced).toBe(0)
        expect(buffer.size()).toBe(5)
        yield* buffer.flush
        expect(produced).toBe(5)
        expect(ledger.state.writes).toBe(1)
        expect([...ledger.store.signals.keys()]).toEqual(["s0", "s1", "s2", "s3", "s4"])
      }),
    )
  })

  it.live(
    "runs a job after the write of what was queued before it, and keeps it when the write fails",
    () => {
      const ledger = instrumented()
      return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
        Effect.gen(function* () {
          const seen: Array<number> = []
          buffer.offerDeferred(() => ({ signals: [signal(1)] }))
          buffer.afterWrite(Effect.sync(() => seen.push(ledger.store.signals.size)))
          ledger.state.failNext = 1
          yield* Effect.flip(buffer.flush)
          expect(seen).toEqual([])
          yield* buffer.flush
          expect(seen).toEqual([1])
          yield* buffer.flush
          expect(seen).toEqual([1])
        }),
      )
    },
  )

  it.live("writes the rest of a batch when one deferred item throws, and logs it", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        buffer.offerNow({ signals: [signal(0)] })
        buffer.offerDeferred(() => {
          throw new Error("pricing bug")
        })
        buffer.offerDeferred(() => ({ signals: [signal(2)] }))
        yield* buffer.flush
        expect([...ledger.store.signals.keys()]).toEqual(["s0", "s2"])
        expect(buffer.size()).toBe(0)
      }),
    )
  })

  it.live("retries a failed job, and the jobs after it, on the next flush", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        const ran: Array<string> = []
        let failures = 1
        buffer.afterWrite(Effect.sync(() => ran.push("a")))
        buffer.afterWrite(
          Effect.suspend(() =>
            failures-- > 0
              ? Effect.fail(new LedgerError({ operation: "update", reason: "timeout" }))
              : Effect.sync(() => ran.push("b")),
          ),
        )
        buffer.afterWrite(Effect.sync(() => ran.push("c")))
        const failed = yield* Effect.flip(buffer.flush)
        expect(failed.reason).toBe("timeout")
        expect(ran).toEqual(["a"])
        yield* buffer.flush
        expect(ran).toEqual(["a", "b", "c"])
      }),
    )
  })

  it.live("returns from a flush only once the jobs a concurrent flush took are done", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        let done = false
        buffer.afterWrite(Effect.sleep(20).pipe(Effect.andThen(Effect.sync(() => (done = true)))))
        const first = yield* Effect.forkChild(buffer.flush)
        yield* Effect.yieldNow
        yield* buffer.flush
        expect(done).toBe(true)
        yield* Fiber.join(first)
      }),
    )
  })

  it.live(
    "writes a new envelope finalized in the batch that takes it, from that batch's signals",
    () => {
      const ledger = instrumented()
      return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
        Effect.gen(function* () {
          buffer.offerOpened(opened("e1"))
          buffer.offerDeferred(() => ({ signals: [signal(1, "e1"), signal(2, "other")] }))
          buffer.offerNow({ signals: [signal(3, "e1")] })
          const seen: Array<ReadonlyArray<string>> = []
          const finish =
            (status: string) => (record: EnvelopeRecord, signals: ReadonlyArray<CostSignal>) => {
              seen.push(signals.map((s) => s.signal_id).sort())
              return { ...record, status } as EnvelopeRecord
            }
          expect(buffer.finishInBatch("e1", finish("succeeded"))).toBe(true)
          // The first finalize wins; the second changes nothing.
          expect(buffer.finishInBatch("e1", finish("failed"))).toBe(true)
          yield* buffer.flush
          expect(ledger.state.writes).toBe(1)
          expect(seen).toEqual([["s1", "s3"]])
          expect(ledger.store.envelopes.get("e1")?.status).toBe("succeeded")
          // Written: from here the envelope finalizes after a write, through the ledger.
          expect(buffer.finishInBatch("e1", finish("failed"))).toBe(false)
        }),
      )
    },
  )

  it.live("finalizes through the ledger an envelope whose batch failed and was put back", () => {
    const ledger = instrumented()
    return withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
      Effect.gen(function* () {
        buffer.offerOpened(opened("e1"))
        ledger.state.failNext = 1
        yield* Effect.flip(buffer.flush)
        buffer.offerOpened(opened("e2"))
        expect(buffer.finishInBatch("e1", (record) => record)).toBe(false)
        expect(
          buffer.finishInBatch(
            "e2",
            (record) => ({ ...record, status: "failed" }) as EnvelopeRecord,
          ),
        ).toBe(true)
        yield* buffer.flush
        expect(ledger.store.envelopes.get("e1")?.status).toBe("open")
        expect(ledger.store.envelopes.get("e2")?.status).toBe("failed")
      }),
    )
  })

  it.live("flushes synchronously through writeNow when nothing else is under way", () => {
    const ledger = instrumented()
    const writeNow = MemoryLedger.writeNow(ledger.store)
    return withBuffer({ flushIntervalMs: 60_000, writeNow }, ledger, (buffer) =>
      Effect.gen(function* () {
        buffer.offerNow({ signals: [signal(1)] })
        buffer.offerDeferred(() => ({ signals: [signal(2)] }))
        expect(buffer.flushNow()).toBe(true)
        expect([...ledger.store.signals.keys()]).toEqual(["s1", "s2"])
        // Not through the layer's write: no fiber, no effect.
        expect(ledger.state.writes).toBe(0)
        expect(buffer.size()).toBe(0)
        // A queued job must run after its write: only flush runs it.
        buffer.offerNow({ signals: [signal(3)] })
        let ran = false
        buffer.afterWrite(Effect.sync(() => (ran = true)))
        expect(buffer.flushNow()).toBe(false)
        yield* buffer.flush
        expect(ran).toBe(true)
        expect(ledger.state.writes).toBe(1)
      }),
    )
  })

  it.live("puts the batch back when writeNow throws, and refuses without writeNow", () => {
    const ledger = instrumented()
    let fail = true
    const writeNow = (batch: Parameters<ReturnType<typeof MemoryLedger.writeNow>>[0]) => {
      if (fail) throw new Error("disk full")
      return MemoryLedger.writeNow(ledger.store)(batch)
    }
    return Effect.gen(function* () {
      yield* withBuffer({ flushIntervalMs: 60_000, writeNow }, ledger, (buffer) =>
        Effect.sync(() => {
          buffer.offerNow({ signals: [signal(1)] })
          expect(() => buffer.flushNow()).toThrow("disk full")
          expect(buffer.size()).toBe(1)
          fail = false
          expect(buffer.flushNow()).toBe(true)
          expect(ledger.store.signals.has("s1")).toBe(true)
        }),
      )
      yield* withBuffer({ flushIntervalMs: 60_000 }, ledger, (buffer) =>
        Effect.sync(() => {
          buffer.offerNow({ signals: [signal(2)] })
          expect(buffer.flushNow()).toBe(false)
        }),
      )
    })
  })
})
