/**
 * The ledger (DESIGN.md §5): append-only entries whose sums are balances, plus
 * the stored envelope state that lets a run finalize in one process and
 * settle in another. This module is the storage contract; `MemoryLedger`
 * implements it in core and `@agentcost/ledger-sql` on PGlite/PostgreSQL.
 * Both run the same contract suite (`@agentcost/core/test`).
 */
import type { Effect } from "effect"
import { Context, Schema } from "effect"
import type { EnvelopeRecord, Outcome, SettlementState, Status } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import type { Contribution, ResourceRecord } from "./SharedResource.ts"

/**
 * `estimate` what a call cost when recorded; `adjustment` settlement to the
 * provider's number; `outcome_fee` the business-outcome charge; `allocation`
 * moves cost from a resource or platform account to tenants (sums to zero);
 * `reversal` undoes an entry. `hold` is reserved for budget authorizations.
 */
export const ENTRY_KINDS = [
  "estimate",
  "adjustment",
  "outcome_fee",
  "allocation",
  "reversal",
] as const
export type EntryKind = (typeof ENTRY_KINDS)[number]

export interface LedgerEntry {
  /** Idempotency key: writing an entry with a key that exists changes nothing. */
  readonly key: string
  /** `tenant:<id>`, `platform`, `resource:<kind>/<id>` or `unattributed`. */
  readonly account: string
  readonly kind: EntryKind
  /** Signed plain decimal string. */
  readonly amount: string
  readonly currency: string
  readonly tenant_id: string | null
  readonly envelope_id: string | null
  readonly signal_id: string | null
  readonly workflow_type: string | null
  readonly provider: string | null
  readonly provider_account: string | null
  readonly model: string | null
  readonly operation_id: string | null
  readonly resource_id: string | null
  /** When the cost happened (the call; for an outcome fee, the outcome). Reports group by it. */
  readonly occurred_at: string
  readonly recorded_at: string
  /** The settlement source's revision an adjustment was computed from. */
  readonly source_revision: string | null
}

export const Account = {
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  resource: (resourceId: string) => `resource:${resourceId}`,
  platform: "platform",
  unattributed: "unattributed",
} as const

export interface WriteBatch {
  /** Inserted when absent (an envelope is opened once). */
  readonly envelopes?: ReadonlyArray<EnvelopeRecord>
  /** Inserted when absent, by `signal_id`. */
  readonly signals?: ReadonlyArray<CostSignal>
  /** Inserted when absent, by `key`. */
  readonly entries?: ReadonlyArray<LedgerEntry>
  readonly resources?: ReadonlyArray<ResourceRecord>
  readonly contributions?: ReadonlyArray<Contribution>
}

export interface WriteResult {
  readonly signals: number
  readonly entries: number
}

/** Conditions an envelope update requires; the update is atomic with the check. */
export interface EnvelopeGuard {
  readonly status?: Status
  readonly outcomeUndecided?: boolean
  readonly settlement?: ReadonlyArray<SettlementState>
}

export type EnvelopePatch = Partial<Omit<EnvelopeRecord, "envelope_id" | "opened_at">>

export type EnvelopeQuery =
  /** Open envelopes whose run deadline is at or before `now` (the sweeper times them out). */
  | { readonly kind: "past_run_deadline"; readonly now: string }
  /** Finalized envelopes without an outcome whose outcome deadline is at or before `now`. */
  | { readonly kind: "past_outcome_deadline"; readonly now: string }
  /** Envelopes with costs still pending (due or awaiting an outcome). */
  | { readonly kind: "pending" }

export interface ClaimOptions {
  readonly worker: string
  readonly now: string
  readonly limit: number
  /** A claim not released within this time is free for another worker. */
  readonly leaseMs: number
}

export const REPORT_DIMENSIONS = [
  "tenant",
  "workflow",
  "outcome",
  "model",
  "provider",
  "account",
] as const
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number]

export interface ReportQuery {
  /** `YYYY-MM`, UTC, by `occurred_at`. */
  readonly period: string
  readonly by: ReportDimension
  readonly currency?: string | undefined
  /** Only what was recorded, and settled, at or before this instant. */
  readonly asOf?: string | undefined
}

export interface ReportRow {
  readonly key: string
  /** settled + pending. */
  readonly total: string
  /** The estimates as booked (estimate and outcome_fee entries). */
  readonly estimated: string
  /** Final cost of settled envelopes. */
  readonly settled: string
  /** Current estimate of everything not yet settled. */
  readonly pending: string
}

export interface Report {
  readonly period: string
  readonly by: ReportDimension
  readonly currency: string
  readonly total: string
  readonly rows: ReadonlyArray<ReportRow>
  /** Signals that could not be priced (unknown model or unit): never counted as $0. */
  readonly unpriced: ReadonlyArray<{ readonly signal_id: string; readonly reason: string }>
}

export interface BalanceQuery {
  readonly by: ReportDimension
  readonly period?: string | undefined
  readonly currency?: string | undefined
  readonly asOf?: string | undefined
}

export interface Balance {
  readonly key: string
  readonly amount: string
  readonly currency: string
}

export class LedgerError extends Schema.TaggedError<LedgerError>()("LedgerError", {
  operation: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `ledger ${this.operation}: ${this.reason}`
  }
}

export interface LedgerShape {
  readonly write: (batch: WriteBatch) => Effect.Effect<WriteResult, LedgerError>
  readonly getEnvelope: (
    envelopeId: string,
  ) => Effect.Effect<EnvelopeRecord | undefined, LedgerError>
  /** Applies `patch` only if `guard` holds; returns the updated record, or undefined. */
  readonly updateEnvelope: (
    envelopeId: string,
    guard: EnvelopeGuard,
    patch: EnvelopePatch,
  ) => Effect.Effect<EnvelopeRecord | undefined, LedgerError>
  readonly findEnvelopes: (
    query: EnvelopeQuery,
  ) => Effect.Effect<ReadonlyArray<EnvelopeRecord>, LedgerError>
  readonly signals: (envelopeId: string) => Effect.Effect<ReadonlyArray<CostSignal>, LedgerError>
  readonly entries: (filter: {
    readonly envelopeId?: string
    readonly signalId?: string
  }) => Effect.Effect<ReadonlyArray<LedgerEntry>, LedgerError>
  /**
   * Claims up to `limit` envelopes due for settlement (`settlement = "due"`,
   * `next_settlement_at` unset or passed) that no other worker holds.
   */
  readonly claimDue: (
    options: ClaimOptions,
  ) => Effect.Effect<ReadonlyArray<EnvelopeRecord>, LedgerError>
  readonly releaseClaim: (envelopeId: string, worker: string) => Effect.Effect<void, LedgerError>
  readonly resource: (resourceId: string) => Effect.Effect<ResourceRecord | undefined, LedgerError>
  readonly contributions: (
    resourceId: string,
  ) => Effect.Effect<ReadonlyArray<Contribution>, LedgerError>
  readonly balances: (query: BalanceQuery) => Effect.Effect<ReadonlyArray<Balance>, LedgerError>
  readonly report: (query: ReportQuery) => Effect.Effect<Report, LedgerError>
}

export class Ledger extends Context.Service<Ledger, LedgerShape>()("@agentcost/core/Ledger") {}

/** The report key of an entry for a dimension (shared by every ledger implementation). */
export const reportKey = (
  entry: LedgerEntry,
  by: ReportDimension,
  outcome: Outcome | null | undefined,
): string => {
  switch (by) {
    case "tenant":
      return entry.account.startsWith("tenant:")
        ? entry.account.slice("tenant:".length)
        : entry.account
    case "account":
      return entry.account
    case "workflow":
      return entry.workflow_type ?? "(none)"
    case "outcome":
      return outcome ?? "undecided"
    case "model":
      return entry.model ?? "(none)"
    case "provider":
      return entry.provider ?? "(none)"
  }
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/

/** `[start, end)` of a `YYYY-MM` period in UTC, as ISO strings. */
export const periodRange = (period: string): { readonly start: string; readonly end: string } => {
  const match = PERIOD.exec(period)
  if (!match)
    throw new LedgerError({ operation: "report", reason: `period "${period}" is not YYYY-MM` })
  const year = Number(match[1])
  const month = Number(match[2])
  return {
    start: new Date(Date.UTC(year, month - 1, 1)).toISOString(),
    end: new Date(Date.UTC(year, month, 1)).toISOString(),
  }
}
