/**
 * `agentcost ingest FILE.jsonl [--skip-bad [--rejects FILE]]`: imports cost
 * signals and envelope events idempotently. Each line is one of
 *
 * - a cost signal (DESIGN.md §3; a line without `type`);
 * - `{"type":"envelope","event":"open","envelope_id",…}` with optional
 *   `tenant_id`, `workflow_type`, `parent_id`, `payer_policy`,
 *   `run_deadline_ms`, `outcome_deadline_ms`, `at`;
 * - `{"type":"envelope","event":"finalize","envelope_id","status",…}`;
 * - `{"type":"outcome","envelope_id","outcome",…}`.
 *
 * `at` (ISO, default now) is when the event happened. The file is read twice,
 * streaming: the first pass validates every line (fields, envelopes known to
 * the file or the store, prices) and writes nothing if one is bad; the second
 * books through core's services (EnvelopeTracker, WriteBuffer). A signal
 * without an envelope gets its own single-call envelope `env_sig_<signal_id>`,
 * opened and finalized at its time. Writing a file twice changes nothing.
 */
import { createReadStream, createWriteStream, type WriteStream } from "node:fs"
import { access, constants, stat } from "node:fs/promises"
import { createInterface } from "node:readline"
import {
  Booking,
  type CostEnvelope,
  CostSignal,
  CostEnvelope as Envelopes,
  EnvelopeTracker,
  Ledger,
  PricingRegistry,
  WriteBuffer,
} from "@agentcost/core"
import { Clock, Effect, Fiber, Option, Schema, SchemaIssue } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Cli from "../Cli.ts"
import { anyError, pricesFlag, services } from "./settle.ts"

// -- events ----------------------------------------------------------------------

const Timestamp = Schema.String.check(
  Schema.makeFilter((s: string) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), {
    expected: "an ISO 8601 timestamp",
  }),
)
const Id = Schema.String.check(Schema.isNonEmpty())
const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))

const OpenEvent = Schema.Struct({
  type: Schema.Literal("envelope"),
  event: Schema.Literal("open"),
  envelope_id: Id,
  tenant_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  workflow_type: Schema.optionalKey(Schema.NullOr(Schema.String)),
  parent_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  payer_policy: Schema.optionalKey(Schema.Literals(Envelopes.PAYER_POLICIES)),
  run_deadline_ms: Schema.optionalKey(PositiveInt),
  outcome_deadline_ms: Schema.optionalKey(PositiveInt),
  at: Schema.optionalKey(Timestamp),
})
const FinalizeEvent = Schema.Struct({
  type: Schema.Literal("envelope"),
  event: Schema.Literal("finalize"),
  envelope_id: Id,
  status: Schema.Literals(["succeeded", "failed", "timed_out", "cancelled"]),
  at: Schema.optionalKey(Timestamp),
})
const OutcomeEvent = Schema.Struct({
  type: Schema.Literal("outcome"),
  envelope_id: Id,
  outcome: Schema.Literals(Envelopes.OUTCOMES),
  at: Schema.optionalKey(Timestamp),
})

type Event =
  | { readonly kind: "signal"; readonly signal: CostSignal.CostSignal }
  | { readonly kind: "open"; readonly event: typeof OpenEvent.Type }
  | { readonly kind: "finalize"; readonly event: typeof FinalizeEvent.Type }
  | { readonly kind: "outcome"; readonly event: typeof OutcomeEvent.Type }

/** A line that cannot be ingested: `where` is the field, or "" for the whole line. */
class Bad {
  readonly where: string
  readonly reason: string
  constructor(where: string, reason: string) {
    this.where = where
    this.reason = reason
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const decodeWith =
  <S extends Schema.Top>(schema: S) =>
  (input: unknown): S["Type"] | Bad => {
    const result = Schema.decodeUnknownResult(schema as never, {
      onExcessProperty: "error",
      errors: "first",
    })(input) as
      | { _tag: "Success"; success: S["Type"] }
      | { _tag: "Failure"; failure: { issue: SchemaIssue.Issue } }
    if (result._tag === "Success") return result.success
    const leaf = formatter(result.failure.issue).issues[0]
    const path = (leaf?.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join(".")
    const reason =
      leaf?.message === "Expected no excess property"
        ? "unknown field"
        : (leaf?.message ?? "invalid")
    return new Bad(path, reason)
  }

const decodeOpen = decodeWith(OpenEvent)
const decodeFinalize = decodeWith(FinalizeEvent)
const decodeOutcome = decodeWith(OutcomeEvent)

/** An ISO time with no zone ("2026-11-30T23:30:00"), which JavaScript would read as local time. */
const ZONELESS = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/

/**
 * A time without a zone is UTC (as `report --as-of` reads it): read as the
 * machine's local time, one file would book other instants, months and entry
 * keys on machines in other time zones.
 */
const asUtc = (time: string): string => (ZONELESS.test(time) ? `${time}Z` : time)

/** One line's event, or what is wrong with it; blank lines are null. */
export const parseLine = (text: string): Event | Bad | null => readLine(text, true)

/** The event of a line the first pass accepted: parsed again, not checked again. */
const eventOf = (text: string): Event | null => readLine(text, false) as Event | null

const readLine = (text: string, check: boolean): Event | Bad | null => {
  if (text.trim() === "") return null
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return new Bad("", `invalid JSON (${(error as Error).message})`)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return new Bad("", "expected a JSON object (a cost signal or an event)")
  }
  const { type, ...rest } = value as Record<string, unknown>
  if (type === undefined || type === "signal") {
    let signal: CostSignal.CostSignal
    try {
      signal = check ? CostSignal.decode(rest) : (rest as CostSignal.CostSignal)
    } catch (error) {
      const invalid = error as CostSignal.InvalidSignal
      return new Bad(invalid.path ?? "", invalid.reason ?? String(error))
    }
    // Reports compare instants: store the time as UTC ISO, whatever offset it came with.
    return {
      kind: "signal",
      signal: { ...signal, observed_at: new Date(asUtc(signal.observed_at)).toISOString() },
    }
  }
  if (type === "envelope") {
    const event = (value as { event?: unknown }).event
    if (event !== "open" && event !== "finalize") {
      return new Bad("event", `expected "open" or "finalize", got ${JSON.stringify(event)}`)
    }
    const decoded = !check ? value : event === "open" ? decodeOpen(value) : decodeFinalize(value)
    if (decoded instanceof Bad) return decoded
    return event === "open"
      ? { kind: "open", event: decoded as typeof OpenEvent.Type }
      : { kind: "finalize", event: decoded as typeof FinalizeEvent.Type }
  }
  if (type === "outcome") {
    const decoded = check ? decodeOutcome(value) : (value as typeof OutcomeEvent.Type)
    return decoded instanceof Bad ? decoded : { kind: "outcome", event: decoded }
  }
  return new Bad(
    "type",
    `unknown event type ${JSON.stringify(type)} (expected "envelope" or "outcome"; a line without type is a cost signal)`,
  )
}

// -- reading ---------------------------------------------------------------------

interface Line {
  readonly number: number
  readonly text: string
}

const CHUNK = 2_000

/**
 * Pass 1 keeps the events of the file's first lines for pass 2, which would
 * parse them again: a bounded window, so memory stays flat whatever the size.
 */
const KEPT_LINES = 16 * CHUNK

const cannotRead = (path: string) => (error: unknown) =>
  new Cli.BadInput({ message: `${path}: cannot read the file (${(error as Error).message})` })

/**
 * The file's first `limit` lines in chunks, streaming: memory stays flat
 * whatever the file size.
 */
const chunks = (path: string, limit: number) => {
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  })
  const iterator = lines[Symbol.asyncIterator]()
  let number = 0
  const next = Effect.tryPromise({
    try: async () => {
      const chunk: Array<Line> = []
      while (chunk.length < CHUNK && number < limit) {
        const result = await iterator.next()
        if (result.done) break
        chunk.push({ number: ++number, text: result.value })
      }
      return chunk
    },
    catch: cannotRead(path),
  })
  return { next, close: () => lines.close() }
}

/**
 * Fails unless `path` is a regular file that can be read, so a missing file,
 * a directory or a pipe (whose second read would find nothing) is refused
 * before the store is opened, or created.
 */
const checkReadable = (path: string) =>
  Effect.tryPromise({
    try: async () => {
      if (!(await stat(path)).isFile()) {
        throw new Error(
          "not a regular file: ingest reads it twice, so it cannot be a pipe or a directory",
        )
      }
      await access(path, constants.R_OK)
    },
    catch: cannotRead(path),
  })

const forEachChunk = <E, R>(
  path: string,
  f: (chunk: ReadonlyArray<Line>) => Effect.Effect<void, E, R>,
  limit = Number.POSITIVE_INFINITY,
) =>
  Effect.acquireUseRelease(
    Effect.sync(() => chunks(path, limit)),
    (reader) =>
      Effect.gen(function* () {
        for (;;) {
          const chunk = yield* reader.next
          if (chunk.length === 0) return
          yield* f(chunk)
        }
      }),
    (reader) => Effect.sync(reader.close),
  )

// -- ingesting ---------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString()

/** The clock an event runs under: its own time when it says, else the real one. */
const at = (time: string | undefined): Clock.Clock | undefined => {
  if (time === undefined) return undefined
  const ms = Date.parse(asUtc(time))
  const real = Clock.Clock.defaultValue()
  return {
    ...real,
    currentTimeMillisUnsafe: () => ms,
    currentTimeMillis: Effect.succeed(ms),
    currentTimeNanosUnsafe: () => BigInt(ms) * 1_000_000n,
    currentTimeNanos: Effect.succeed(BigInt(ms) * 1_000_000n),
  }
}

const atTime = <A, E, R>(time: string | undefined, effect: Effect.Effect<A, E, R>) => {
  const clock = at(time)
  return clock ? Effect.provideService(effect, Clock.Clock, clock) : effect
}

/** How long a single-call envelope of an outcome-priced call waits for its outcome (core's default). */
const OUTCOME_WINDOW_MS = 7 * 24 * 60 * 60 * 1000

/** A signal's own envelope, opened and finalized at its time, as finalize would store it. */
const singleCallEnvelope = (
  signal: CostSignal.CostSignal,
  envelopeId: string,
): CostEnvelope.EnvelopeRecord => {
  const settlement = EnvelopeTracker.settlementAfterFinalize([signal], null)
  return {
    envelope_id: envelopeId,
    tenant_id: signal.tenant_id,
    workflow_type: signal.workflow_type,
    parent_id: null,
    status: signal.attempt_outcome === "failed" ? "failed" : "succeeded",
    outcome: null,
    payer_policy: "tenant_pays_all",
    opened_at: signal.observed_at,
    finalized_at: signal.observed_at,
    run_deadline: signal.observed_at,
    // Only an outcome-priced call waits for an outcome; the others never expire into "unknown".
    outcome_deadline: Booking.isOutcomePriced(signal)
      ? iso(Date.parse(signal.observed_at) + OUTCOME_WINDOW_MS)
      : null,
    outcome_at: null,
    settlement,
    settled_at: settlement === "settled" ? signal.observed_at : null,
    settlement_error: null,
    settlement_attempts: 0,
    next_settlement_at: null,
  }
}

export const implicitEnvelopeId = (signalId: string) => `env_sig_${signalId}`

interface Rejected {
  readonly line: number
  readonly reason: string
}

export interface IngestSummary {
  readonly file: string
  readonly lines: number
  /** Signal lines booked, whether or not the store had them. */
  readonly signals: number
  /** Of those, the signals the store did not have yet (the rest were ingested before). */
  readonly new_signals: number
  /** Open events (an envelope that exists already is left as it is). */
  readonly opens: number
  readonly finalized: number
  readonly outcomes: number
  /** Finalize and outcome events the store already had (a file ingested again). */
  readonly already_applied: number
  /** Events the store's state refused (another status or outcome already recorded). */
  readonly conflicts: ReadonlyArray<Rejected>
  readonly rejected: number
  /** Why each bad line was rejected (the first thousand), as `FILE:LINE: field: reason`. */
  readonly rejected_lines: ReadonlyArray<string>
  readonly rejects_file: string | null
}

const MAX_LISTED = 1_000

const ingestFile = (
  file: string,
  options: {
    readonly skipBad: boolean
    readonly rejects: string
    /** Signals the store inserted so far (counted by the ledger's writes). */
    readonly newSignals: () => number
  },
) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const registry = yield* PricingRegistry.PricingRegistry
    const tracker = yield* EnvelopeTracker.EnvelopeTracker
    const buffer = yield* WriteBuffer.WriteBuffer

    // Pass 1: validate everything, write nothing.
    const bad = new Map<number, string>()
    /** Line n's event at n - 1 (null for blank and bad lines), for the first KEPT_LINES lines. */
    const kept: Array<Event | null | undefined> = []
    const opened = new Map<string, { line: number; policy: CostEnvelope.PayerPolicy }>()
    /** Lines that need an envelope opened before them (finalize, outcome) or at all (signals). */
    const needs = new Map<string, Array<{ line: number; ordered: boolean }>>()
    let lines = 0
    const reject = (line: number, where: string, reason: string) => {
      if (!bad.has(line)) bad.set(line, `${file}:${line}: ${where ? `${where}: ` : ""}${reason}`)
    }
    const need = (envelopeId: string, line: number, ordered: boolean) => {
      const list = needs.get(envelopeId)
      if (list) list.push({ line, ordered })
      else needs.set(envelopeId, [{ line, ordered }])
    }
    yield* forEachChunk(file, (chunk) =>
      Effect.sync(() => {
        for (const { number, text } of chunk) {
          lines = number
          const event = parseLine(text)
          if (number <= KEPT_LINES) kept.push(event instanceof Bad ? null : event)
          if (event === null) continue
          if (event instanceof Bad) {
            reject(number, event.where, event.reason)
            continue
          }
          switch (event.kind) {
            case "signal": {
              const signal = event.signal
              // What booking would refuse halfway (an outcome fee it cannot price, the
              // currency check of recordSignal), refused here before anything is written.
              const entry = signal.price_ref ? registry.pricer.entry(signal.price_ref) : undefined
              if (signal.price_ref && !entry && Booking.isOutcomePriced(signal)) {
                reject(
                  number,
                  "price_ref",
                  `"${signal.price_ref}" is in no loaded price book, so its outcome fee cannot be priced (pass --prices FILE)`,
                )
              } else if (
                entry &&
                signal.cost_source === "local" &&
                entry.currency !== signal.currency
              ) {
                reject(
                  number,
                  "currency",
                  `${signal.currency}, but its price book entry ${signal.price_ref} is in ${entry.currency}`,
                )
              } else if (signal.envelope_id !== null) need(signal.envelope_id, number, false)
              break
            }
            case "open": {
              const previous = opened.get(event.event.envelope_id)
              if (previous === undefined) {
                opened.set(event.event.envelope_id, {
                  line: number,
                  policy: event.event.payer_policy ?? "tenant_pays_all",
                })
              }
              break
            }
            default:
              need(event.event.envelope_id, number, true)
          }
        }
      }),
    )
    const policies = new Map<string, CostEnvelope.PayerPolicy>()
    for (const [envelopeId, open] of opened) policies.set(envelopeId, open.policy)
    const elsewhere = [...needs.keys()].filter((id) => !opened.has(id))
    const stored = yield* Effect.forEach(elsewhere, (id) => ledger.getEnvelope(id), {
      concurrency: 8,
    })
    elsewhere.forEach((id, i) => {
      const envelope = stored[i]
      if (envelope) policies.set(id, envelope.payer_policy)
    })
    for (const [envelopeId, uses] of needs) {
      const open = opened.get(envelopeId)
      for (const use of uses) {
        if (open === undefined && !policies.has(envelopeId)) {
          reject(
            use.line,
            "envelope_id",
            `envelope "${envelopeId}" is opened neither in this file nor in the store (add a {"type":"envelope","event":"open"} line, or leave a signal's envelope_id null for a single-call envelope)`,
          )
        } else if (open !== undefined && use.ordered && open.line > use.line) {
          reject(
            use.line,
            "envelope_id",
            `envelope "${envelopeId}" is opened later, on line ${open.line}`,
          )
        }
      }
    }
    needs.clear()
    if (bad.size > 0 && !options.skipBad) {
      const first = [...bad.keys()].reduce((a, b) => Math.min(a, b))
      const more = bad.size - 1
      return yield* new Cli.BadInput({
        message: `${bad.get(first)}${more > 0 ? ` (and ${more} more bad line${more === 1 ? "" : "s"})` : ""}; nothing was written (--skip-bad writes the other lines)`,
      })
    }

    // Pass 2: book the good lines; write the bad ones to the rejects file. Only the
    // lines pass 1 checked: a file still being written has more by now.
    const progress = yield* Cli.progress(`ingesting ${file}`, lines)
    let rejectsOut: WriteStream | undefined
    let signals = 0
    let opens = 0
    let finalized = 0
    let outcomes = 0
    let alreadyApplied = 0
    const conflicts: Array<Rejected> = []
    let writing: Fiber.Fiber<void, Ledger.LedgerError> | undefined
    yield* forEachChunk(
      file,
      (chunk) =>
        Effect.gen(function* () {
          const openEvents: Array<typeof OpenEvent.Type> = []
          const booked: Array<CostSignal.CostSignal> = []
          const finalizes: Array<{ line: number; event: typeof FinalizeEvent.Type }> = []
          const decided: Array<{ line: number; event: typeof OutcomeEvent.Type }> = []
          for (const { number, text } of chunk) {
            if (bad.has(number)) {
              rejectsOut ??= createWriteStream(options.rejects)
              rejectsOut.write(`${text}\n`)
              continue
            }
            let event: Event | null
            if (number <= kept.length) {
              event = kept[number - 1]!
              kept[number - 1] = undefined
            } else event = eventOf(text)
            if (event === null) continue
            if (event.kind === "signal") booked.push(event.signal)
            else if (event.kind === "open") openEvents.push(event.event)
            else if (event.kind === "finalize") finalizes.push({ line: number, event: event.event })
            else decided.push({ line: number, event: event.event })
          }
          // Opens, then calls, then finalizes, then outcomes: the order core expects.
          for (const open of openEvents) {
            yield* atTime(
              open.at,
              tracker.open({
                envelopeId: open.envelope_id,
                tenantId: open.tenant_id,
                workflowType: open.workflow_type,
                parentId: open.parent_id,
                payerPolicy: open.payer_policy,
                runDeadlineMs: open.run_deadline_ms,
                outcomeDeadlineMs: open.outcome_deadline_ms,
              }),
            )
            opens++
          }
          for (const signal of booked) {
            if (signal.envelope_id === null) {
              const envelopeId = implicitEnvelopeId(signal.signal_id)
              const own = { ...signal, envelope_id: envelopeId }
              yield* buffer.offer({ envelopes: [singleCallEnvelope(own, envelopeId)] })
              yield* tracker.recordSignal(own)
            } else {
              yield* tracker.recordSignal(signal, policies.get(signal.envelope_id))
            }
            signals++
          }
          // Write this chunk while the next one is read: one write in flight.
          if (writing) yield* Fiber.join(writing)
          writing = yield* Effect.forkChild(buffer.flush)
          yield* Effect.forEach(
            finalizes,
            ({ line, event }) =>
              atTime(event.at, tracker.finalize(event.envelope_id, event.status)).pipe(
                Effect.andThen(
                  Effect.sync(() => {
                    finalized++
                  }),
                ),
                Effect.catchTag("EnvelopeClosed", (closed) =>
                  Effect.sync(() => {
                    if (closed.status === event.status) alreadyApplied++
                    else conflicts.push({ line, reason: closed.message })
                  }),
                ),
              ),
            { concurrency: 8, discard: true },
          )
          for (const { line, event } of decided) {
            yield* atTime(event.at, tracker.recordOutcome(event.envelope_id, event.outcome)).pipe(
              Effect.andThen(
                Effect.sync(() => {
                  outcomes++
                }),
              ),
              Effect.catchTags({
                OutcomeAlreadyDecided: (decided) =>
                  Effect.sync(() => {
                    if (decided.outcome === event.outcome) alreadyApplied++
                    else conflicts.push({ line, reason: decided.message })
                  }),
                OutcomeDeadlinePassed: (passed) =>
                  Effect.sync(() => {
                    conflicts.push({ line, reason: passed.message })
                  }),
              }),
            )
          }
          yield* progress.advance(chunk.length)
        }),
      lines,
    )
    if (writing) yield* Fiber.join(writing)
    yield* buffer.flush
    yield* progress.done
    if (rejectsOut) {
      const out = rejectsOut
      yield* Effect.promise(() => new Promise<void>((resolve) => out.end(resolve)))
    }
    return {
      file,
      lines,
      signals,
      new_signals: options.newSignals(),
      opens,
      finalized,
      outcomes,
      already_applied: alreadyApplied,
      conflicts: conflicts.slice(0, MAX_LISTED),
      rejected: bad.size,
      rejected_lines: [...bad.entries()]
        .sort(([a], [b]) => a - b)
        .slice(0, MAX_LISTED)
        .map(([, message]) => message),
      rejects_file: bad.size > 0 ? options.rejects : null,
    } satisfies IngestSummary
  })

/** " (2 new, 1 already in the store)": a file ingested again books no signal twice. */
const signalsNote = (summary: IngestSummary): string => {
  if (summary.signals === 0) return ""
  const known = summary.signals - summary.new_signals
  return ` (${summary.new_signals} new${known > 0 ? `, ${known} already in the store` : ""})`
}

const render = (summary: IngestSummary): string => {
  const lines = [
    `ingested ${summary.file}: ${summary.signals} signal(s)${signalsNote(summary)}, ${summary.opens} envelope open(s), ${summary.finalized} finalize(s), ${summary.outcomes} outcome(s)${summary.already_applied > 0 ? `; ${summary.already_applied} event(s) were already in the store` : ""}`,
  ]
  if (summary.rejected > 0) {
    lines.push(`${summary.rejected} bad line(s) skipped, written to ${summary.rejects_file}:`)
    for (const message of summary.rejected_lines.slice(0, 20)) lines.push(`  ${message}`)
  }
  for (const conflict of summary.conflicts) {
    lines.push(`  line ${conflict.line} not applied: ${conflict.reason}`)
  }
  return lines.join("\n")
}

const config = {
  ...Cli.storeFlags,
  skipBad: Flag.Boolean("skip-bad").pipe(
    Flag.withDescription("write the good lines and put the bad ones in the rejects file"),
    Flag.withDefault(false),
  ),
  rejects: Flag.String("rejects").pipe(
    Flag.withMetavar("FILE"),
    Flag.withDescription("where --skip-bad writes the bad lines (default FILE.rejected.jsonl)"),
    Flag.optional,
  ),
  prices: pricesFlag,
  file: Argument.String("file").pipe(
    Argument.withDescription("JSON lines: cost signals, envelope and outcome events"),
  ),
} as const

export const ingest = Command.make(
  "ingest",
  config,
  Effect.fn("agentcost.ingest")(function* (options) {
    yield* checkReadable(options.file)
    const rejects = Option.getOrElse(options.rejects, () => `${options.file}.rejected.jsonl`)
    let newSignals = 0
    const layer = yield* services({
      store: options.store,
      prices: options.prices,
      // Ingest flushes once per chunk itself (CHUNK lines, up to three records each).
      batchSize: 4 * CHUNK,
      capacity: 4 * CHUNK,
      flushIntervalMs: 1_000,
      onWrite: (result) => {
        newSignals += result.signals
      },
    })
    const summary = yield* ingestFile(options.file, {
      skipBad: options.skipBad,
      rejects,
      newSignals: () => newSignals,
    }).pipe(Effect.provide(layer))
    if (options.json) return yield* Cli.printJson(summary)
    yield* Cli.print(render(summary))
  }, Effect.mapError(anyError)),
).pipe(
  Command.withDescription(
    "Import cost signals and envelope/outcome events from a JSON-lines file, idempotently: a bad line stops the import before anything is written.",
  ),
  Command.withExamples([
    { command: "agentcost ingest signals.jsonl", description: "into the embedded store" },
    {
      command: "agentcost ingest events.jsonl --skip-bad --store postgres://db/agentcost --json",
      description: "skip bad lines into events.jsonl.rejected.jsonl",
    },
  ]),
)
