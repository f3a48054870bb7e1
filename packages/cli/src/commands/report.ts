/**
 * `agentcost report --period YYYY-MM --by tenant|workflow|outcome|model
 * [--as-of ISO] [--json|--csv]`: attribution by `occurred_at` in UTC
 * (DESIGN.md §6). `--json` prints the contract shape, `--csv` one row per
 * key, and otherwise a table with the unpriced signals and the pending
 * envelopes' last settlement errors below it.
 */
import { Ledger, Money } from "@agentcost/core"
import { layerForStore } from "@agentcost/ledger-sql"
import { Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Cli from "../Cli.ts"
import { anyError } from "./settle.ts"

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/** `--dual` waits for the dual-attribution issue; it fails rather than print something else. */
export class DualNotAvailable extends Schema.TaggedError<DualNotAvailable>()(
  "DualNotAvailable",
  {},
) {
  override get message() {
    return "dual attribution is not available yet"
  }
}

/** Whether the text's YYYY-MM-DD is a day of its month (JavaScript rolls 2026-11-31 into December). */
const isCalendarDay = (text: string): boolean => {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number]
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** `--as-of`: an ISO date or timestamp (UTC unless it says otherwise), normalized for the ledger. */
const parseAsOf = (text: string): Effect.Effect<string, Cli.BadInput> => {
  const zoned = /T[^Z+-]*$/.test(text) ? `${text}Z` : text
  const time = Date.parse(zoned)
  return ISO_TIME.test(text) && !Number.isNaN(time) && isCalendarDay(text)
    ? Effect.succeed(new Date(time).toISOString())
    : Effect.fail(
        new Cli.BadInput({
          message: `--as-of: "${text}" is not an ISO 8601 date or timestamp (e.g. 2026-12-01T00:00:00Z)`,
        }),
      )
}

const COLUMNS = ["total", "estimated", "settled", "pending"] as const

const csvField = (value: string) =>
  /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value

export const toCsv = (report: Ledger.Report): string =>
  [
    ["key", ...COLUMNS].join(","),
    ...report.rows.map((row) => [row.key, ...COLUMNS.map((c) => row[c])].map(csvField).join(",")),
  ].join("\n")

/** A table with right-aligned money, a total line and notes on what is not final. */
export const toTable = (
  report: Ledger.Report,
  pendingErrors: ReadonlyArray<{ readonly envelope_id: string; readonly error: string }>,
): string => {
  const header = [report.by.toUpperCase(), ...COLUMNS.map((c) => c.toUpperCase())]
  const body = report.rows.map((row) => [row.key, ...COLUMNS.map((c) => row[c])])
  const sum = (column: (typeof COLUMNS)[number]) =>
    report.rows.reduce((total, row) => total.plus(row[column]), Money.ZERO)
  const footer = ["TOTAL", ...COLUMNS.map((c) => Money.format(sum(c)))]
  const table = [header, ...body, footer]
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
  const out = [
    `${report.period} by ${report.by}, ${report.currency} (by occurred_at, UTC)`,
    line(header),
    ...body.map(line),
    line(footer),
  ]
  if (report.rows.length === 0) out.splice(1, 0, "(no entries in this period)")
  if (report.unpriced.length > 0) {
    out.push(`${report.unpriced.length} unpriced signal(s), not counted (never as $0):`)
    for (const u of report.unpriced) out.push(`  ${u.signal_id}: ${u.reason}`)
  }
  if (pendingErrors.length > 0) {
    out.push(`${pendingErrors.length} pending envelope(s) with a settlement error:`)
    for (const p of pendingErrors) out.push(`  ${p.envelope_id}: ${p.error}`)
  }
  return out.join("\n")
}

const config = {
  ...Cli.storeFlags,
  period: Flag.String("period").pipe(
    Flag.withMetavar("YYYY-MM"),
    Flag.withDescription("the month, by occurred_at in UTC"),
  ),
  by: Flag.Literals("by", Ledger.REPORT_DIMENSIONS).pipe(
    Flag.withDescription("group by tenant, workflow, outcome, model (also provider, account)"),
  ),
  asOf: Flag.String("as-of").pipe(
    Flag.withMetavar("ISO"),
    Flag.withDescription("only what was recorded, and settled, at or before this instant"),
    Flag.optional,
  ),
  currency: Flag.String("currency").pipe(
    Flag.withDescription("the currency reported (default USD)"),
    Flag.withDefault("USD"),
  ),
  csv: Flag.Boolean("csv").pipe(
    Flag.withDescription("print CSV: key,total,estimated,settled,pending"),
    Flag.withDefault(false),
  ),
  dual: Flag.Boolean("dual").pipe(
    Flag.withDescription(
      "dual attribution (the old token-only attribution beside it): not available yet",
    ),
    Flag.withDefault(false),
  ),
} as const

export const report = Command.make(
  "report",
  config,
  Effect.fn("agentcost.report")(function* (options) {
    if (!PERIOD.test(options.period)) {
      return yield* new Cli.BadInput({
        message: `--period: "${options.period}" is not YYYY-MM (e.g. 2026-11)`,
      })
    }
    if (options.json && options.csv) {
      return yield* new Cli.BadInput({ message: "--json and --csv: choose one" })
    }
    if (options.dual) return yield* new DualNotAvailable()
    const asOf = Option.isSome(options.asOf) ? yield* parseAsOf(options.asOf.value) : undefined
    const { result, pendingErrors } = yield* Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      const result = yield* ledger.report({
        period: options.period,
        by: options.by,
        currency: options.currency,
        asOf,
      })
      const pendingErrors = (yield* ledger.findEnvelopes({ kind: "pending" })).flatMap((e) =>
        e.settlement_error ? [{ envelope_id: e.envelope_id, error: e.settlement_error }] : [],
      )
      return { result, pendingErrors }
    }).pipe(Effect.provide(layerForStore(options.store)))
    if (options.json) {
      return yield* Cli.printJson({
        period: result.period,
        by: result.by,
        currency: result.currency,
        total: result.total,
        rows: result.rows.map((r) => ({
          key: r.key,
          total: r.total,
          estimated: r.estimated,
          settled: r.settled,
          pending: r.pending,
        })),
        unpriced: result.unpriced,
        settlement_errors: pendingErrors,
      })
    }
    if (options.csv) return yield* Cli.print(toCsv(result))
    yield* Cli.print(toTable(result, pendingErrors))
  }, Effect.mapError(anyError)),
).pipe(
  Command.withDescription(
    "Attribution for a month by occurred_at (UTC): estimated, settled and pending cost per tenant, workflow, outcome or model.",
  ),
  Command.withExamples([
    { command: "agentcost report --period 2026-11 --by tenant", description: "a table" },
    {
      command: "agentcost report --period 2026-11 --by model --as-of 2026-12-01 --json",
      description: "what the ledger knew on Dec 1, as JSON",
    },
  ]),
)
