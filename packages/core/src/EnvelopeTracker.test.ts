import { it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { describe, expect, it as vitestIt } from "vitest"
import book from "./__fixtures__/envelope-prices.json" with { type: "json" }
import type { CostSignal } from "./CostSignal.ts"
import { EnvelopeTracker } from "./EnvelopeTracker.ts"
import { Ledger } from "./Ledger.ts"
import * as MemoryLedger from "./MemoryLedger.ts"
import * as Money from "./Money.ts"
import { Decimal } from "./Money.ts"
import type { PriceBookFile } from "./PriceBook.ts"
import { PricingRegistry } from "./PricingRegistry.ts"
import { normalizedCall } from "./testing/Calls.ts"
import { signal } from "./testing/LedgerSuite.ts"
import { WriteBuffer } from "./WriteBuffer.ts"

const services = () =>
  EnvelopeTracker.layer({ runDeadlineMs: 1_000, outcomeDeadlineMs: 5_000 }).pipe(
    Layer.provideMerge(WriteBuffer.layer({ flushIntervalMs: 60_000 })),
    Layer.provideMerge(PricingRegistry.layer({ user: [book as PriceBookFile] })),
    Layer.provideMerge(MemoryLedger.layer()),
  )

const NOV_3 = Date.parse("2026-11-03T10:00:00.000Z")

/** Sets the test clock before the services start, so their timers start at NOV_3. */
const atNov3 = <A, E>(body: Effect.Effect<A, E, EnvelopeTracker | Ledger>) =>
  TestClock.setTime(NOV_3).pipe(Effect.andThen(body.pipe(Effect.provide(services()))))

const record = (model: string, tenant: string) =>
  Effect.gen(function* () {
    const tracker = yield* EnvelopeTracker
    const envelope = yield* tracker.open({ tenantId: tenant })
    yield* tracker.record(envelope, {
      provider: "acme",
      call: normalizedCall(model, { input_tokens: 1000 }),
    })
    return envelope.envelopeId
  })

describe("EnvelopeTracker deadlines (test clock)", () => {
  it.effect("sweeps an abandoned open envelope to timed_out at its run deadline", () =>
    atNov3(
      Effect.gen(function* () {
        const tracker = yield* EnvelopeTracker
        const ledger = yield* Ledger
        const id = yield* record("chat-1", "acme")
        yield* TestClock.adjust("999 millis")
        expect(yield* tracker.sweep).toEqual({ timedOut: 0, outcomesExpired: 0 })
        yield* TestClock.adjust("1 millis")
        expect(yield* tracker.sweep).toEqual({ timedOut: 1, outcomesExpired: 0 })
        expect((yield* ledger.getEnvelope(id))?.status).toBe("timed_out")
      }),
    ),
  )

  it.effect("expires an undecided outcome to unknown and books the unknown fee once", () =>
    atNov3(
      Effect.gen(function* () {
        const tracker = yield* EnvelopeTracker
        const ledger = yield* Ledger
        const id = yield* record("resolver", "acme")
        yield* tracker.finalize(id, "succeeded")
        yield* TestClock.adjust("5001 millis")
        expect((yield* tracker.sweep).outcomesExpired).toBe(1)
        expect((yield* tracker.sweep).outcomesExpired).toBe(0)
        const envelope = yield* ledger.getEnvelope(id)
        expect(envelope).toMatchObject({ outcome: "unknown", settlement: "due" })
        const fees = (yield* ledger.entries({ envelopeId: id })).filter(
          (e) => e.kind === "outcome_fee",
        )
        expect(fees.map((e) => e.amount)).toEqual(["0.05"])
        // The fee occurs when the outcome was decided, not when the call ran.
        expect(fees[0]?.occurred_at).toBe(new Date(NOV_3 + 5_001).toISOString())
      }),
    ),
  )
})

describe("ledger properties", () => {
  const arbitrarySignal = fc.record({
    id: fc.integer({ min: 0, max: 40 }),
    tenant: fc.constantFrom("a", "b", "c", null),
    cost: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    failed: fc.boolean(),
  })
  const toSignal = (s: {
    id: number
    tenant: string | null
    cost: bigint
    failed: boolean
  }): CostSignal =>
    signal(`acme:${s.id}`, {
      envelope_id: null,
      tenant_id: s.tenant,
      workflow_type: "w",
      provider: "acme",
      model: "chat-1",
      usage: {},
      base_cost: `0.${s.cost.toString().padStart(12, "0")}`,
      cost_components: {},
      provider_request_id: String(s.id),
      attempt_outcome: s.failed ? "failed" : "succeeded",
      price_ref: null,
    })

  const balancesAfter = (signals: ReadonlyArray<CostSignal>) =>
    Effect.gen(function* () {
      const tracker = yield* EnvelopeTracker
      const ledger = yield* Ledger
      for (const signal of signals) yield* tracker.recordSignal(signal, "tenant_pays_success_only")
      yield* tracker.flush
      return {
        balances: yield* ledger.balances({ by: "account" }),
        entries: yield* ledger.entries({}),
      }
    }).pipe(Effect.provide(services()))

  vitestIt(
    "any order and any duplicates give the same balances; balances are the sums of entries",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(arbitrarySignal, { maxLength: 30 }),
          fc.nat(),
          async (generated, seed) => {
            // A signal id is unique per call: the first occurrence of an id is the call.
            const canonical = [...new Map(generated.map((s) => [s.id, toSignal(s)])).values()]
            const shuffled = [...canonical, ...canonical.filter((_, i) => (i + seed) % 3 === 0)]
              .map((signal, i) => ({ signal, order: (i * 7919 + seed) % 101 }))
              .sort((a, b) => a.order - b.order)
              .map(({ signal }) => signal)
            const once = await Effect.runPromise(balancesAfter(canonical))
            const repeated = await Effect.runPromise(balancesAfter(shuffled))
            expect(repeated.balances).toEqual(once.balances)
            for (const balance of once.balances) {
              const entries = once.entries.filter((e) => e.account === balance.key)
              expect(
                new Decimal(balance.amount).equals(
                  Money.sum(entries.map((e) => new Decimal(e.amount))),
                ),
              ).toBe(true)
            }
            // Failed attempts are the platform's under tenant_pays_success_only; nothing is lost.
            const total = Money.sum(canonical.map((s) => new Decimal(s.base_cost!)))
            expect(Money.sum(once.balances.map((b) => new Decimal(b.amount))).equals(total)).toBe(
              true,
            )
          },
        ),
        { numRuns: 60 },
      )
    },
  )
})
