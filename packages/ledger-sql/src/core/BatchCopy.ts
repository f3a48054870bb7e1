/**
 * Large batches through COPY (PostgreSQL's fastest way in), two ways:
 *
 * - direct: one transaction COPYs the rows straight into the ledger tables
 *   (and the claim table). New rows, the common case, cost what a plain COPY
 *   costs. A row already there fails the COPY on its unique key
 *   (`unique_violation`) and the whole transaction rolls back, writing
 *   nothing;
 * - staged, then: the rows go into session-local staging tables and one
 *   statement moves them into the ledger with `INSERT … ON CONFLICT DO
 *   NOTHING` in the order they came, in one transaction.
 *
 * Same rows, same idempotency, same counts as the single-statement path. The
 * SQL lives here, shared; a driver only moves the bytes (`Stager`).
 */
import type { CostEnvelope, CostSignal, Ledger as LedgerModule } from "@agentcost/core"
import { Context, type Effect } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import * as Columns from "./Columns.ts"
import type { Tables } from "./Schema.ts"

export interface Copy {
  /** The table COPY writes (a staging table `pg_temp.…`, or a ledger table). */
  readonly table: string
  readonly columns: string
  /** Rows in COPY's text format. */
  readonly data: string
}

export interface StagerShape {
  /**
   * In one transaction on one session: COPYs each of `copies` straight into
   * its ledger table and commits; resolves to false, having written nothing,
   * when a row is there already (a unique key refused it: `unique_violation`).
   * A driver without it stages every batch.
   */
  readonly direct?: (copies: ReadonlyArray<Copy>) => Effect.Effect<boolean, SqlError>
  /**
   * In one transaction on one session: runs `setup`, COPYs each of `copies`,
   * then `statement`; resolves to the statement's first row (values in order).
   */
  readonly run: (
    setup: ReadonlyArray<string>,
    copies: ReadonlyArray<Copy>,
    statement: string,
  ) => Effect.Effect<ReadonlyArray<unknown> | undefined, SqlError>
}

/** Provided by drivers that can COPY; without it every batch takes the statement path. */
export class Stager extends Context.Service<Stager, StagerShape>()(
  "@agentcost/ledger-sql/Stager",
) {}

/**
 * Staging tables: emptied at every commit; `n` keeps the batch's order. They
 * take the rows the direct COPY would (`tenant_key` first), so one text serves both.
 */
export const SETUP: ReadonlyArray<string> = (
  [
    ["envelopes", Columns.ENVELOPE],
    ["signals", Columns.SIGNAL],
    ["entries", Columns.ENTRY],
  ] as const
).map(
  ([table, columns]) =>
    `CREATE TEMP TABLE IF NOT EXISTS agentcost_stage_${table} (n bigserial, tenant_key text, ${Columns.definitions(columns)}) ON COMMIT DELETE ROWS`,
)

/** A value in COPY's text format: `\N` for null, backslash escapes for the rest. */
const field = (value: unknown): string => {
  if (value === null || value === undefined) return "\\N"
  const text = typeof value === "string" ? value : String(value)
  return /[\\\n\r\t]/.test(text)
    ? text.replace(/[\\\n\r\t]/g, (c) =>
        c === "\\" ? "\\\\" : c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t",
      )
    : text
}

/**
 * Rows in COPY's text format: the tenant key (the tenant id, '' for none),
 * then one field per column, in the columns' order.
 */
const rows = <T extends { readonly tenant_id: string | null }>(
  records: ReadonlyArray<T>,
  columns: ReadonlyArray<Columns.Column>,
  get: (record: T, column: string) => unknown,
) => {
  let data = ""
  for (const record of records) {
    data += field(record.tenant_id ?? "")
    for (let i = 0; i < columns.length; i++) data += `\t${field(get(record, columns[i]![0]))}`
    data += "\n"
  }
  return data
}

const ENVELOPE_COLUMNS = Columns.names(Columns.ENVELOPE)
const ENTRY_COLUMNS = Columns.names(Columns.ENTRY)
const SIGNAL_COLUMNS = Columns.names(Columns.SIGNAL)

export interface Plan {
  /** The COPYs straight into the ledger tables, for rows new to the store (`StagerShape.direct`). */
  readonly direct: ReadonlyArray<Copy>
  /** The COPYs into the staging tables, and the statement that moves their rows. */
  readonly copies: ReadonlyArray<Copy>
  readonly statement: string
}

/** The COPYs, direct and staged, and the moving statement for a batch. */
export const plan = (
  t: Tables,
  batch: {
    readonly envelopes: ReadonlyArray<CostEnvelope.EnvelopeRecord>
    readonly signals: ReadonlyArray<CostSignal.CostSignal>
    readonly entries: ReadonlyArray<LedgerModule.LedgerEntry>
  },
): Plan => {
  const direct: Array<Copy> = []
  const copies: Array<Copy> = []
  const parts: Array<string> = []
  /** One text for both: into the staging table, or straight into the ledger's. */
  const both = (name: string, ledgerTable: string, columns: string, data: string) => {
    copies.push({
      table: `pg_temp.agentcost_stage_${name}`,
      columns: `tenant_key, ${columns}`,
      data,
    })
    direct.push({ table: ledgerTable, columns: `tenant_key, ${columns}`, data })
  }
  if (batch.envelopes.length > 0) {
    both(
      "envelopes",
      t.envelopes,
      ENVELOPE_COLUMNS,
      rows(batch.envelopes, Columns.ENVELOPE, (r, f) => r[f as keyof typeof r]),
    )
    // What `claims_in` inserts for new envelopes: the due ones.
    const due = batch.envelopes.filter((e) => e.settlement === "due")
    if (due.length > 0) {
      direct.push({
        table: t.claims,
        columns: "envelope_id, tenant_key, due_at",
        data: due
          .map(
            (e) =>
              `${field(e.envelope_id)}\t${field(e.tenant_id ?? "")}\t${field(e.next_settlement_at)}\n`,
          )
          .join(""),
      })
    }
    parts.push(`envelopes_in AS (
      INSERT INTO ${t.envelopes} (tenant_key, ${ENVELOPE_COLUMNS})
      SELECT tenant_key, ${ENVELOPE_COLUMNS} FROM pg_temp.agentcost_stage_envelopes ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING envelope_id, tenant_key, settlement, next_settlement_at
    ), claims_in AS (
      INSERT INTO ${t.claims} (envelope_id, tenant_key, due_at)
      SELECT envelope_id, tenant_key, next_settlement_at FROM envelopes_in WHERE settlement = 'due'
      ON CONFLICT DO NOTHING
    )`)
  }
  if (batch.signals.length > 0) {
    both(
      "signals",
      t.signals,
      SIGNAL_COLUMNS,
      rows(batch.signals, Columns.SIGNAL, (s, f) =>
        f === "body"
          ? JSON.stringify(s)
          : f === "pricing_error"
            ? (s.pricing_error ?? null)
            : s[f as keyof typeof s],
      ),
    )
    parts.push(`signals_in AS (
      INSERT INTO ${t.signals} (tenant_key, ${SIGNAL_COLUMNS})
      SELECT tenant_key, ${SIGNAL_COLUMNS} FROM pg_temp.agentcost_stage_signals ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING tenant_key, signal_id, observed_at
    )`)
  }
  if (batch.entries.length > 0) {
    both(
      "entries",
      t.entries,
      ENTRY_COLUMNS,
      rows(batch.entries, Columns.ENTRY, (r, f) => r[f as keyof typeof r]),
    )
    parts.push(`entries_in AS (
      INSERT INTO ${t.entries} (tenant_key, ${ENTRY_COLUMNS})
      SELECT x.tenant_key, ${Columns.names(Columns.ENTRY, "x")} FROM pg_temp.agentcost_stage_entries x
      ${batch.signals.length > 0 ? Columns.newEstimatesOnly("x", "pg_temp.agentcost_stage_signals") : ""}
      ORDER BY x.n
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`)
  }
  const count = (name: string, present: boolean) =>
    present ? `(SELECT count(*) FROM ${name})::int` : "0"
  return {
    direct,
    copies,
    statement: `WITH ${parts.join(", ")} SELECT ${count("signals_in", batch.signals.length > 0)} AS signals, ${count("entries_in", batch.entries.length > 0)} AS entries`,
  }
}
