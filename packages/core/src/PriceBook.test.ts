import { fileURLToPath } from "node:url"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import * as PriceBook from "./PriceBook.ts"

const fixture = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url))

const valid = {
  provider: "openai",
  model: "gpt-5.1",
  validFrom: "2026-01-01",
  strategy: "TOKEN_BASED",
  currency: "USD",
  rates: { input_tokens: "1.25", output_tokens: "10" },
}

const invalid = (f: () => unknown): PriceBook.InvalidPriceBook => {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(PriceBook.InvalidPriceBook)
    return error as PriceBook.InvalidPriceBook
  }
  throw new Error("expected the price book to be rejected")
}

/** Decodes a book whose entry [1] is `valid` changed by `patch`; entry [0] is fine. */
const rejectEntry = (patch: object, source?: string) =>
  invalid(() => PriceBook.decode({ version: 1, entries: [valid, { ...valid, ...patch }] }, source))

describe("PriceBook.decode", () => {
  it("accepts the contract example, with null endpoint and validTo", () => {
    const book = PriceBook.load(fixture("prices.json"))
    expect(book.entries).toHaveLength(1)
    expect(book.entries[0]).toMatchObject({
      provider: "openai",
      model: "gpt-5.1",
      endpoint: null,
      validTo: null,
      rates: { input_tokens: "1.25", cache_read_tokens: "0.125", output_tokens: "10" },
      fees: { web_search_requests: "0.01" },
    })
    expect(book.entries[0]?.tiers?.[1]?.when).toEqual({ inputTokensAbove: 200000 })
  })

  it("accepts every strategy with what it needs", () => {
    const book = PriceBook.decode({
      version: 1,
      entries: [
        { ...valid, strategy: "HYBRID", outcomes: { succeeded: "1.5" } },
        { ...valid, strategy: "OUTCOME_BASED", rates: {}, outcomes: { succeeded: "0.99" } },
        {
          ...valid,
          strategy: "COMPUTE_UNIT",
          fees: { compute_units: "0.0004" },
          estimate: { compute_units_per_1k_tokens: "1.5" },
        },
        // A compute_units fee that only a tier sets is enough.
        {
          ...valid,
          strategy: "COMPUTE_UNIT",
          tiers: [{ when: { region: ["eu"] }, fees: { compute_units: "0.0005" } }],
        },
      ],
    })
    expect(book.entries.map((e) => e.strategy)).toEqual([
      "HYBRID",
      "OUTCOME_BASED",
      "COMPUTE_UNIT",
      "COMPUTE_UNIT",
    ])
  })

  it("names the source, entry index and field of a bad decimal", () => {
    const error = rejectEntry({ rates: { input_tokens: "1e-6" } }, "prices.json")
    expect(error.path).toBe("entries[1].rates.input_tokens")
    expect(error.message).toBe(
      'prices.json: entries[1].rates.input_tokens: Expected a non-negative plain decimal string such as "1.25"',
    )
    expect(rejectEntry({ rates: { input_tokens: "-1" } }).path).toBe(
      "entries[1].rates.input_tokens",
    )
    expect(rejectEntry({ fees: { per_call: "0,01" } }).path).toBe("entries[1].fees.per_call")
    expect(rejectEntry({ outcomes: { succeeded: 1 }, strategy: "HYBRID" }).path).toBe(
      "entries[1].outcomes.succeeded",
    )
  })

  it("rejects an unknown field, also inside tiers", () => {
    const error = rejectEntry({ prices: {} })
    expect(error.path).toBe("entries[1].prices")
    expect(error.reason).toBe("unknown field (the price book format does not have it)")
    expect(rejectEntry({ tiers: [{ when: { serviceTeir: ["flex"] } }] }).path).toBe(
      "entries[1].tiers[0].when.serviceTeir",
    )
  })

  it("rejects a token unit in fees and a non-token unit in rates", () => {
    const inFees = rejectEntry({ fees: { input_tokens: "1" } })
    expect(inFees.path).toBe("entries[1].fees.input_tokens")
    expect(inFees.reason).toContain("not a fee unit")
    const inRates = rejectEntry({ rates: { web_search_requests: "0.01" } })
    expect(inRates.path).toBe("entries[1].rates.web_search_requests")
    expect(inRates.reason).toContain("not a token unit")
    expect(rejectEntry({ rates: { prompt_tokens: "1" } }).path).toBe(
      "entries[1].rates.prompt_tokens",
    )
    expect(rejectEntry({ surcharges: [{ when: {}, rates: { per_call: "1" } }] }).path).toBe(
      "entries[1].surcharges[0].rates.per_call",
    )
  })

  it("rejects a bad strategy, capability, currency and version", () => {
    const strategy = rejectEntry({ strategy: "PER_TOKEN" })
    expect(strategy.path).toBe("entries[1].strategy")
    expect(strategy.reason).toBe(
      'Expected "TOKEN_BASED" | "COMPUTE_UNIT" | "OUTCOME_BASED" | "HYBRID"',
    )
    expect(rejectEntry({ surcharges: [{ when: { capability: ["vision"] } }] }).path).toBe(
      "entries[1].surcharges[0].when.capability[0]",
    )
    expect(rejectEntry({ currency: "usd" }).path).toBe("entries[1].currency")
    expect(invalid(() => PriceBook.decode({ version: 2, entries: [] })).path).toBe("version")
  })

  it("rejects a bad date", () => {
    for (const validFrom of ["2026-13-01", "01/02/2026", "2026-01-01T10:00", "yesterday"]) {
      const error = rejectEntry({ validFrom })
      expect(error.path).toBe("entries[1].validFrom")
      expect(error.reason).toBe('Expected a UTC date "YYYY-MM-DD" or an ISO 8601 timestamp')
    }
    // A timestamp without a zone is ambiguous (local time), so it is rejected too.
    expect(rejectEntry({ validTo: "2026-03-01T00:00:00" }).path).toBe("entries[1].validTo")
  })

  // Date.parse rolls 2026-02-30 over to 2026-03-02; the book must not.
  it("rejects a day that does not exist in its month", () => {
    expect(rejectEntry({ validFrom: "2026-02-30" }).path).toBe("entries[1].validFrom")
  })

  it("rejects token rates on an OUTCOME_BASED entry (that is HYBRID)", () => {
    const error = rejectEntry({
      strategy: "OUTCOME_BASED",
      outcomes: { succeeded: "0.99" },
      rates: { input_tokens: "1" },
    })
    expect(error.path).toBe("entries[1].rates")
    expect(error.reason).toContain("HYBRID")
  })

  it("rejects validTo at or before validFrom (validTo is exclusive)", () => {
    const error = rejectEntry({ validTo: "2026-01-01" })
    expect(error.path).toBe("entries[1].validTo")
    expect(error.reason).toBe("must be after validFrom (validTo is exclusive)")
    expect(rejectEntry({ validTo: "2025-12-31T23:59:59Z" }).path).toBe("entries[1].validTo")
    // The same instant written with an offset is still not after validFrom.
    expect(rejectEntry({ validTo: "2026-01-01T01:00:00+01:00" }).path).toBe("entries[1].validTo")
  })

  it("rejects OUTCOME_BASED/HYBRID without outcomes, and outcomes on other strategies", () => {
    const outcome = rejectEntry({ strategy: "OUTCOME_BASED" })
    expect(outcome.path).toBe("entries[1].outcomes")
    expect(outcome.reason).toBe('OUTCOME_BASED needs outcome fees ({ "succeeded": "..." })')
    expect(rejectEntry({ strategy: "HYBRID" }).path).toBe("entries[1].outcomes")
    expect(rejectEntry({ outcomes: { succeeded: "1" } }).reason).toBe(
      "TOKEN_BASED does not charge by outcome; use OUTCOME_BASED or HYBRID",
    )
  })

  it("rejects COMPUTE_UNIT without a compute_units fee", () => {
    const error = rejectEntry({ strategy: "COMPUTE_UNIT", fees: { per_call: "0.01" } })
    expect(error.path).toBe("entries[1].fees.compute_units")
    expect(error.reason).toBe("COMPUTE_UNIT needs a compute_units fee")
  })

  it("rejects a match that is not a regular expression", () => {
    const error = rejectEntry({ match: "^gpt-(5" })
    expect(error.path).toBe("entries[1].match")
    expect(error.reason).toMatch(/^not a valid regular expression \(/)
  })
})

describe("PriceBook.parse / load", () => {
  it("names the line of a JSON syntax error", () => {
    const error = invalid(() =>
      PriceBook.parse('{\n  "version": 1,\n  "entries": [\n    { "provider": "p", }\n  ]\n}', "b"),
    )
    expect(error.source).toBe("b:4")
    expect(error.message).toMatch(/^b:4: invalid JSON \(/)
  })

  it("loads a book from a file path, naming the file and line of a syntax error", () => {
    const path = fixture("broken-prices.json")
    const error = invalid(() => PriceBook.load(path))
    // The trailing comma after "1.25" on line 10.
    expect(error.source).toBe(`${path}:10`)
  })

  it("names the file, entry and field of an invalid entry", () => {
    const path = fixture("invalid-prices.json")
    const error = invalid(() => PriceBook.load(path))
    expect(error.message).toBe(
      `${path}: entries[1].rates.output_tokens: Expected a non-negative plain decimal string such as "1.25"`,
    )
  })

  it("names a file it cannot read", () => {
    const error = invalid(() => PriceBook.load(fixture("missing.json")))
    expect(error.source).toBe(fixture("missing.json"))
    expect(error.reason).toMatch(/^cannot read the file \(ENOENT/)
  })

  it("loadEffect succeeds with the book and fails with InvalidPriceBook", () => {
    const ok = Effect.runSync(PriceBook.loadEffect(fixture("prices.json")))
    expect(ok.entries[0]?.model).toBe("gpt-5.1")
    const failed = Effect.runSyncExit(PriceBook.loadEffect(fixture("broken-prices.json")))
    expect(Exit.isFailure(failed)).toBe(true)
    expect(String(failed)).toContain("InvalidPriceBook")
  })
})
