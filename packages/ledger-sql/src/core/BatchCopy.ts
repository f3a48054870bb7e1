/**
 * Large batches through COPY: the rows go into session-local staging tables
 * with `COPY` (PostgreSQL's fastest way in), then one statement moves them
 * into the ledger with `INSERT … ON CONFLICT DO NOTHING` in the order they
 * came, in one transaction. Same rows, same idempotency, same counts as the
 * single-statement path; about twice as fast on the server for thousands of
 * rows. The SQL lives here, shared; a driver only moves the bytes (`Stager`).
 */
import type { CostEnvelope, CostSignal, Ledger as LedgerModule } from "@agentcost/core"
import { Context, type Effect } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import * as Columns from "./Columns.ts"
import type { Tables } from "./Schema.ts"

export interface Copy {
  /** A staging table (`pg_temp.…`). */
  readonly table: string
  readonly columns: string
  /** Rows in COPY's text format. */
  readonly data: string
}

export interface StagerShape {
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

/** Staging tables: emptied at every commit; `n` keeps the batch's order. */
export const SETUP: ReadonlyArray<string> = (
  [
    ["envelopes", Columns.ENVELOPE],
    ["signals", Columns.SIGNAL],
    ["entries", Columns.ENTRY],
  ] as const
).map(
  ([table, columns]) =>
    `CREATE TEMP TABLE IF NOT EXISTS agentcost_stage_${table} (n bigserial, ${Columns.definitions(columns)}) ON COMMIT DELETE ROWS`,
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

/** Rows in COPY's text format, one field per column, in the columns' order. */
const rows = <T>(
  records: ReadonlyArray<T>,
  columns: ReadonlyArray<Columns.Column>,
  get: (record: T, column: string) => unknown,
) => {
  let data = ""
  for (const record of records) {
    for (let i = 0; i < columns.length; i++) {
      data += (i === 0 ? "" : "\t") + field(get(record, columns[i]![0]))
    }
    data += "\n"
  }
  return data
}

const ENVELOPE_COLUMNS = Columns.names(Columns.ENVELOPE)
const ENTRY_COLUMNS = Columns.names(Columns.ENTRY)
const SIGNAL_COLUMNS = Columns.names(Columns.SIGNAL)

/** The COPYs and the moving statement for a batch of envelopes, signals and entries. */
export const plan = (
  t: Tables,
  batch: {
    readonly envelopes: ReadonlyArray<CostEnvelope.EnvelopeRecord>
    readonly signals: ReadonlyArray<CostSignal.CostSignal>
    readonly entries: ReadonlyArray<LedgerModule.LedgerEntry>
  },
): { readonly copies: ReadonlyArray<Copy>; readonly statement: string } => {
  const copies: Array<Copy> = []
  const parts: Array<string> = []
  if (batch.envelopes.length > 0) {
    copies.push({
      table: "pg_temp.agentcost_stage_envelopes",
      columns: ENVELOPE_COLUMNS,
      data: rows(batch.envelopes, Columns.ENVELOPE, (r, f) => r[f as keyof typeof r]),
    })
    parts.push(`envelopes_in AS (
      INSERT INTO ${t.envelopes} (tenant_key, ${ENVELOPE_COLUMNS})
      SELECT coalesce(tenant_id, ''), ${ENVELOPE_COLUMNS} FROM pg_temp.agentcost_stage_envelopes ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING envelope_id, tenant_key, settlement, next_settlement_at
    ), claims_in AS (
      INSERT INTO ${t.claims} (envelope_id, tenant_key, due_at)
      SELECT envelope_id, tenant_key, next_settlement_at FROM envelopes_in WHERE settlement = 'due'
      ON CONFLICT DO NOTHING
    )`)
  }
  if (batch.signals.length > 0) {
    copies.push({
      table: "pg_temp.agentcost_stage_signals",
      columns: SIGNAL_COLUMNS,
      data: rows(batch.signals, Columns.SIGNAL, (s, f) =>
        f === "body"
          ? JSON.stringify(s)
          : f === "pricing_error"
            ? (s.pricing_error ?? null)
            : s[f as keyof typeof s],
      ),
    })
    parts.push(`signals_in AS (
      INSERT INTO ${t.signals} (tenant_key, ${SIGNAL_COLUMNS})
      SELECT coalesce(tenant_id, ''), ${SIGNAL_COLUMNS}
      FROM pg_temp.agentcost_stage_signals ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`)
  }
  if (batch.entries.length > 0) {
    copies.push({
      table: "pg_temp.agentcost_stage_entries",
      columns: ENTRY_COLUMNS,
      data: rows(batch.entries, Columns.ENTRY, (r, f) => r[f as keyof typeof r]),
    })
    parts.push(`entries_in AS (
      INSERT INTO ${t.entries} (tenant_key, ${ENTRY_COLUMNS})
      SELECT coalesce(tenant_id, ''), ${ENTRY_COLUMNS} FROM pg_temp.agentcost_stage_entries ORDER BY n
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`)
  }
  const count = (name: string, present: boolean) =>
    present ? `(SELECT count(*) FROM ${name})::int` : "0"
  return {
    copies,
    statement: `WITH ${parts.join(", ")} SELECT ${count("signals_in", batch.signals.length > 0)} AS signals, ${count("entries_in", batch.entries.length > 0)} AS entries`,
  }
}
