/**
 * The ledger contract suite: every `Ledger` implementation (the in-memory
 * reference, PGlite, PostgreSQL) runs these same tests, so a store that
 * passes behaves exactly like `MemoryLedger`. Expected values are worked out
 * by hand in the comments next to them.
 *
 * ```ts
 * ledgerSuite("MemoryLedger", () => MemoryLedger.layer())
 * ```
 */
import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { AgentCost } from "../AgentCost.ts"
import type { EnvelopeRecord } from "../CostEnvelope.ts"
import type { CostSignal } from "../CostSignal.ts"
import {
  type Balance,
  Ledger,
  type LedgerEntry,
  type ReportDimension,
  type ReportRow,
} from "../Ledger.ts"
import type { PriceBookFile } from "../PriceBook.ts"
import type { Contribution, ResourceRecord } from "../SharedResource.ts"
import { normalizedCall } from "./Calls.ts"

/** A fresh, empty ledger per call: each test builds its own. */
export type MakeLedger = () => Layer.Layer<Ledger, unknown>

export interface LedgerSuiteOptions {
  /** Per-test timeout in ms (embedded stores start slowly on a busy machine). */
  readonly timeout?: number | undefined
}

// -- builders ------------------------------------------------------------------

export const envelope = (
  envelopeId: string,
  overrides: Partial<EnvelopeRecord> = {},
): EnvelopeRecord => ({
  envelope_id: envelopeId,
  tenant_id: "acme",
  workflow_type: "support",
  parent_id: null,
  status: "open",
  outcome: null,
  payer_policy: "tenant_pays_all",
  opened_at: "2026-11-03T09:59:00.000Z",
  finalized_at: null,
  run_deadline: "2026-11-03T10:59:00.000Z",
  outcome_deadline: "2026-11-10T10:59:00.000Z",
  outcome_at: null,
  settlement: "none",
  settled_at: null,
  settlement_error: null,
  settlement_attempts: 0,
  next_settlement_at: null,
  ...overrides,
})

export const signal = (signalId: string, overrides: Partial<CostSignal> = {}): CostSignal => ({
  signal_id: signalId,
  envelope_id: "env_1",
  tenant_id: "acme",
  workflow_type: "support",
  resource_id: null,
  provider: "openai",
  provider_account: null,
  model: "gpt-5.1",
  endpoint: null,
  strategy: "TOKEN_BASED",
  usage: { input_tokens: 1000, output_tokens: 200 },
  base_cost: "0.00325",
  currency: "USD",
  cost_source: "local",
  pending_cost: false,
  estimate_method: null,
  cost_components: { input_tokens: "0.00125", output_tokens: "0.002" },
  fallbacks: [],
  provider_request_id: null,
  provider_invoice_id: null,
  operation_id: null,
  attempt: 1,
  attempt_outcome: "succeeded",
  price_ref: "openai/gpt-5.1@2026-01-01",
  observed_at: "2026-11-03T10:00:00.000Z",
  ...overrides,
})

export const entry = (key: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  key,
  account: "tenant:acme",
  kind: "estimate",
  amount: "0.00325",
  currency: "USD",
  tenant_id: "acme",
  envelope_id: "env_1",
  signal_id: null,
  workflow_type: "support",
  provider: "openai",
  provider_account: null,
  model: "gpt-5.1",
  operation_id: null,
  resource_id: null,
  occurred_at: "2026-11-03T10:00:00.000Z",
  recorded_at: "2026-11-03T10:00:01.000Z",
  source_revision: null,
  ...overrides,
})

const resource = (id: string): ResourceRecord => ({
  resource_id: id,
  kind: id.split("/")[0]!,
  policy: "proportional",
  declared_at: "2026-11-01T00:00:00.000Z",
})

const contribution = (key: string, overrides: Partial<Contribution> = {}): Contribution => ({
  key,
  resource_id: "context/shared-1",
  tenant_id: "acme",
  unit: "input_tokens",
  quantity: "1200",
  occurred_at: "2026-11-03T10:00:00.000Z",
  ...overrides,
})

const ids = (records: ReadonlyArray<{ readonly envelope_id: string }>) =>
  records.map((r) => r.envelope_id).sort()

const row = (key: string, total: string, estimated: string, settled: string, pending: string) =>
  ({ key, total, estimated, settled, pending }) satisfies ReportRow

// -- the report dataset ----------------------------------------------------------

/**
 * November 2026 with three envelopes:
 * E1 acme/support settled on Nov 10, outcome succeeded;
 * E2 acme/research still due, outcome undecided;
 * E3 globex/support settled on Dec 2 (after the period), outcome failed.
 */
const E1 = envelope("E1", {
  status: "succeeded",
  outcome: "succeeded",
  finalized_at: "2026-11-03T10:05:00.000Z",
  outcome_at: "2026-11-04T00:00:00.000Z",
  settlement: "settled",
  settled_at: "2026-11-10T00:00:00.000Z",
})
const E2 = envelope("E2", {
  workflow_type: "research",
  status: "succeeded",
  finalized_at: "2026-11-15T00:05:00.000Z",
  settlement: "due",
})
const E3 = envelope("E3", {
  tenant_id: "globex",
  status: "failed",
  outcome: "failed",
  finalized_at: "2026-11-01T00:05:00.000Z",
  outcome_at: "2026-11-01T00:06:00.000Z",
  settlement: "settled",
  settled_at: "2026-12-02T00:00:00.000Z",
})

const noEnvelope = {
  envelope_id: null,
  tenant_id: null,
  workflow_type: null,
  occurred_at: "2026-11-20T00:00:00.000Z",
  recorded_at: "2026-11-20T00:00:00.000Z",
} as const

const reportEntries: ReadonlyArray<LedgerEntry> = [
  entry("k1", { envelope_id: "E1", amount: "0.10" }),
  // A December adjustment to November usage lands in November.
  entry("k2", {
    envelope_id: "E1",
    kind: "adjustment",
    amount: "-0.02",
    recorded_at: "2026-12-05T00:00:00.000Z",
    source_revision: "r1",
  }),
  entry("k3", {
    envelope_id: "E1",
    kind: "outcome_fee",
    amount: "0.99",
    provider: "generic",
    model: "agent-x",
    occurred_at: "2026-11-04T00:00:00.000Z",
    recorded_at: "2026-11-04T00:00:00.000Z",
  }),
  // The last millisecond of the period is inside it.
  entry("k4", {
    envelope_id: "E2",
    workflow_type: "research",
    amount: "0.25",
    provider: "anthropic",
    model: "claude-x",
    occurred_at: "2026-11-30T23:59:59.999Z",
    recorded_at: "2026-11-30T23:59:59.999Z",
  }),
  // The first instant of the period is inside it…
  entry("k5", {
    envelope_id: "E3",
    account: "tenant:globex",
    tenant_id: "globex",
    amount: "1.5",
    occurred_at: "2026-11-01T00:00:00.000Z",
    recorded_at: "2026-11-01T00:00:00.000Z",
  }),
  // …and the first instant of the next one is not.
  entry("k6", {
    envelope_id: "E3",
    account: "tenant:globex",
    tenant_id: "globex",
    amount: "7",
    occurred_at: "2026-12-01T00:00:00.000Z",
    recorded_at: "2026-12-01T00:00:00.000Z",
  }),
  // A failed attempt the platform absorbs.
  entry("k7", {
    envelope_id: "E2",
    account: "platform",
    workflow_type: "research",
    amount: "0.05",
    provider: "anthropic",
    model: "claude-x",
    occurred_at: "2026-11-15T00:00:00.000Z",
    recorded_at: "2026-11-15T00:00:00.000Z",
  }),
  // A shared resource's call, then its allocation to tenants (sums to zero).
  entry("k8", { ...noEnvelope, account: "resource:context/shared-1", amount: "2" }),
  entry("k9", {
    ...noEnvelope,
    account: "resource:context/shared-1",
    kind: "allocation",
    amount: "-2",
    provider: null,
    model: null,
  }),
  entry("k10", {
    ...noEnvelope,
    account: "tenant:acme",
    tenant_id: "acme",
    kind: "allocation",
    amount: "1.2",
    provider: null,
    model: null,
  }),
  entry("k11", {
    ...noEnvelope,
    account: "tenant:globex",
    tenant_id: "globex",
    kind: "allocation",
    amount: "0.8",
    provider: null,
    model: null,
  }),
  entry("k12", {
    envelope_id: "E1",
    amount: "3",
    currency: "EUR",
    occurred_at: "2026-11-05T00:00:00.000Z",
    recorded_at: "2026-11-05T00:00:00.000Z",
  }),
  entry("k13", {
    envelope_id: "E1",
    amount: "100",
    occurred_at: "2026-10-31T23:59:59.999Z",
    recorded_at: "2026-10-31T23:59:59.999Z",
  }),
]

/**
 * Every dimension of November 2026 in USD, without `asOf` (k6, k12 and k13
 * are outside). Per entry: k1 .10 k2 -.02 k3 .99 (E1 settled), k4 .25 k7 .05
 * (E2 pending), k5 1.5 (E3 settled), k8 2 k9 -2 k10 1.2 k11 .8 (no envelope:
 * settled). `estimated` counts estimates and outcome fees only.
 */
const novemberRows: Record<ReportDimension, ReadonlyArray<ReportRow>> = {
  tenant: [
    // k1+k2+k3+k4+k10 = .10-.02+.99+.25+1.2; estimated .10+.99+.25; pending .25
    row("acme", "2.52", "1.34", "2.27", "0.25"),
    row("globex", "2.3", "1.5", "2.3", "0"),
    row("platform", "0.05", "0.05", "0", "0.05"),
    row("resource:context/shared-1", "0", "2", "0", "0"),
  ],
  account: [
    row("platform", "0.05", "0.05", "0", "0.05"),
    row("resource:context/shared-1", "0", "2", "0", "0"),
    row("tenant:acme", "2.52", "1.34", "2.27", "0.25"),
    row("tenant:globex", "2.3", "1.5", "2.3", "0"),
  ],
  workflow: [
    // k8..k11: 2-2+1.2+.8
    row("(none)", "2", "2", "2", "0"),
    row("research", "0.3", "0.3", "0", "0.3"),
    // k1+k2+k3+k5 = .10-.02+.99+1.5; estimated .10+.99+1.5
    row("support", "2.57", "2.59", "2.57", "0"),
  ],
  outcome: [
    row("failed", "1.5", "1.5", "1.5", "0"),
    row("succeeded", "1.07", "1.09", "1.07", "0"),
    // E2 (k4, k7) and the entries without an envelope (k8..k11)
    row("undecided", "2.3", "2.3", "2", "0.3"),
  ],
  model: [
    row("(none)", "0", "0", "0", "0"),
    row("agent-x", "0.99", "0.99", "0.99", "0"),
    row("claude-x", "0.3", "0.3", "0", "0.3"),
    // k1+k2+k5+k8 = .10-.02+1.5+2; estimated .10+1.5+2
    row("gpt-5.1", "3.58", "3.6", "3.58", "0"),
  ],
  provider: [
    row("(none)", "0", "0", "0", "0"),
    row("anthropic", "0.3", "0.3", "0", "0.3"),
    row("generic", "0.99", "0.99", "0.99", "0"),
    row("openai", "3.58", "3.6", "3.58", "0"),
  ],
}

// -- the suite -------------------------------------------------------------------

export const ledgerSuite = (name: string, make: MakeLedger, options: LedgerSuiteOptions = {}) => {
  const run = <A, E>(effect: Effect.Effect<A, E, Ledger>): Promise<A> =>
    Effect.runPromise(effect.pipe(Effect.provide(make())) as Effect.Effect<A, unknown>)
  const test = (title: string, body: Effect.Effect<void, unknown, Ledger>) =>
    it(title, () => run(body), options.timeout)

  describe(`Ledger contract: ${name}`, () => {
    describe("write", () => {
      test(
        "writing the same batch twice counts it once",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const batch = {
            envelopes: [envelope("env_1")],
            signals: [signal("s1"), signal("s2")],
            entries: [entry("est:s1", { signal_id: "s1" }), entry("est:s2", { signal_id: "s2" })],
            resources: [resource("context/shared-1")],
            contributions: [contribution("c1")],
          }
          expect(yield* ledger.write(batch)).toEqual({ signals: 2, entries: 2 })
          expect(yield* ledger.write(batch)).toEqual({ signals: 0, entries: 0 })
          expect(yield* ledger.entries({})).toHaveLength(2)
          expect(yield* ledger.signals("env_1")).toHaveLength(2)
          expect(yield* ledger.contributions("context/shared-1")).toHaveLength(1)
        }),
      )

      test(
        "a key repeated inside one batch is written once, the first wins",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const result = yield* ledger.write({
            signals: [signal("s1"), signal("s1", { model: "other" })],
            entries: [entry("k"), entry("k", { amount: "9" })],
          })
          expect(result).toEqual({ signals: 1, entries: 1 })
          expect((yield* ledger.entries({})).map((e) => e.amount)).toEqual(["0.00325"])
          expect((yield* ledger.signals("env_1")).map((s) => s.model)).toEqual(["gpt-5.1"])
        }),
      )

      test(
        "a call seen again at another time counts once: its estimate follows the stored signal",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          // Two integrations observed one call (same provider request id) a moment apart,
          // another a month later, and two of them land in one batch.
          const seen = (at: string) => ({
            signals: [signal("openai:chatcmpl-1", { observed_at: at })],
            entries: [
              entry("est:openai:chatcmpl-1", { signal_id: "openai:chatcmpl-1", occurred_at: at }),
            ],
          })
          expect(yield* ledger.write(seen("2026-11-03T10:00:00.000Z"))).toEqual({
            signals: 1,
            entries: 1,
          })
          expect(yield* ledger.write(seen("2026-11-03T10:00:00.007Z"))).toEqual({
            signals: 0,
            entries: 0,
          })
          expect(yield* ledger.write(seen("2026-12-01T00:00:00.000Z"))).toEqual({
            signals: 0,
            entries: 0,
          })
          const once = {
            signals: [signal("openai:chatcmpl-2", { observed_at: "2026-11-03T11:00:00.000Z" })],
            entries: [
              entry("est:openai:chatcmpl-2", {
                signal_id: "openai:chatcmpl-2",
                occurred_at: "2026-11-03T11:00:00.000Z",
              }),
            ],
          }
          expect(
            yield* ledger.write({
              signals: [
                ...once.signals,
                signal("openai:chatcmpl-2", { observed_at: "2026-11-03T11:00:00.004Z" }),
              ],
              entries: [
                ...once.entries,
                entry("est:openai:chatcmpl-2", {
                  signal_id: "openai:chatcmpl-2",
                  occurred_at: "2026-11-03T11:00:00.004Z",
                }),
              ],
            }),
          ).toEqual({ signals: 1, entries: 1 })
          const entries = yield* ledger.entries({})
          expect(entries.map((e) => [e.signal_id, e.occurred_at])).toEqual([
            ["openai:chatcmpl-1", "2026-11-03T10:00:00.000Z"],
            ["openai:chatcmpl-2", "2026-11-03T11:00:00.000Z"],
          ])
        }),
      )

      test(
        "an envelope is inserted once: a replayed open record does not undo later updates",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: [envelope("env_1")] })
          yield* ledger.updateEnvelope(
            "env_1",
            {},
            { status: "succeeded", finalized_at: "2026-11-03T10:05:00.000Z" },
          )
          yield* ledger.write({ envelopes: [envelope("env_1", { tenant_id: "other" })] })
          const stored = yield* ledger.getEnvelope("env_1")
          expect(stored?.status).toBe("succeeded")
          expect(stored?.tenant_id).toBe("acme")
        }),
      )

      test(
        "records round-trip exactly",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const full = envelope("env_1", {
            parent_id: "env_0",
            status: "failed",
            outcome: "unknown",
            payer_policy: "tenant_pays_success_only",
            finalized_at: "2026-11-03T10:05:00.123Z",
            outcome_at: "2026-11-04T00:00:00.000Z",
            settlement: "awaiting_outcome",
            settlement_error: "openrouter settlement: timed out (HTTP 504)",
            settlement_attempts: 3,
            next_settlement_at: "2026-11-04T01:00:00.000Z",
          })
          const sparse = envelope("env_2", {
            tenant_id: null,
            workflow_type: null,
            run_deadline: null,
            outcome_deadline: null,
          })
          const rich = signal("openrouter:gen-1", {
            provider: "openrouter",
            provider_account: "org-7",
            endpoint: "chat.completions",
            strategy: "HYBRID",
            usage: { input_tokens: 12, output_tokens: 3, x_resolved_tasks: 1 },
            pending_cost: true,
            estimate_method: "outcome_fee",
            fallbacks: ["reasoning_tokens->output_tokens"],
            provider_request_id: "gen-1",
            provider_invoice_id: "inv-9",
            operation_id: "op-1",
            attempt: 2,
            attempt_outcome: "failed",
            pricing_error: null,
            capabilities: ["reasoning", "tool_use"],
            attributes: { service_tier: "flex", region: "eu" },
          })
          const unpriced = signal("s-unpriced", {
            base_cost: null,
            strategy: null,
            price_ref: null,
            cost_components: {},
            pricing_error: 'no price for openai model "mystery"',
          })
          const fullEntry = entry("adj:s1:r2", {
            kind: "adjustment",
            amount: "-0.000000000000000001",
            signal_id: "s1",
            provider_account: "org-7",
            operation_id: "op-1",
            resource_id: "context/shared-1",
            recorded_at: "2026-12-05T08:30:00.456Z",
            source_revision: "r2",
          })
          yield* ledger.write({
            envelopes: [full, sparse],
            signals: [rich, unpriced],
            entries: [fullEntry],
            resources: [resource("context/shared-1")],
            contributions: [contribution("c1")],
          })
          expect(yield* ledger.getEnvelope("env_1")).toEqual(full)
          expect(yield* ledger.getEnvelope("env_2")).toEqual(sparse)
          expect(yield* ledger.signals("env_1")).toEqual([rich, unpriced])
          expect(yield* ledger.entries({})).toEqual([fullEntry])
          expect(yield* ledger.resource("context/shared-1")).toEqual(resource("context/shared-1"))
          expect(yield* ledger.contributions("context/shared-1")).toEqual([contribution("c1")])
        }),
      )

      test(
        "unknown ids read as absent",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          expect(yield* ledger.getEnvelope("nope")).toBeUndefined()
          expect(yield* ledger.resource("nope/x")).toBeUndefined()
          expect(yield* ledger.signals("nope")).toEqual([])
          expect(yield* ledger.entries({ envelopeId: "nope" })).toEqual([])
          expect(yield* ledger.contributions("nope/x")).toEqual([])
        }),
      )

      test(
        "entries of any month, years apart, are stored",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const months = [
            "1999-12-31T23:59:59.999Z",
            "2026-01-01T00:00:00.000Z",
            "2099-06-15T12:00:00.000Z",
          ]
          const result = yield* ledger.write({
            entries: months.map((at, i) => entry(`m${i}`, { occurred_at: at, recorded_at: at })),
          })
          expect(result.entries).toBe(3)
          expect((yield* ledger.entries({})).map((e) => e.occurred_at).sort()).toEqual(months)
          const december = yield* ledger.report({ period: "1999-12", by: "tenant" })
          expect(december.total).toBe("0.00325")
        }),
      )

      test(
        "resources are declared once; contributions count once per key, per resource",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            resources: [resource("context/shared-1"), resource("memory/m-1")],
            contributions: [
              contribution("c1"),
              contribution("c2", { tenant_id: "globex", quantity: "800" }),
              contribution("c3", { resource_id: "memory/m-1" }),
            ],
          })
          yield* ledger.write({
            resources: [{ ...resource("context/shared-1"), policy: "equal" }],
            contributions: [contribution("c1", { quantity: "999" })],
          })
          expect((yield* ledger.resource("context/shared-1"))?.policy).toBe("proportional")
          const contributions = yield* ledger.contributions("context/shared-1")
          expect(contributions.map((c) => [c.key, c.quantity])).toEqual([
            ["c1", "1200"],
            ["c2", "800"],
          ])
        }),
      )
    })

    describe("updateEnvelope", () => {
      const finalized = { status: "succeeded", finalized_at: "2026-11-03T10:05:00.000Z" } as const

      test(
        "applies the patch when the guard holds and returns the stored record",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: [envelope("env_1")] })
          const updated = yield* ledger.updateEnvelope("env_1", { status: "open" }, finalized)
          expect(updated).toEqual(envelope("env_1", finalized))
          expect(yield* ledger.getEnvelope("env_1")).toEqual(updated)
        }),
      )

      test(
        "returns undefined and changes nothing when the status guard fails",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: [envelope("env_1", finalized)] })
          expect(
            yield* ledger.updateEnvelope("env_1", { status: "open" }, { status: "timed_out" }),
          ).toBeUndefined()
          expect((yield* ledger.getEnvelope("env_1"))?.status).toBe("succeeded")
        }),
      )

      test(
        "the outcomeUndecided guard lets one outcome through",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: [envelope("env_1")] })
          const decide = (outcome: "succeeded" | "failed") =>
            ledger.updateEnvelope(
              "env_1",
              { outcomeUndecided: true },
              { outcome, outcome_at: "2026-11-04T00:00:00.000Z" },
            )
          expect((yield* decide("succeeded"))?.outcome).toBe("succeeded")
          expect(yield* decide("failed")).toBeUndefined()
          expect((yield* ledger.getEnvelope("env_1"))?.outcome).toBe("succeeded")
        }),
      )

      test(
        "the settlement guard accepts any of the listed states",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            envelopes: [envelope("env_1", { settlement: "awaiting_outcome" })],
          })
          expect(
            yield* ledger.updateEnvelope(
              "env_1",
              { settlement: ["due", "settled"] },
              {
                settlement: "none",
              },
            ),
          ).toBeUndefined()
          const updated = yield* ledger.updateEnvelope(
            "env_1",
            { settlement: ["due", "awaiting_outcome"] },
            { settlement: "due", settlement_attempts: 1, settlement_error: "not yet" },
          )
          expect(updated?.settlement).toBe("due")
          expect(updated?.settlement_attempts).toBe(1)
          expect(updated?.settlement_error).toBe("not yet")
        }),
      )

      test(
        "every guard must hold; an unknown envelope is undefined",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: [envelope("env_1", { settlement: "due" })] })
          expect(
            yield* ledger.updateEnvelope(
              "env_1",
              { status: "open", outcomeUndecided: true, settlement: ["settled"] },
              { settlement: "none" },
            ),
          ).toBeUndefined()
          expect(
            (yield* ledger.updateEnvelope(
              "env_1",
              { status: "open", outcomeUndecided: true, settlement: ["due"] },
              { settlement: "settled", settled_at: "2026-11-05T00:00:00.000Z" },
            ))?.settled_at,
          ).toBe("2026-11-05T00:00:00.000Z")
          expect(yield* ledger.updateEnvelope("nope", {}, { status: "failed" })).toBeUndefined()
        }),
      )

      test(
        "a patch can set fields back to null",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            envelopes: [
              envelope("env_1", {
                settlement: "settled",
                settled_at: "2026-11-05T00:00:00.000Z",
                settlement_error: "old",
                next_settlement_at: "2026-11-06T00:00:00.000Z",
              }),
            ],
          })
          const updated = yield* ledger.updateEnvelope(
            "env_1",
            { settlement: ["settled"] },
            {
              settlement: "due",
              settled_at: null,
              settlement_error: null,
              next_settlement_at: null,
            },
          )
          expect(updated).toEqual(envelope("env_1", { settlement: "due" }))
        }),
      )
    })

    describe("findEnvelopes", () => {
      const now = "2026-11-03T12:00:00.000Z"

      test(
        "past_run_deadline: open envelopes whose run deadline is at or before now",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            envelopes: [
              envelope("late", { run_deadline: "2026-11-03T11:00:00.000Z" }),
              envelope("exactly", { run_deadline: now }),
              envelope("early", { run_deadline: "2026-11-03T12:00:00.001Z" }),
              envelope("none", { run_deadline: null }),
              envelope("done", { status: "succeeded", run_deadline: "2026-11-03T11:00:00.000Z" }),
            ],
          })
          expect(ids(yield* ledger.findEnvelopes({ kind: "past_run_deadline", now }))).toEqual([
            "exactly",
            "late",
          ])
        }),
      )

      test(
        "past_outcome_deadline: finalized envelopes without an outcome past their outcome deadline",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const past = {
            status: "succeeded",
            outcome_deadline: "2026-11-03T11:00:00.000Z",
          } as const
          yield* ledger.write({
            envelopes: [
              envelope("expired", past),
              envelope("exactly", { ...past, outcome_deadline: now }),
              envelope("decided", { ...past, outcome: "succeeded" }),
              envelope("running", { outcome_deadline: "2026-11-03T11:00:00.000Z" }),
              envelope("later", { ...past, outcome_deadline: "2026-11-04T00:00:00.000Z" }),
              envelope("none", { ...past, outcome_deadline: null }),
            ],
          })
          expect(ids(yield* ledger.findEnvelopes({ kind: "past_outcome_deadline", now }))).toEqual([
            "exactly",
            "expired",
          ])
        }),
      )

      test(
        "pending: due or awaiting an outcome",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            envelopes: [
              envelope("a", { settlement: "none" }),
              envelope("b", { settlement: "awaiting_outcome" }),
              envelope("c", { settlement: "due" }),
              envelope("d", { settlement: "settled" }),
            ],
          })
          expect(ids(yield* ledger.findEnvelopes({ kind: "pending" }))).toEqual(["b", "c"])
        }),
      )
    })

    describe("signals and entries", () => {
      test(
        "signals are listed per envelope in write order",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ signals: [signal("b"), signal("x", { envelope_id: "env_2" })] })
          yield* ledger.write({ signals: [signal("a"), signal("c", { envelope_id: null })] })
          expect((yield* ledger.signals("env_1")).map((s) => s.signal_id)).toEqual(["b", "a"])
          expect((yield* ledger.signals("env_2")).map((s) => s.signal_id)).toEqual(["x"])
        }),
      )

      test(
        "entries filter by envelope, by signal, by both, or not at all",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({
            entries: [
              entry("e1", { signal_id: "s1" }),
              entry("e2", { signal_id: "s2" }),
              entry("e3", { envelope_id: "env_2", signal_id: "s1" }),
              entry("e4", { envelope_id: null, signal_id: null }),
            ],
          })
          const keys = (entries: ReadonlyArray<LedgerEntry>) => entries.map((e) => e.key).sort()
          expect(keys(yield* ledger.entries({ envelopeId: "env_1" }))).toEqual(["e1", "e2"])
          expect(keys(yield* ledger.entries({ signalId: "s1" }))).toEqual(["e1", "e3"])
          expect(keys(yield* ledger.entries({ envelopeId: "env_2", signalId: "s1" }))).toEqual([
            "e3",
          ])
          expect(keys(yield* ledger.entries({}))).toEqual(["e1", "e2", "e3", "e4"])
        }),
      )
    })

    describe("claimDue", () => {
      const t0 = "2026-11-10T00:00:00.000Z"
      const plus = (ms: number) => new Date(Date.parse(t0) + ms).toISOString()
      const claim = (worker: string, now = t0, limit = 10) =>
        Effect.flatMap(Ledger, (ledger) => ledger.claimDue({ worker, now, limit, leaseMs: 60_000 }))
      const dueSet = [
        envelope("D1", { settlement: "due" }),
        envelope("D2", { settlement: "due", next_settlement_at: plus(5 * 60_000) }),
        envelope("D3", { settlement: "due", next_settlement_at: t0 }),
        envelope("D4", { settlement: "none" }),
        envelope("D5", { settlement: "awaiting_outcome" }),
        envelope("D6", { settlement: "settled", settled_at: t0 }),
      ]

      test(
        "claims due envelopes whose next attempt time has come, as stored",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: dueSet })
          const claimed = yield* claim("w1")
          expect(ids(claimed)).toEqual(["D1", "D3"])
          for (const record of claimed) {
            expect(record).toEqual(yield* ledger.getEnvelope(record.envelope_id))
          }
          expect(yield* claim("w1", t0, 1)).toHaveLength(1)
        }),
      )

      test(
        "a live claim excludes other workers, not its own; an expired lease is free",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: dueSet })
          expect(ids(yield* claim("w1"))).toEqual(["D1", "D3"])
          expect(yield* claim("w2")).toEqual([])
          expect(yield* claim("w2", plus(59_999))).toEqual([])
          expect(ids(yield* claim("w1", plus(1_000)))).toEqual(["D1", "D3"])
          // w1's renewed lease runs until t0 + 61 s.
          expect(yield* claim("w2", plus(60_000))).toEqual([])
          expect(ids(yield* claim("w2", plus(61_000)))).toEqual(["D1", "D3"])
        }),
      )

      test(
        "only the holder releases a claim",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: dueSet })
          yield* claim("w1")
          yield* ledger.releaseClaim("D1", "w2")
          expect(yield* claim("w2")).toEqual([])
          yield* ledger.releaseClaim("D1", "w1")
          expect(ids(yield* claim("w2"))).toEqual(["D1"])
        }),
      )

      test(
        "follows the envelope: settled or postponed leaves the queue, newly due joins it",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* ledger.write({ envelopes: dueSet })
          yield* ledger.updateEnvelope("D1", { settlement: ["due"] }, { settlement: "settled" })
          yield* ledger.updateEnvelope(
            "D3",
            { settlement: ["due"] },
            { next_settlement_at: plus(120_000), settlement_attempts: 1, settlement_error: "503" },
          )
          yield* ledger.updateEnvelope("D4", {}, { settlement: "due" })
          expect(ids(yield* claim("w1"))).toEqual(["D4"])
          // D2 is due at t0 + 5 min, D3 at t0 + 2 min; w1's lease on D4 ended at t0 + 1 min.
          expect(ids(yield* claim("w2", plus(300_000)))).toEqual(["D2", "D3", "D4"])
          const reclaimed = yield* claim("w3", plus(300_000))
          expect(reclaimed).toEqual([])
        }),
      )
    })

    describe("report and balances", () => {
      const seed = Effect.flatMap(Ledger, (ledger) =>
        ledger.write({ envelopes: [E1, E2, E3], entries: reportEntries }),
      )

      for (const by of Object.keys(novemberRows) as Array<ReportDimension>) {
        test(
          `report by ${by}: November 2026 by occurred_at, UTC, [start, end)`,
          Effect.gen(function* () {
            const ledger = yield* Ledger
            yield* seed
            const report = yield* ledger.report({ period: "2026-11", by })
            expect(report).toEqual({
              period: "2026-11",
              by,
              currency: "USD",
              total: "4.87",
              rows: novemberRows[by],
              unpriced: [],
            })
          }),
        )
      }

      test(
        "asOf: only entries recorded by then, and envelopes settled by then count as settled",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* seed
          // k2 (recorded Dec 5) and k4 (recorded Nov 30 23:59:59.999) are not yet
          // recorded; E3 settles on Dec 2, so k5 is still pending.
          const report = yield* ledger.report({
            period: "2026-11",
            by: "tenant",
            asOf: "2026-11-30T00:00:00.000Z",
          })
          expect(report.rows).toEqual([
            row("acme", "2.29", "1.09", "2.29", "0"),
            row("globex", "2.3", "1.5", "0.8", "1.5"),
            row("platform", "0.05", "0.05", "0", "0.05"),
            row("resource:context/shared-1", "0", "2", "0", "0"),
          ])
          expect(report.total).toBe("4.64")
        }),
      )

      test(
        "currencies are reported separately",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* seed
          expect(
            yield* ledger.report({ period: "2026-11", by: "tenant", currency: "EUR" }),
          ).toEqual({
            period: "2026-11",
            by: "tenant",
            currency: "EUR",
            total: "3",
            rows: [row("acme", "3", "3", "3", "0")],
            unpriced: [],
          })
          const empty = yield* ledger.report({ period: "2026-11", by: "tenant", currency: "JPY" })
          expect(empty.total).toBe("0")
          expect(empty.rows).toEqual([])
        }),
      )

      test(
        "balances by dimension, with and without a period, currency and asOf",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* seed
          const usd = (key: string, amount: string): Balance => ({ key, amount, currency: "USD" })
          // All time: acme adds k13 (100); globex adds k6 (7).
          expect(yield* ledger.balances({ by: "tenant" })).toEqual([
            usd("acme", "102.52"),
            usd("globex", "9.3"),
            usd("platform", "0.05"),
            usd("resource:context/shared-1", "0"),
          ])
          expect(yield* ledger.balances({ by: "tenant", period: "2026-11" })).toEqual([
            usd("acme", "2.52"),
            usd("globex", "2.3"),
            usd("platform", "0.05"),
            usd("resource:context/shared-1", "0"),
          ])
          expect(yield* ledger.balances({ by: "model", period: "2026-11" })).toEqual([
            usd("(none)", "0"),
            usd("agent-x", "0.99"),
            usd("claude-x", "0.3"),
            usd("gpt-5.1", "3.58"),
          ])
          expect(yield* ledger.balances({ by: "account", currency: "EUR" })).toEqual([
            { key: "tenant:acme", amount: "3", currency: "EUR" },
          ])
          // Recorded by Nov 30: acme loses k2 and k4; globex loses k6 (recorded Dec 1).
          expect(
            yield* ledger.balances({ by: "tenant", asOf: "2026-11-30T00:00:00.000Z" }),
          ).toEqual([
            usd("acme", "102.29"),
            usd("globex", "2.3"),
            usd("platform", "0.05"),
            usd("resource:context/shared-1", "0"),
          ])
          expect(yield* ledger.balances({ by: "outcome", period: "2026-10" })).toEqual([
            usd("succeeded", "100"),
          ])
        }),
      )

      test(
        "unpriced signals of the period whose envelope is not settled are listed",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* seed
          const unpriced = { base_cost: null, pricing_error: 'no price for "mystery"' } as const
          yield* ledger.write({
            signals: [
              signal("u1", {
                ...unpriced,
                envelope_id: "E2",
                observed_at: "2026-11-12T00:00:00.000Z",
              }),
              signal("u2", {
                ...unpriced,
                envelope_id: "E1",
                observed_at: "2026-11-05T00:00:00.000Z",
              }),
              signal("priced", { envelope_id: "E2", observed_at: "2026-11-12T00:00:00.000Z" }),
              signal("october", {
                ...unpriced,
                envelope_id: "E2",
                observed_at: "2026-10-15T00:00:00.000Z",
              }),
              signal("loose", { ...unpriced, envelope_id: null }),
            ],
          })
          const now = yield* ledger.report({ period: "2026-11", by: "tenant" })
          expect(now.unpriced).toEqual([{ signal_id: "u1", reason: 'no price for "mystery"' }])
          // Before E1 settled (Nov 10), its unpriced signal was pending too.
          const earlier = yield* ledger.report({
            period: "2026-11",
            by: "tenant",
            asOf: "2026-11-06T00:00:00.000Z",
          })
          expect(earlier.unpriced).toEqual([
            { signal_id: "u1", reason: 'no price for "mystery"' },
            { signal_id: "u2", reason: 'no price for "mystery"' },
          ])
        }),
      )

      test(
        "money is exact: 18 decimal places and 30+ digit sums",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          const tiny = "0.000000000000000001"
          const october = "2026-10-15T00:00:00.000Z"
          const loose = (key: string, account: string, amount: string, at?: string) =>
            entry(key, {
              account,
              amount,
              envelope_id: null,
              ...(at ? { occurred_at: at, recorded_at: at } : {}),
            })
          yield* ledger.write({
            entries: [
              loose("t1", "tenant:tiny", tiny, october),
              loose("t2", "tenant:tiny", tiny, october),
              loose("t3", "tenant:tiny", tiny, october),
              loose("b1", "tenant:big", "123456789012345678901234567890.123"),
              loose("b2", "tenant:big", "0.877"),
              loose("n1", "tenant:nines", "999999999999999999999999999999.999999"),
              loose("n2", "tenant:nines", "0.000001"),
            ],
          })
          const tinyReport = yield* ledger.report({ period: "2026-10", by: "tenant" })
          expect(tinyReport.rows).toEqual([
            row(
              "tiny",
              "0.000000000000000003",
              "0.000000000000000003",
              "0.000000000000000003",
              "0",
            ),
          ])
          expect(tinyReport.total).toBe("0.000000000000000003")
          const big = "123456789012345678901234567891"
          const nines = "1000000000000000000000000000000"
          const report = yield* ledger.report({ period: "2026-11", by: "tenant" })
          expect(report.rows).toEqual([
            row("big", big, big, big, "0"),
            row("nines", nines, nines, nines, "0"),
          ])
          // 123456789012345678901234567891 + 10^30
          expect(report.total).toBe("1123456789012345678901234567891")
          expect((yield* ledger.entries({})).find((e) => e.key === "t1")?.amount).toBe(tiny)
        }),
      )

      test(
        "a period that is not YYYY-MM fails with a LedgerError",
        Effect.gen(function* () {
          const ledger = yield* Ledger
          yield* seed
          for (const period of ["2026-13", "2026-1", "november"]) {
            const error = yield* Effect.flip(ledger.report({ period, by: "tenant" }))
            expect(error).toMatchObject({ _tag: "LedgerError" })
            const balances = yield* Effect.flip(ledger.balances({ by: "tenant", period }))
            expect(balances).toMatchObject({ _tag: "LedgerError" })
          }
        }),
      )
    })

    describe("through the facade", () => {
      const book: PriceBookFile = {
        version: 1,
        entries: [
          {
            provider: "acme",
            model: "chat-1",
            validFrom: "2026-01-01",
            strategy: "TOKEN_BASED",
            currency: "USD",
            rates: { input_tokens: "1" },
          },
        ],
      }
      const NOV_3 = Date.parse("2026-11-03T10:00:00.000Z")
      it(
        "a run is written finalized with its calls: settled when priced, due and claimable when not",
        async () => {
          const agentcost = await AgentCost.create({
            ledger: make() as Layer.Layer<Ledger, never>,
            prices: [book],
            handleSignals: false,
            flushIntervalMs: 3_600_000,
            now: () => NOV_3,
          })
          const call = (model: string, id: string) => ({
            provider: "acme",
            call: normalizedCall(model, { input_tokens: 1000 }, { providerRequestId: id }),
          })
          const priced = await agentcost.run({ tenantId: "acme" }, async (envelope) => {
            envelope.begin().capture(call("chat-1", "req-1"))
            envelope.begin().capture(call("chat-1", "req-2"))
            return envelope.envelopeId
          })
          const pending = await agentcost.run({ tenantId: "acme" }, async (envelope) => {
            envelope.begin().capture(call("no-such-model", "req-3"))
            return envelope.envelopeId
          })
          await agentcost.flush()
          expect(await agentcost.envelope(priced)).toMatchObject({
            status: "succeeded",
            finalized_at: "2026-11-03T10:00:00.000Z",
            settlement: "settled",
            settled_at: "2026-11-03T10:00:00.000Z",
          })
          expect(await agentcost.envelope(pending)).toMatchObject({
            status: "succeeded",
            settlement: "due",
            settled_at: null,
          })
          // Settlement finds it (nothing can price it yet, so it stays due).
          const settled = await agentcost.settle()
          expect(settled.envelopes.map((e) => e.envelope_id)).toEqual([pending])
          // 2 calls × 1000 input tokens × $1/M; the unpriced call has no entry.
          const report = await agentcost.report({ period: "2026-11", by: "tenant" })
          expect(report.rows.find((r) => r.key === "acme")?.total).toBe("0.002")
          await agentcost.close()
        },
        options.timeout,
      )
    })
  })
}
