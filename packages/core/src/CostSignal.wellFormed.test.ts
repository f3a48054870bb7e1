import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as CostSignal from "./CostSignal.ts"
import * as PriceBook from "./PriceBook.ts"
import { signal } from "./testing/LedgerSuite.ts"
import * as Usage from "./Usage.ts"

/** The schema alone, without the fast check in front of it. */
const decodes = (value: unknown) => CostSignal.decodesBySchema(value)

const nullOr = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })
const decimal = fc.oneof(
  fc.constantFrom("0", "0.0066", "12", "0.00325", "100.5"),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}.${b}`),
)
/** Record keys; `__proto__`, which the check leaves to the decoder, is tested apart. */
const key = fc.string().filter((k) => k !== "__proto__")
const unit = fc.constantFrom(...Usage.TOKEN_UNITS, ...Usage.EVENT_UNITS, "x_custom")

/** Signals the decoder accepts, in the shapes JSON lines bring. */
const valid = fc
  .record(
    {
      signal_id: fc.string({ minLength: 1 }),
      envelope_id: nullOr(fc.string()),
      tenant_id: nullOr(fc.string()),
      workflow_type: nullOr(fc.string()),
      resource_id: nullOr(fc.string()),
      provider: fc.string({ minLength: 1 }),
      provider_account: nullOr(fc.string()),
      model: fc.string(),
      endpoint: nullOr(fc.string()),
      strategy: nullOr(fc.constantFrom(...PriceBook.STRATEGIES)),
      usage: fc.dictionary(unit, fc.nat()),
      base_cost: nullOr(decimal),
      currency: fc.constantFrom("USD", "EUR", ""),
      cost_source: fc.constantFrom(...CostSignal.COST_SOURCES),
      pending_cost: fc.boolean(),
      estimate_method: nullOr(fc.constantFrom(...CostSignal.ESTIMATE_METHODS)),
      cost_components: fc.dictionary(key, decimal),
      fallbacks: fc.array(fc.string()),
      provider_request_id: nullOr(fc.string()),
      provider_invoice_id: nullOr(fc.string()),
      operation_id: nullOr(fc.string()),
      attempt: fc.integer({ min: 1, max: 1_000 }),
      attempt_outcome: fc.constantFrom(...CostSignal.ATTEMPT_OUTCOMES),
      price_ref: nullOr(fc.string()),
      observed_at: fc
        .date({ min: new Date("1970-01-01"), max: new Date("9999-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString()),
      pricing_error: nullOr(fc.string()),
      capabilities: fc.array(fc.string()),
      attributes: fc.dictionary(key, fc.string()),
    },
    { requiredKeys: [] as never },
  )
  .map((fields) => ({ ...REQUIRED_DEFAULTS, ...fields }))

/** A well-formed signal: the ledger suite's, without an envelope or price entry. */
const REQUIRED_DEFAULTS = signal("openai:req_1", {
  envelope_id: null,
  workflow_type: null,
  price_ref: null,
})

const FIELDS = [...Object.keys(REQUIRED_DEFAULTS), "pricing_error", "capabilities", "attributes"]

/** Values near the edges of every rule. */
const tricky = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e5",
    "0.1.2",
    " 1",
    "1,5",
    ".5",
    "5.",
    "2026-11-03T10:00:00Z",
    "2026-11-03T10:00:00+02:00",
    "2026-11-03",
    "2026-13-45T10:00:00Z",
    "20261103T100000Z",
    "TOKEN_BASED",
    "token_based",
    "local",
    "failed",
    "unpriced",
    0,
    1,
    -1,
    1.5,
    2 ** 53,
    true,
    null,
    [],
    {},
    ["a", 1],
    { input_tokens: 1 },
    { input_tokens: -1 },
    { input_tokens: 1.5 },
    { compute_units: 1.5 },
    { nonsense_unit: 1 },
    { x_custom: 2 },
    { input_tokens: null },
    { a: "0.1" },
    { a: 1 },
  ),
)

/** A valid signal with one field changed, removed, or one field added. */
const mutated = fc.oneof(
  fc
    .tuple(valid, fc.constantFrom(...FIELDS), tricky)
    .map(([signal, field, value]) => ({ ...signal, [field]: value })),
  fc.tuple(valid, fc.constantFrom(...FIELDS)).map(([signal, field]) => {
    const { [field]: _, ...rest } = signal as Record<string, unknown>
    return rest
  }),
  fc
    .tuple(valid, fc.string(), tricky)
    .map(([signal, field, value]) => ({ ...signal, [field]: value })),
)

/** As a JSON line brings it. */
const asParsed = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>

describe("CostSignal.isWellFormed", () => {
  it("says yes to the signals the decoder accepts", () => {
    fc.assert(
      fc.property(valid, (signal) => {
        const value = asParsed(signal)
        expect(decodes(value)).toBe(true)
        expect(CostSignal.isWellFormed(value)).toBe(true)
      }),
      { numRuns: 2_000 },
    )
  })

  it("agrees with the decoder on signals with a field changed, missing or added", () => {
    fc.assert(
      fc.property(mutated, (signal) => {
        const value = asParsed(signal)
        if (CostSignal.isWellFormed(value)) expect(decodes(value)).toBe(true)
        // A "__proto__" key is left to the decoder; any other no must be the decoder's no.
        else if (!JSON.stringify(value).includes('"__proto__"')) expect(decodes(value)).toBe(false)
      }),
      { numRuns: 20_000 },
    )
  })

  it("leaves a __proto__ key to the decoder", () => {
    const value = asParsed(REQUIRED_DEFAULTS)
    value.cost_components = JSON.parse('{"__proto__":"0.1"}')
    expect(decodes(value)).toBe(true)
    expect(CostSignal.isWellFormed(value)).toBe(false)
  })

  it("says no to a decimal with an exponent, an unknown unit, a fractional attempt, an excess field", () => {
    const ok = asParsed(REQUIRED_DEFAULTS)
    expect(CostSignal.isWellFormed(ok)).toBe(true)
    for (const bad of [
      { base_cost: "1e-3" },
      { usage: { nonsense: 1 } },
      { attempt: 1.5 },
      { attempt: 0 },
      { extra: 1 },
      { observed_at: "yesterday" },
      { signal_id: "" },
      { cost_components: [] },
    ]) {
      const value = { ...ok, ...bad }
      expect(decodes(value)).toBe(false)
      expect(CostSignal.isWellFormed(value)).toBe(false)
    }
  })
})
