/**
 * The price book file (DESIGN.md §3, contract): `{ version: 1, entries: [...] }`.
 * Decoding is strict: unknown fields are errors, and every error names the
 * entry index and field so a typo in a 500-entry book is found in one read.
 */
import { readFileSync } from "node:fs"
import { Effect, Schema, SchemaIssue } from "effect"
import * as JsonPosition from "./JsonPosition.ts"
import { isDecimalString } from "./Money.ts"
import { isCalendarDay } from "./Timestamp.ts"
import { isTokenUnit, isUnit } from "./Usage.ts"

export const STRATEGIES = ["TOKEN_BASED", "COMPUTE_UNIT", "OUTCOME_BASED", "HYBRID"] as const
export type Strategy = (typeof STRATEGIES)[number]

export const CAPABILITIES = ["reasoning", "tool_use", "rag", "web_search"] as const
export type Capability = (typeof CAPABILITIES)[number]

const DecimalString = Schema.String.check(
  Schema.makeFilter((s: string) => isDecimalString(s) && !s.startsWith("-"), {
    expected: 'a non-negative plain decimal string such as "1.25"',
  }),
)

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/
const DateString = Schema.String.check(
  Schema.makeFilter(
    (s: string) => DATE_PATTERN.test(s) && isCalendarDay(s) && !Number.isNaN(Date.parse(s)),
    {
      expected: 'a UTC date "YYYY-MM-DD" or an ISO 8601 timestamp',
    },
  ),
)

const TokenRates = Schema.Record(
  Schema.String.check(
    Schema.makeFilter((unit: string) => isTokenUnit(unit) && isUnit(unit), {
      expected: "a token unit (rates hold only *_tokens units, per million tokens)",
    }),
  ),
  DecimalString,
)

const Fees = Schema.Record(
  Schema.String.check(
    Schema.makeFilter(
      (unit: string) => unit === "per_call" || (isUnit(unit) && !isTokenUnit(unit)),
      {
        expected:
          "per_call, compute_units, a counted event or an x_* unit (token units belong in rates)",
      },
    ),
  ),
  DecimalString,
)

export const Condition = Schema.Struct({
  serviceTier: Schema.optionalKey(Schema.Array(Schema.String)),
  inputTokensAbove: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  capability: Schema.optionalKey(Schema.Array(Schema.Literals(CAPABILITIES))),
  region: Schema.optionalKey(Schema.Array(Schema.String)),
  attributes: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
})
export type Condition = typeof Condition.Type

export const Tier = Schema.Struct({
  when: Condition,
  rates: Schema.optionalKey(TokenRates),
  fees: Schema.optionalKey(Fees),
})
export type Tier = typeof Tier.Type

export const Outcomes = Schema.Struct({
  succeeded: DecimalString,
  failed: Schema.optionalKey(DecimalString),
  unknown: Schema.optionalKey(DecimalString),
})

export const Estimate = Schema.Struct({
  compute_units_per_1k_tokens: Schema.optionalKey(DecimalString),
})

export const PriceEntry = Schema.Struct({
  provider: Schema.String.check(Schema.isNonEmpty()),
  model: Schema.String.check(Schema.isNonEmpty()),
  match: Schema.optionalKey(Schema.String),
  endpoint: Schema.optionalKey(Schema.NullOr(Schema.String)),
  validFrom: DateString,
  validTo: Schema.optionalKey(Schema.NullOr(DateString)),
  strategy: Schema.Literals(STRATEGIES),
  currency: Schema.String.check(
    Schema.makeFilter((s: string) => /^[A-Z]{3}$/.test(s), {
      expected: "an ISO 4217 code such as USD",
    }),
  ),
  rates: Schema.optionalKey(TokenRates),
  fees: Schema.optionalKey(Fees),
  tiers: Schema.optionalKey(Schema.Array(Tier)),
  surcharges: Schema.optionalKey(Schema.Array(Tier)),
  outcomes: Schema.optionalKey(Outcomes),
  estimate: Schema.optionalKey(Estimate),
  /** Where the prices come from and when they were read; shown in `agentcost price`. */
  source: Schema.optionalKey(Schema.String),
})
export type PriceEntry = typeof PriceEntry.Type

export const PriceBookFile = Schema.Struct({
  version: Schema.Literal(1),
  entries: Schema.Array(PriceEntry),
})
export type PriceBookFile = typeof PriceBookFile.Type

export class InvalidPriceBook extends Schema.TaggedError<InvalidPriceBook>()("InvalidPriceBook", {
  source: Schema.String,
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.source}: ${this.path ? `${this.path}: ` : ""}${this.reason}`
  }
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((key, i) =>
      typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join("")

const decodeFile = Schema.decodeUnknownResult(PriceBookFile, {
  onExcessProperty: "error",
  errors: "first",
})

/** The first schema issue as `{ path, reason }`, e.g. `entries[3].rates.input_tokens`. */
const firstIssue = (issue: SchemaIssue.Issue): { path: string; reason: string } => {
  const leaf = SchemaIssue.makeFormatterStandardSchemaV1()(issue).issues[0]
  if (!leaf) return { path: "", reason: String(issue) }
  const path = formatPath(leaf.path?.map((p) => (typeof p === "object" ? p.key : p)) ?? [])
  if (leaf.message !== "Expected no excess property") return { path, reason: leaf.message }
  const inRates = /\.(rates|fees)\.[^.]+$/.exec(path)?.[1]
  const reason =
    inRates === "rates"
      ? "not a token unit: rates hold only *_tokens units (per million); other units go in fees"
      : inRates === "fees"
        ? "not a fee unit: fees hold per_call, compute_units, counted events and x_* units"
        : "unknown field (the price book format does not have it)"
  return { path, reason }
}

/** Semantic checks that a schema cannot express: regexes compile, windows are ordered. */
const checkEntries = (book: PriceBookFile, source: string): void => {
  book.entries.forEach((entry, index) => {
    const at = (field: string) => `entries[${index}].${field}`
    if (entry.match !== undefined) {
      try {
        new RegExp(entry.match)
      } catch (cause) {
        throw new InvalidPriceBook({
          source,
          path: at("match"),
          reason: `not a valid regular expression (${(cause as Error).message})`,
        })
      }
    }
    if (entry.validTo && Date.parse(entry.validTo) <= Date.parse(entry.validFrom)) {
      throw new InvalidPriceBook({
        source,
        path: at("validTo"),
        reason: "must be after validFrom (validTo is exclusive)",
      })
    }
    const needsOutcomes = entry.strategy === "OUTCOME_BASED" || entry.strategy === "HYBRID"
    if (needsOutcomes && entry.outcomes === undefined) {
      throw new InvalidPriceBook({
        source,
        path: at("outcomes"),
        reason: `${entry.strategy} needs outcome fees ({ "succeeded": "..." })`,
      })
    }
    if (!needsOutcomes && entry.outcomes !== undefined) {
      throw new InvalidPriceBook({
        source,
        path: at("outcomes"),
        reason: `${entry.strategy} does not charge by outcome; use OUTCOME_BASED or HYBRID`,
      })
    }
    if (entry.strategy === "COMPUTE_UNIT") {
      const priced = entry.fees?.compute_units ?? entry.tiers?.some((t) => t.fees?.compute_units)
      if (!priced)
        throw new InvalidPriceBook({
          source,
          path: at("fees.compute_units"),
          reason: "COMPUTE_UNIT needs a compute_units fee",
        })
    }
    if (entry.strategy === "OUTCOME_BASED" && Object.keys(entry.rates ?? {}).length > 0) {
      throw new InvalidPriceBook({
        source,
        path: at("rates"),
        reason: "OUTCOME_BASED charges per call and per outcome; with token rates it is HYBRID",
      })
    }
  })
}

/** Decodes a price book object; `source` names it in errors (a file path, or "prices[0]"). */
export const decode = (input: unknown, source = "price book"): PriceBookFile => {
  const result = decodeFile(input)
  if (result._tag === "Failure") {
    throw new InvalidPriceBook({ source, ...firstIssue(result.failure.issue) })
  }
  checkEntries(result.success, source)
  return result.success
}

/** Parses price book JSON text; a syntax error names the line. */
export const parse = (text: string, source = "price book"): PriceBookFile => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    const offset = JsonPosition.errorOffset(text)
    throw new InvalidPriceBook({
      source: offset < 0 ? source : `${source}:${JsonPosition.lineOf(text, offset)}`,
      path: "",
      reason: `invalid JSON (${(cause as Error).message})`,
    })
  }
  return decode(json, source)
}

export const load = (path: string): PriceBookFile => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (cause) {
    throw new InvalidPriceBook({
      source: path,
      path: "",
      reason: `cannot read the file (${(cause as Error).message})`,
    })
  }
  return parse(text, path)
}

/** `load` as an Effect, for services. */
export const loadEffect = (path: string): Effect.Effect<PriceBookFile, InvalidPriceBook> =>
  Effect.try({ try: () => load(path), catch: (e) => e as InvalidPriceBook })
