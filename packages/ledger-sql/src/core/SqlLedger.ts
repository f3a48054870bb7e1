/**
 * The core `Ledger` contract on SQL, for any `SqlClient` speaking the
 * PostgreSQL dialect (the PGlite and PostgreSQL drivers). Behaviour is the
 * in-memory reference's (`MemoryLedger`), proven by the shared contract suite;
 * reports and balances are computed in SQL (GROUP BY) with NUMERIC money.
 *
 * Writes are batched, idempotent (`ON CONFLICT DO NOTHING`) and atomic: one
 * statement for a small batch, COPY into staging tables for a large one when
 * the driver can (`BatchCopy`).
 */
import type {
  CostEnvelope,
  CostSignal,
  Ledger as LedgerModule,
  SharedResource,
} from "@agentcost/core"
import { Ledger as L, Money } from "@agentcost/core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { Fragment } from "effect/sql/Statement"
import * as BatchCopy from "./BatchCopy.ts"
import * as Columns from "./Columns.ts"
import type { Tables } from "./Schema.ts"

type EnvelopeRecord = CostEnvelope.EnvelopeRecord
type LedgerEntry = LedgerModule.LedgerEntry
type ReportDimension = LedgerModule.ReportDimension

// -- row mapping ---------------------------------------------------------------

const iso = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : value instanceof Date
      ? value.toISOString()
      : new Date(String(value)).toISOString()

const isoNotNull = (value: unknown): string => iso(value)!

const ENVELOPE_COLUMNS = Columns.names(Columns.ENVELOPE)

const TIMESTAMP_FIELDS = new Set([
  "opened_at",
  "finalized_at",
  "run_deadline",
  "outcome_deadline",
  "outcome_at",
  "settled_at",
  "next_settlement_at",
])

/** The envelope fields a patch may set, with their SQL types for json_to_recordset. */
const PATCHABLE = [
  "tenant_id",
  "workflow_type",
  "parent_id",
  "status",
  "outcome",
  "payer_policy",
  "finalized_at",
  "run_deadline",
  "outcome_deadline",
  "outcome_at",
  "settlement",
  "settled_at",
  "settlement_error",
  "settlement_attempts",
  "next_settlement_at",
] as const

const toEnvelope = (row: Record<string, unknown>): EnvelopeRecord =>
  ({
    envelope_id: row.envelope_id,
    tenant_id: row.tenant_id,
    workflow_type: row.workflow_type,
    parent_id: row.parent_id,
    status: row.status,
    outcome: row.outcome,
    payer_policy: row.payer_policy,
    opened_at: isoNotNull(row.opened_at),
    finalized_at: iso(row.finalized_at),
    run_deadline: iso(row.run_deadline),
    outcome_deadline: iso(row.outcome_deadline),
    outcome_at: iso(row.outcome_at),
    settlement: row.settlement,
    settled_at: iso(row.settled_at),
    settlement_error: row.settlement_error,
    settlement_attempts: Number(row.settlement_attempts),
    next_settlement_at: iso(row.next_settlement_at),
  }) as EnvelopeRecord

/** The entry columns as read: amounts as exact text. */
const ENTRY_COLUMNS = Columns.ENTRY.map(([name]) =>
  name === "amount" ? "amount::text AS amount" : name,
).join(", ")

const toEntry = (row: Record<string, unknown>): LedgerEntry =>
  ({
    ...row,
    occurred_at: isoNotNull(row.occurred_at),
    recorded_at: isoNotNull(row.recorded_at),
  }) as LedgerEntry

const toContribution = (row: Record<string, unknown>): SharedResource.Contribution => ({
  key: row.key as string,
  resource_id: row.resource_id as string,
  tenant_id: row.tenant_id as string,
  unit: row.unit as string,
  quantity: row.quantity as string,
  occurred_at: isoNotNull(row.occurred_at),
})

/** Money from NUMERIC text, in core's plain format (no exponent, no trailing zeros). */
const money = (value: unknown): Money.Decimal => new Money.Decimal(String(value ?? "0"))

const byKey = <T extends { readonly key: string }>(a: T, b: T) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0

// -- report keys -----------------------------------------------------------------

/** `Ledger.reportKey` in SQL: `e` is the entry, `v` its envelope (LEFT JOIN). */
const KEY_SQL: Record<ReportDimension, string> = {
  tenant: "CASE WHEN e.account LIKE 'tenant:%' THEN substr(e.account, 8) ELSE e.account END",
  account: "e.account",
  workflow: "coalesce(e.workflow_type, '(none)')",
  outcome: "coalesce(v.outcome, 'undecided')",
  model: "coalesce(e.model, '(none)')",
  provider: "coalesce(e.provider, '(none)')",
}

// -- the ledger ------------------------------------------------------------------

/** First and one-past-last instants of the UTC month holding `at`. */
const UTC_ISO = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/

const monthOf = (
  at: string,
): { readonly month: string; readonly from: string; readonly to: string } => {
  const date = new Date(at)
  if (Number.isNaN(date.getTime())) {
    throw new L.LedgerError({
      operation: "write",
      reason: `occurred_at "${at}" is not a timestamp`,
    })
  }
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  return {
    month: `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}`,
    from: new Date(Date.UTC(year, month, 1)).toISOString(),
    to: new Date(Date.UTC(year, month + 1, 1)).toISOString(),
  }
}

const failWith =
  (operation: string) =>
  (error: SqlError | LedgerModule.LedgerError): LedgerModule.LedgerError =>
    error._tag === "LedgerError"
      ? error
      : new L.LedgerError({ operation, reason: error.message || String(error.cause) })

export interface SqlLedgerOptions {
  /** Batches of at least this many rows go through COPY when the driver can (default 1000). */
  readonly copyThreshold?: number | undefined
}

export const make = (
  t: Tables,
  options: SqlLedgerOptions = {},
): Effect.Effect<LedgerModule.LedgerShape, never, SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const stager = yield* Effect.serviceOption(BatchCopy.Stager)
    const copyThreshold = options.copyThreshold ?? 1000
    const table = (name: string) => sql.literal(name)
    const envelopes = table(t.envelopes)
    const signals = table(t.signals)
    const entries = table(t.entries)
    const claims = table(t.claims)

    /** Months whose partition this process has seen exist. */
    const partitions = new Set<string>()

    const ensurePartitions = (batch: ReadonlyArray<LedgerEntry>) =>
      Effect.gen(function* () {
        const missing = new Map<string, { from: string; to: string }>()
        for (const e of batch) {
          // Core writes UTC ISO strings, whose first seven characters are the month.
          if (UTC_ISO.test(e.occurred_at) && partitions.has(e.occurred_at.slice(0, 7))) continue
          const { month, from, to } = monthOf(e.occurred_at)
          if (!partitions.has(month)) missing.set(month, { from, to })
        }
        for (const [month, { from, to }] of missing) {
          const name = t.partition(month)
          // Checked first without DDL: creating takes a lock on `entries`.
          const [found] = yield* sql<{
            exists: boolean
          }>`SELECT to_regclass(${name}) IS NOT NULL AS exists`
          if (!found?.exists) {
            yield* sql.withTransaction(
              Effect.gen(function* () {
                yield* sql`SELECT pg_advisory_xact_lock(hashtext(${`agentcost.partition:${t.schema}`}))`
                yield* sql.unsafe(
                  `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${t.entries} FOR VALUES FROM ('${from}') TO ('${to}')`,
                )
              }),
            )
          }
          partitions.add(month)
        }
      })

    /**
     * One statement of data-modifying CTEs: a batch is atomic without a
     * transaction round trip, and the inserted rows are counted on the way.
     */
    /** A large batch of envelopes, signals and entries, through the driver's COPY. */
    const copyBatch = (stage: BatchCopy.StagerShape, batch: LedgerModule.WriteBatch) =>
      Effect.gen(function* () {
        const entryRows = batch.entries ?? []
        if (entryRows.length > 0) yield* ensurePartitions(entryRows)
        const signalRows = batch.signals ?? []
        const { direct, copies, statement } = BatchCopy.plan(t, {
          envelopes: batch.envelopes ?? [],
          signals: signalRows,
          entries: entryRows,
        })
        // Rows new to the store, the common case, go straight in; any already there, staged.
        if (stage.direct && (yield* stage.direct(direct))) {
          return { signals: signalRows.length, entries: entryRows.length }
        }
        const row = yield* stage.run(BatchCopy.SETUP, copies, statement)
        return { signals: Number(row?.[0] ?? 0), entries: Number(row?.[1] ?? 0) }
      })

    const write = (batch: LedgerModule.WriteBatch) =>
      Effect.gen(function* () {
        const rowCount =
          (batch.envelopes?.length ?? 0) +
          (batch.signals?.length ?? 0) +
          (batch.entries?.length ?? 0)
        if (
          Option.isSome(stager) &&
          rowCount > 0 &&
          rowCount >= copyThreshold &&
          !batch.resources?.length &&
          !batch.contributions?.length
        ) {
          return yield* copyBatch(stager.value, batch)
        }
        const parts: Array<Fragment> = []
        if (batch.envelopes?.length) {
          parts.push(sql`envelopes_in AS (
            INSERT INTO ${envelopes} (${sql.literal(`tenant_key, ${ENVELOPE_COLUMNS}`)})
            SELECT coalesce(x.tenant_id, ''), ${sql.literal(Columns.names(Columns.ENVELOPE, "x"))}
            FROM json_to_recordset(${JSON.stringify(batch.envelopes)}::json)
              AS x(${sql.literal(Columns.definitions(Columns.ENVELOPE))})
            ON CONFLICT DO NOTHING
            RETURNING envelope_id, tenant_key, settlement, next_settlement_at
          ), claims_in AS (
            INSERT INTO ${claims} (envelope_id, tenant_key, due_at)
            SELECT envelope_id, tenant_key, next_settlement_at FROM envelopes_in WHERE settlement = 'due'
            ON CONFLICT DO NOTHING
          )`)
        }
        if (batch.resources?.length) {
          parts.push(sql`resources_in AS (
            INSERT INTO ${table(t.resources)} (resource_id, kind, policy, declared_at)
            SELECT x.resource_id, x.kind, x.policy, x.declared_at
            FROM json_to_recordset(${JSON.stringify(batch.resources)}::json)
              AS x(resource_id text, kind text, policy text, declared_at timestamptz)
            ON CONFLICT DO NOTHING
          )`)
        }
        if (batch.contributions?.length) {
          parts.push(sql`contributions_in AS (
            INSERT INTO ${table(t.contributions)} (key, resource_id, tenant_id, unit, quantity, occurred_at)
            SELECT x.key, x.resource_id, x.tenant_id, x.unit, x.quantity, x.occurred_at
            FROM json_to_recordset(${JSON.stringify(batch.contributions)}::json)
              AS x(key text, resource_id text, tenant_id text, unit text, quantity numeric,
                   occurred_at timestamptz)
            ON CONFLICT DO NOTHING
          )`)
        }
        if (batch.signals?.length) {
          // The indexed columns beside the signal itself, parsed once as json.
          const rows = batch.signals.map((signal) => ({
            signal_id: signal.signal_id,
            envelope_id: signal.envelope_id,
            tenant_id: signal.tenant_id,
            observed_at: signal.observed_at,
            pricing_error: signal.pricing_error ?? null,
            body: signal,
          }))
          parts.push(sql`signals_batch AS (
            SELECT coalesce(x.tenant_id, '') AS tenant_key, ${sql.literal(Columns.names(Columns.SIGNAL, "x"))}
            FROM json_to_recordset(${JSON.stringify(rows)}::json)
              AS x(${sql.literal(Columns.definitions(Columns.SIGNAL))})
          ), signals_in AS (
            INSERT INTO ${signals} (tenant_key, ${sql.literal(Columns.names(Columns.SIGNAL))})
            SELECT tenant_key, ${sql.literal(Columns.names(Columns.SIGNAL))} FROM signals_batch
            ON CONFLICT DO NOTHING
            RETURNING tenant_key, signal_id, observed_at
          )`)
        }
        const entryRows = batch.entries ?? []
        if (entryRows.length > 0) {
          yield* ensurePartitions(entryRows)
          parts.push(sql`entries_in AS (
            INSERT INTO ${entries} (tenant_key, ${sql.literal(Columns.names(Columns.ENTRY))})
            SELECT coalesce(x.tenant_id, ''), ${sql.literal(Columns.names(Columns.ENTRY, "x"))}
            FROM json_to_recordset(${JSON.stringify(entryRows)}::json)
              AS x(${sql.literal(Columns.definitions(Columns.ENTRY))})
            ${batch.signals?.length ? sql.literal(Columns.newEstimatesOnly("x", "signals_batch")) : sql.literal("")}
            ON CONFLICT DO NOTHING
            RETURNING 1
          )`)
        }
        if (parts.length === 0) return { signals: 0, entries: 0 }
        const counted = (name: string, present: boolean) =>
          present ? sql.literal(`(SELECT count(*) FROM ${name})::int`) : sql.literal("0")
        const [row] = yield* sql<{ signals: number; entries: number }>`
          WITH ${sql.csv(parts)}
          SELECT ${counted("signals_in", !!batch.signals?.length)} AS signals,
                 ${counted("entries_in", entryRows.length > 0)} AS entries`
        return { signals: Number(row?.signals ?? 0), entries: Number(row?.entries ?? 0) }
      })

    const getEnvelope = (envelopeId: string) =>
      sql<Record<string, unknown>>`
        SELECT ${sql.literal(ENVELOPE_COLUMNS)} FROM ${envelopes} WHERE envelope_id = ${envelopeId}`.pipe(
        Effect.map((rows) => (rows[0] ? toEnvelope(rows[0]) : undefined)),
      )

    const updateEnvelope = (
      envelopeId: string,
      guard: LedgerModule.EnvelopeGuard,
      patch: LedgerModule.EnvelopePatch,
    ) =>
      Effect.gen(function* () {
        if (guard.settlement && guard.settlement.length === 0) return undefined
        const sets: Array<Fragment> = []
        for (const field of PATCHABLE) {
          if (!(field in patch)) continue
          const value = patch[field] ?? null
          sets.push(
            TIMESTAMP_FIELDS.has(field)
              ? sql`${sql(field)} = ${value}::timestamptz`
              : sql`${sql(field)} = ${value}`,
          )
          if (field === "tenant_id") sets.push(sql`tenant_key = ${value ?? ""}`)
        }
        if (sets.length === 0) sets.push(sql`envelope_id = envelope_id`)
        const conditions: Array<Fragment> = [sql`envelope_id = ${envelopeId}`]
        if (guard.status !== undefined) conditions.push(sql`status = ${guard.status}`)
        if (guard.outcomeUndecided) conditions.push(sql`outcome IS NULL`)
        if (guard.settlement) conditions.push(sql`settlement IN ${sql.in(guard.settlement)}`)
        // The claim table follows the envelope; a settlement pass leaves a history row.
        const attempt =
          "settlement_attempts" in patch
            ? sql`, attempt AS (
                INSERT INTO ${table(t.attempts)} (envelope_id, attempt, settled, error)
                SELECT envelope_id, settlement_attempts, settlement = 'settled', settlement_error FROM updated
                ON CONFLICT DO NOTHING)`
            : sql``
        const rows = yield* sql<Record<string, unknown>>`
          WITH updated AS (
            UPDATE ${envelopes} SET ${sql.csv(sets)} WHERE ${sql.and(conditions)}
            RETURNING ${sql.literal(`tenant_key, ${ENVELOPE_COLUMNS}`)}
          ), queued AS (
            INSERT INTO ${claims} (envelope_id, tenant_key, due_at)
            SELECT envelope_id, tenant_key, next_settlement_at FROM updated WHERE settlement = 'due'
            ON CONFLICT (envelope_id) DO UPDATE SET due_at = excluded.due_at, tenant_key = excluded.tenant_key
          ), dequeued AS (
            DELETE FROM ${claims} WHERE envelope_id IN (SELECT envelope_id FROM updated WHERE settlement <> 'due')
          )${attempt}
          SELECT ${sql.literal(ENVELOPE_COLUMNS)} FROM updated`
        return rows[0] ? toEnvelope(rows[0]) : undefined
      })

    const findEnvelopes = (query: LedgerModule.EnvelopeQuery) => {
      const where =
        query.kind === "past_run_deadline"
          ? sql`status = 'open' AND run_deadline <= ${query.now}::timestamptz`
          : query.kind === "past_outcome_deadline"
            ? sql`status <> 'open' AND outcome IS NULL AND outcome_deadline <= ${query.now}::timestamptz`
            : sql`settlement IN ('due', 'awaiting_outcome')`
      return sql<Record<string, unknown>>`
        SELECT ${sql.literal(ENVELOPE_COLUMNS)} FROM ${envelopes} WHERE ${where} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map(toEnvelope)),
      )
    }

    const signalsOf = (envelopeId: string) =>
      sql<{ body: CostSignal.CostSignal }>`
        SELECT body FROM ${signals} WHERE envelope_id = ${envelopeId} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map((r) => r.body)),
      )

    const entriesOf = (filter: { readonly envelopeId?: string; readonly signalId?: string }) => {
      const conditions: Array<Fragment> = []
      if (filter.envelopeId) conditions.push(sql`envelope_id = ${filter.envelopeId}`)
      if (filter.signalId) conditions.push(sql`signal_id = ${filter.signalId}`)
      return sql<Record<string, unknown>>`
        SELECT ${sql.literal(ENTRY_COLUMNS)} FROM ${entries}
        ${conditions.length > 0 ? sql`WHERE ${sql.and(conditions)}` : sql``}
        ORDER BY recorded_at, key`.pipe(Effect.map((rows) => rows.map(toEntry)))
    }

    const claimDue = (options: LedgerModule.ClaimOptions) => {
      const leaseUntil = new Date(Date.parse(options.now) + options.leaseMs).toISOString()
      // SKIP LOCKED: a row another worker is claiming right now is not waited for.
      return sql<Record<string, unknown>>`
        WITH picked AS (
          SELECT envelope_id FROM ${claims}
          WHERE (due_at IS NULL OR due_at <= ${options.now}::timestamptz)
            AND (worker IS NULL OR lease_until <= ${options.now}::timestamptz OR worker = ${options.worker})
          ORDER BY due_at NULLS FIRST, envelope_id
          LIMIT ${options.limit}
          FOR UPDATE SKIP LOCKED
        ), claimed AS (
          UPDATE ${claims} c SET worker = ${options.worker}, lease_until = ${leaseUntil}::timestamptz
          FROM picked WHERE c.envelope_id = picked.envelope_id
          RETURNING c.envelope_id
        )
        SELECT ${sql.literal(Columns.names(Columns.ENVELOPE, "e"))}
        FROM ${envelopes} e JOIN claimed ON claimed.envelope_id = e.envelope_id
        ORDER BY e.seq`.pipe(Effect.map((rows) => rows.map(toEnvelope)))
    }

    const releaseClaim = (envelopeId: string, worker: string) =>
      sql`
        UPDATE ${claims} SET worker = NULL, lease_until = NULL
        WHERE envelope_id = ${envelopeId} AND worker = ${worker}`.pipe(Effect.asVoid)

    const resource = (resourceId: string) =>
      sql<Record<string, unknown>>`
        SELECT resource_id, kind, policy, declared_at FROM ${table(t.resources)}
        WHERE resource_id = ${resourceId}`.pipe(
        Effect.map((rows) =>
          rows[0]
            ? ({
                resource_id: rows[0].resource_id as string,
                kind: rows[0].kind as string,
                policy: rows[0].policy as string,
                declared_at: isoNotNull(rows[0].declared_at),
              } satisfies SharedResource.ResourceRecord)
            : undefined,
        ),
      )

    const contributions = (resourceId: string) =>
      sql<Record<string, unknown>>`
        SELECT key, resource_id, tenant_id, unit, quantity::text AS quantity, occurred_at
        FROM ${table(t.contributions)} WHERE resource_id = ${resourceId} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map(toContribution)),
      )

    /** The entries a query covers: currency, period by occurred_at, recorded by asOf. */
    const entryFilter = (query: {
      readonly currency: string
      readonly period?: string | undefined
      readonly asOf?: string | undefined
    }) => {
      const conditions: Array<Fragment> = [sql`e.currency = ${query.currency}`]
      if (query.period !== undefined) {
        const { start, end } = L.periodRange(query.period)
        conditions.push(sql`e.occurred_at >= ${start}::timestamptz`)
        conditions.push(sql`e.occurred_at < ${end}::timestamptz`)
      }
      if (query.asOf !== undefined)
        conditions.push(sql`e.recorded_at <= ${query.asOf}::timestamptz`)
      return sql.and(conditions)
    }

    /** Whether the envelope `v` counted as settled at `asOf` (no envelope: settled). */
    const settledAsOf = (asOf: string | undefined) =>
      asOf === undefined
        ? sql`(v.envelope_id IS NULL OR v.settled_at IS NOT NULL)`
        : sql`(v.envelope_id IS NULL OR coalesce(v.settled_at <= ${asOf}::timestamptz, false))`

    const report = (query: LedgerModule.ReportQuery) =>
      Effect.gen(function* () {
        const currency = query.currency ?? "USD"
        const { start, end } = L.periodRange(query.period)
        const settled = settledAsOf(query.asOf)
        const grouped = yield* sql<Record<string, unknown>>`
          SELECT ${sql.literal(KEY_SQL[query.by])} AS key,
            coalesce(sum(e.amount) FILTER (WHERE e.kind IN ('estimate', 'outcome_fee')), 0)::text AS estimated,
            coalesce(sum(e.amount) FILTER (WHERE ${settled}), 0)::text AS settled,
            coalesce(sum(e.amount) FILTER (WHERE NOT ${settled}), 0)::text AS pending
          FROM ${entries} e LEFT JOIN ${envelopes} v ON v.envelope_id = e.envelope_id
          WHERE ${entryFilter({ ...query, currency })}
          GROUP BY 1`
        const rows = grouped
          .map((r) => {
            const settledAmount = money(r.settled)
            const pendingAmount = money(r.pending)
            return {
              key: String(r.key),
              total: Money.format(settledAmount.plus(pendingAmount)),
              estimated: Money.format(money(r.estimated)),
              settled: Money.format(settledAmount),
              pending: Money.format(pendingAmount),
            }
          })
          .sort(byKey)
        const unpriced = yield* sql<{ signal_id: string; reason: string }>`
          SELECT s.signal_id, s.pricing_error AS reason
          FROM ${signals} s LEFT JOIN ${envelopes} v ON v.envelope_id = s.envelope_id
          WHERE s.pricing_error IS NOT NULL AND s.pricing_error <> ''
            AND s.observed_at >= ${start}::timestamptz AND s.observed_at < ${end}::timestamptz
            AND NOT ${settledAsOf(query.asOf)}
          ORDER BY s.seq`
        return {
          period: query.period,
          by: query.by,
          currency,
          total: Money.format(Money.sum(rows.map((r) => new Money.Decimal(r.total)))),
          rows,
          unpriced: unpriced.map((u) => ({ signal_id: u.signal_id, reason: u.reason })),
        } satisfies LedgerModule.Report
      })

    const balances = (query: LedgerModule.BalanceQuery) =>
      Effect.gen(function* () {
        const currency = query.currency ?? "USD"
        const rows = yield* sql<{ key: string; amount: string }>`
          SELECT ${sql.literal(KEY_SQL[query.by])} AS key, sum(e.amount)::text AS amount
          FROM ${entries} e LEFT JOIN ${envelopes} v ON v.envelope_id = e.envelope_id
          WHERE ${entryFilter({ ...query, currency })}
          GROUP BY 1`
        return rows
          .map((r) => ({ key: String(r.key), amount: Money.format(money(r.amount)), currency }))
          .sort(byKey)
      })

    /** Runs `effect` as ledger operation `name`: SQL failures and bad input become LedgerError. */
    const op =
      <Args extends ReadonlyArray<unknown>, A>(
        name: string,
        f: (...args: Args) => Effect.Effect<A, SqlError | LedgerModule.LedgerError>,
      ) =>
      (...args: Args): Effect.Effect<A, LedgerModule.LedgerError> =>
        Effect.suspend(() => {
          try {
            return f(...args)
          } catch (error) {
            return Effect.fail(error as LedgerModule.LedgerError)
          }
        }).pipe(
          Effect.catchDefect((defect) =>
            defect instanceof L.LedgerError ? Effect.fail(defect) : Effect.die(defect),
          ),
          Effect.mapError(failWith(name)),
          Effect.withSpan(`SqlLedger.${name}`),
        )

    return {
      write: op("write", write),
      getEnvelope: op("getEnvelope", getEnvelope),
      updateEnvelope: op("updateEnvelope", updateEnvelope),
      findEnvelopes: op("findEnvelopes", findEnvelopes),
      signals: op("signals", signalsOf),
      entries: op("entries", entriesOf),
      claimDue: op("claimDue", claimDue),
      releaseClaim: op("releaseClaim", releaseClaim),
      resource: op("resource", resource),
      contributions: op("contributions", contributions),
      balances: op("balances", balances),
      report: op("report", report),
    } satisfies LedgerModule.LedgerShape
  })

export const layer = (
  t: Tables,
  options: SqlLedgerOptions = {},
): Layer.Layer<LedgerModule.Ledger, never, SqlClient> => Layer.effect(L.Ledger, make(t, options))
