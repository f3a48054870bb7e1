/**
 * The columns a batch carries for each ledger table, with their SQL types:
 * one list for the statement path (`json_to_recordset` definitions), the
 * COPY path (staging tables) and the reads.
 */
import type { CostEnvelope, Ledger as LedgerModule } from "@agentcost/core"

export type Column<Name extends string = string> = readonly [name: Name, type: string]

export const ENVELOPE = [
  ["envelope_id", "text"],
  ["tenant_id", "text"],
  ["workflow_type", "text"],
  ["parent_id", "text"],
  ["status", "text"],
  ["outcome", "text"],
  ["payer_policy", "text"],
  ["opened_at", "timestamptz"],
  ["finalized_at", "timestamptz"],
  ["run_deadline", "timestamptz"],
  ["outcome_deadline", "timestamptz"],
  ["outcome_at", "timestamptz"],
  ["settlement", "text"],
  ["settled_at", "timestamptz"],
  ["settlement_error", "text"],
  ["settlement_attempts", "integer"],
  ["next_settlement_at", "timestamptz"],
] as const satisfies ReadonlyArray<Column<keyof CostEnvelope.EnvelopeRecord>>

export const ENTRY = [
  ["key", "text"],
  ["account", "text"],
  ["kind", "text"],
  ["amount", "numeric"],
  ["currency", "text"],
  ["tenant_id", "text"],
  ["envelope_id", "text"],
  ["signal_id", "text"],
  ["workflow_type", "text"],
  ["provider", "text"],
  ["provider_account", "text"],
  ["model", "text"],
  ["operation_id", "text"],
  ["resource_id", "text"],
  ["occurred_at", "timestamptz"],
  ["recorded_at", "timestamptz"],
  ["source_revision", "text"],
] as const satisfies ReadonlyArray<Column<keyof LedgerModule.LedgerEntry>>

/** A signal's indexed columns, and the signal itself as `body`. */
export const SIGNAL = [
  ["signal_id", "text"],
  ["envelope_id", "text"],
  ["tenant_id", "text"],
  ["observed_at", "timestamptz"],
  ["pricing_error", "text"],
  ["body", "json"],
] as const satisfies ReadonlyArray<Column<string>>

/** `a, b, c`, or `x.a, x.b, x.c` with an alias. */
export const names = (columns: ReadonlyArray<Column<string>>, alias?: string): string =>
  columns.map(([name]) => (alias ? `${alias}.${name}` : name)).join(", ")

/** `a text, b timestamptz, …`: a record definition or a table's columns. */
export const definitions = (columns: ReadonlyArray<Column<string>>): string =>
  columns.map(([name, type]) => `${name} ${type}`).join(", ")

/**
 * The WHERE clause that keeps an estimate entry out when the batch carries
 * its signal and that signal was stored already (another integration saw
 * the same call, at another time): only the estimate of the signal this
 * write inserted — `signals_in`, same time — goes in. The entry key
 * includes `occurred_at` (the partition column), so without it a call seen
 * again a moment later would count twice. Other entries go in as before.
 */
export const newEstimatesOnly = (entry: string, batchSignals: string): string => `
  WHERE ${entry}.kind <> 'estimate' OR ${entry}.signal_id IS NULL
    OR NOT EXISTS (SELECT 1 FROM ${batchSignals} b
                   WHERE b.signal_id = ${entry}.signal_id AND b.tenant_key = coalesce(${entry}.tenant_id, ''))
    OR EXISTS (SELECT 1 FROM signals_in i
               WHERE i.signal_id = ${entry}.signal_id AND i.tenant_key = coalesce(${entry}.tenant_id, '')
                 AND i.observed_at = ${entry}.occurred_at)`
