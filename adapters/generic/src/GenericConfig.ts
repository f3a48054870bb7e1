/**
 * The JSON configuration of a generic adapter: where each fact lives in the
 * provider's response, the prices, and the provider's cost-by-job endpoint.
 * Decoding is strict (unknown fields are errors) and every error names the
 * config field, so a team can onboard a provider by editing JSON alone.
 */
import { readFileSync } from "node:fs"
import { Money, PriceBook, Usage } from "@agentcost/core"
import { Schema, SchemaIssue } from "effect"
import { isPath, PATH_SYNTAX } from "./JsonPath.ts"

const PathString = Schema.String.check(
  Schema.makeFilter(isPath, { expected: `a response path (${PATH_SYNTAX})` }),
)

/** A path into the response; `optional: true` when the provider may leave it out. */
const PathSpec = Schema.Union([
  PathString,
  Schema.Struct({ path: PathString, optional: Schema.optionalKey(Schema.Boolean) }),
])
export type PathSpec = typeof PathSpec.Type

/**
 * A fact that is either found at a path in the response or the same `value`
 * for every call: `"meta.model"`, `{ "path": "meta.region", "optional": true }`
 * or `{ "value": "acme-render-v2" }`.
 */
const PathOrValue = <S extends Schema.Top>(value: S) =>
  Schema.Union([
    PathString,
    Schema.Struct({
      path: Schema.optionalKey(PathString),
      optional: Schema.optionalKey(Schema.Boolean),
      value: Schema.optionalKey(value),
    }).check(
      Schema.makeFilter(
        (spec: {
          readonly path?: string
          readonly optional?: boolean
          readonly value?: unknown
        }) =>
          spec.value === undefined
            ? spec.path !== undefined || 'give a "path" into the response or a constant "value"'
            : spec.path === undefined && spec.optional === undefined
              ? true
              : 'give either a "path" (with "optional") or a constant "value", not both',
      ),
    ),
  ])

const TextSpec = PathOrValue(Schema.String.check(Schema.isNonEmpty()))
export type TextSpec = typeof TextSpec.Type

/** A usage count: a path, or a fixed count per call (e.g. one task per call). */
const CountSpec = PathOrValue(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)))
export type CountSpec = typeof CountSpec.Type

const TimeSpec = Schema.Union([
  PathString,
  Schema.Struct({
    path: PathString,
    optional: Schema.optionalKey(Schema.Boolean),
    /** How a numeric timestamp counts; ISO 8601 strings are read as they are. */
    epoch: Schema.optionalKey(Schema.Literals(["seconds", "milliseconds"])),
  }),
])
export type TimeSpec = typeof TimeSpec.Type

const UnitName = Schema.String.check(
  Schema.makeFilter(Usage.isUnit, {
    expected: "a canonical usage unit (input_tokens, compute_units, …) or a custom x_<name> unit",
  }),
)

/** Signal fields a settlement URL may use as `{placeholder}`. */
export const URL_PLACEHOLDERS = [
  "provider_request_id",
  "provider_account",
  "model",
  "endpoint",
  "signal_id",
  "envelope_id",
  "tenant_id",
  "operation_id",
] as const
export type UrlPlaceholder = (typeof URL_PLACEHOLDERS)[number]

const Settlement = Schema.Struct({
  /** e.g. `https://api.example.com/jobs/{provider_request_id}/cost`. */
  url: Schema.String.check(Schema.isNonEmpty()),
  /** Header values may name environment variables: `"Bearer {env.ACME_API_KEY}"`. */
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  amount: PathSpec,
  currency: TextSpec,
  /** The provider's own revision of the answer; by default a hash of its cost fields. */
  revision: Schema.optionalKey(PathSpec),
  /** Whether the answer is final: a boolean at a path, or a path that must equal a value. */
  final: Schema.optionalKey(
    Schema.Union([
      PathString,
      Schema.Struct({
        path: PathString,
        equals: Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]),
      }),
    ]),
  ),
  /** The outcome fee inside `amount`, when the provider itemizes it. */
  outcomeFee: Schema.optionalKey(PathSpec),
  timeoutMs: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0))),
})
export type SettlementConfig = typeof Settlement.Type

const ConfigSchema = Schema.Struct({
  provider: Schema.String.check(
    Schema.makeFilter((s: string) => /^[a-z0-9][a-z0-9._-]*$/.test(s), {
      expected: 'a provider id in lower case, e.g. "acme-compute"',
    }),
  ),
  model: TextSpec,
  endpoint: Schema.optionalKey(TextSpec),
  requestId: Schema.optionalKey(PathSpec),
  account: Schema.optionalKey(TextSpec),
  observedAt: Schema.optionalKey(TimeSpec),
  usage: Schema.Record(UnitName, CountSpec),
  reportedCost: Schema.optionalKey(Schema.Struct({ amount: PathSpec, currency: TextSpec })),
  serviceTier: Schema.optionalKey(TextSpec),
  region: Schema.optionalKey(TextSpec),
  attributes: Schema.optionalKey(Schema.Record(Schema.String, TextSpec)),
  /** Price book entries in the contract format; checked by `PriceBook.decode`. */
  prices: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  settlement: Schema.optionalKey(Settlement),
})
/** A decoded config; `prices` are checked price book entries. */
export type GenericConfig = Omit<typeof ConfigSchema.Type, "prices"> & {
  readonly prices: ReadonlyArray<PriceBook.PriceEntry>
}

export class InvalidGenericConfig extends Schema.TaggedError<InvalidGenericConfig>()(
  "InvalidGenericConfig",
  {
    source: Schema.String,
    path: Schema.String,
    reason: Schema.String,
  },
) {
  override get message() {
    return `${this.source}: ${this.path ? `${this.path}: ` : ""}${this.reason}`
  }
}

const decodeConfig = Schema.decodeUnknownResult(ConfigSchema, {
  onExcessProperty: "error",
  errors: "first",
})
const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((key, i) =>
      typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`,
    )
    .join("")

const PLACEHOLDER = /\{([^{}]*)\}/g

/** The `{field}` placeholders of a settlement URL template. */
export const placeholders = (template: string): ReadonlyArray<string> =>
  Array.from(template.matchAll(PLACEHOLDER), (match) => match[1]!)

const checkSettlement = (
  settlement: SettlementConfig,
  fail: (path: string, reason: string) => never,
) => {
  for (const name of placeholders(settlement.url)) {
    if (!(URL_PLACEHOLDERS as ReadonlyArray<string>).includes(name)) {
      fail(
        "settlement.url",
        `unknown placeholder {${name}} (use ${URL_PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
      )
    }
  }
  let url: URL
  try {
    url = new URL(settlement.url.replace(PLACEHOLDER, "x"))
  } catch {
    return fail("settlement.url", `not a URL: ${JSON.stringify(settlement.url)}`)
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    fail("settlement.url", `must be an http(s) URL, got ${url.protocol}`)
  }
  for (const [name, value] of Object.entries(settlement.headers ?? {})) {
    for (const token of placeholders(value)) {
      if (!/^env\.[A-Za-z_][A-Za-z0-9_]*$/.test(token)) {
        fail(
          `settlement.headers.${name}`,
          `unknown placeholder {${token}} (headers may use {env.NAME})`,
        )
      }
    }
  }
}

/** Decodes a config object; `source` names it in errors (a file path, or "generic config"). */
export const decode = (input: unknown, source = "generic config"): GenericConfig => {
  const fail = (path: string, reason: string): never => {
    throw new InvalidGenericConfig({ source, path, reason })
  }
  const result = decodeConfig(input)
  if (result._tag === "Failure") {
    const leaf = formatter(result.failure.issue).issues[0]
    const path = formatPath(leaf?.path?.map((p) => (typeof p === "object" ? p.key : p)) ?? [])
    const excess = leaf?.message === "Expected no excess property"
    const reason = !excess
      ? (leaf?.message ?? "not a generic adapter config")
      : /^usage\.[^.]+$/.test(path)
        ? "not a usage unit: use a canonical unit (input_tokens, compute_units, …) or a custom x_<name> unit"
        : "unknown field (the generic adapter config does not have it)"
    return fail(path, reason)
  }
  const config = result.success
  if (typeof config.model === "object" && config.model.optional) {
    fail(
      "model.optional",
      "the model is required; use a constant value when responses do not carry it",
    )
  }
  for (const [field, spec] of [
    ["reportedCost.currency", config.reportedCost?.currency],
    ["settlement.currency", config.settlement?.currency],
  ] as const) {
    if (typeof spec === "object" && spec.value !== undefined && !Money.isCurrency(spec.value)) {
      fail(
        `${field}.value`,
        `expected an ISO 4217 currency such as "USD", got ${JSON.stringify(spec.value)}`,
      )
    }
  }
  if (Object.keys(config.usage).length === 0) {
    fail("usage", "map at least one usage unit to a response path")
  }
  if (config.settlement) checkSettlement(config.settlement, fail)
  let prices: ReadonlyArray<PriceBook.PriceEntry> = []
  try {
    prices = PriceBook.decode({ version: 1, entries: config.prices ?? [] }, source).entries
  } catch (error) {
    if (!(error instanceof PriceBook.InvalidPriceBook)) throw error
    fail(error.path.replace(/^entries/, "prices"), error.reason)
  }
  prices.forEach((entry, index) => {
    if (entry.provider !== config.provider) {
      fail(
        `prices[${index}].provider`,
        `"${entry.provider}" is not this adapter's provider "${config.provider}"; its calls would never find the entry`,
      )
    }
  })
  return { ...config, prices }
}

/** Reads and decodes a config file; JSON syntax errors name the file. */
export const load = (path: string): GenericConfig => {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, "utf8"))
  } catch (cause) {
    throw new InvalidGenericConfig({ source: path, path: "", reason: (cause as Error).message })
  }
  return decode(json, path)
}
