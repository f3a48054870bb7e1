import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { scaledToString, stringToScaled } from "./__fixtures__/scaledDecimal.ts"
import * as Money from "./Money.ts"
import * as PriceBook from "./PriceBook.ts"
import {
  type PricedUsage,
  Pricer,
  type PricingInput,
  PricingRegistry,
  UnknownOutcomePrice,
  UnpricedModel,
  UnpricedUnit,
} from "./PricingRegistry.ts"
import * as Usage from "./Usage.ts"

const book = (...entries: ReadonlyArray<object>): PriceBook.PriceBookFile =>
  PriceBook.decode({ version: 1, entries })

const entry = (patch: object) => ({
  provider: "openai",
  model: "gpt-5.1",
  validFrom: "2026-01-01",
  strategy: "TOKEN_BASED",
  currency: "USD",
  ...patch,
})

/** The contract example of DESIGN.md §3 (with its flex and long-context tiers and reasoning surcharge). */
const designBook = PriceBook.load(
  fileURLToPath(new URL("./__fixtures__/prices.json", import.meta.url)),
)

const AT = Date.parse("2026-06-01T00:00:00Z")

type Call = Partial<Omit<PricingInput, "usage">> & { readonly usage: Usage.Usage }

const callOf = (call: Call): PricingInput => ({
  provider: "openai",
  model: "gpt-5.1",
  at: AT,
  ...call,
  usage: Usage.make(call.usage),
})

const priceWith = (pricer: Pricer, call: Call): PricedUsage => pricer.price(callOf(call))

/** The priced call as plain strings, for exact comparison. */
const plain = (priced: PricedUsage) => ({
  base: priced.baseCost,
  components: priced.components,
  fallbacks: priced.fallbacks,
})

const unpricedModel = (f: () => unknown): UnpricedModel => {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(UnpricedModel)
    return error as UnpricedModel
  }
  throw new Error("expected UnpricedModel")
}

/** The price of one million input tokens, i.e. the input rate of the entry in force. */
const inputRate = (pricer: Pricer, call: Omit<Call, "usage">) =>
  priceWith(pricer, { ...call, usage: { input_tokens: 1_000_000 } }).baseCost

describe("entry selection", () => {
  it("prefers user entries over shipped ones, even a less specific user entry", () => {
    const shipped = book(entry({ rates: { input_tokens: "1.25" } }))
    const user = book(
      entry({ model: "gpt-5-family", match: "^gpt-5", rates: { input_tokens: "1" } }),
    )
    expect(inputRate(new Pricer({ shipped: [shipped] }), {})).toBe("1.25")
    expect(inputRate(new Pricer({ user: [user], shipped: [shipped] }), {})).toBe("1")
  })

  it("falls back to the shipped entry when the user entry is not in force at the call", () => {
    const shipped = book(entry({ rates: { input_tokens: "1.25" } }))
    const user = book(entry({ validFrom: "2026-07-01", rates: { input_tokens: "1" } }))
    const pricer = new Pricer({ user: [user], shipped: [shipped] })
    expect(inputRate(pricer, {})).toBe("1.25")
    expect(inputRate(pricer, { at: Date.parse("2026-07-01T00:00:00Z") })).toBe("1")
  })

  it("ranks exact id > id with a date suffix > match regex, whatever the file order", () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({ model: "gpt-5-family", match: "^gpt-5", rates: { input_tokens: "3" } }),
          entry({ model: "gpt-5.1", rates: { input_tokens: "1" } }),
          entry({ model: "gpt-5.1-2025-11-13", rates: { input_tokens: "2" } }),
        ),
      ],
    })
    expect(inputRate(pricer, { model: "gpt-5.1-2025-11-13" })).toBe("2")
    expect(inputRate(pricer, { model: "gpt-5.1-2026-02-01" })).toBe("1")
    expect(inputRate(pricer, { model: "gpt-5.1" })).toBe("1")
    expect(inputRate(pricer, { model: "gpt-5.1-mini" })).toBe("3")
    expect(priceWith(pricer, { model: "gpt-5.1-mini", usage: { input_tokens: 1 } }).priceRef).toBe(
      "openai/gpt-5-family@2026-01-01",
    )
    unpricedModel(() => inputRate(pricer, { model: "gpt-4o" }))
  })

  it("accepts -YYYY-MM-DD, -YYYYMMDD and @YYYYMMDD date suffixes, nothing else", () => {
    const pricer = new Pricer({
      shipped: [
        book(entry({ provider: "anthropic", model: "claude-x", rates: { input_tokens: "3" } })),
      ],
    })
    const claude = (model: string) => inputRate(pricer, { provider: "anthropic", model })
    expect(claude("claude-x-20250514")).toBe("3")
    expect(claude("claude-x@20250514")).toBe("3")
    expect(claude("claude-x-2025-05-14")).toBe("3")
    for (const model of ["claude-x-2025", "claude-x-latest", "claude-x-20250514-v2", "claude-xl"]) {
      unpricedModel(() => claude(model))
    }
  })

  it("prefers an entry for the call's endpoint over one without, even an older one", () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({ endpoint: null, validFrom: "2026-01-01", rates: { input_tokens: "1" } }),
          entry({ endpoint: "batch", validFrom: "2025-01-01", rates: { input_tokens: "0.5" } }),
        ),
      ],
    })
    expect(inputRate(pricer, { endpoint: "batch" })).toBe("0.5")
    expect(priceWith(pricer, { endpoint: "batch", usage: { input_tokens: 1 } }).priceRef).toBe(
      "openai/gpt-5.1#batch@2025-01-01",
    )
    expect(inputRate(pricer, { endpoint: "chat.completions" })).toBe("1")
    expect(inputRate(pricer, {})).toBe("1")
  })

  it("takes the latest validFrom that is not after the call", () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({ validFrom: "2025-01-01", rates: { input_tokens: "2" } }),
          entry({ validFrom: "2027-01-01", rates: { input_tokens: "0.5" } }),
          entry({ validFrom: "2026-01-01", rates: { input_tokens: "1" } }),
        ),
      ],
    })
    expect(inputRate(pricer, { at: Date.parse("2025-06-01T00:00:00Z") })).toBe("2")
    expect(inputRate(pricer, {})).toBe("1")
    expect(inputRate(pricer, { at: Date.parse("2027-01-01T00:00:00Z") })).toBe("0.5")
    const error = unpricedModel(() =>
      inputRate(pricer, { at: Date.parse("2024-12-31T23:59:59.999Z"), endpoint: "responses" }),
    )
    expect(error.message).toBe(
      "no price for openai/gpt-5.1 (responses) at 2024-12-31T23:59:59.999Z; add a price book entry (--prices FILE)",
    )
  })

  it("an unknown provider or model is UnpricedModel", () => {
    const pricer = new Pricer({ shipped: [designBook] })
    const error = unpricedModel(() => inputRate(pricer, { provider: "mistral" }))
    expect(error).toMatchObject({ provider: "mistral", model: "gpt-5.1", endpoint: null })
    unpricedModel(() => inputRate(pricer, { model: "gpt-6" }))
  })
})

describe("effective dating", () => {
  const change = Date.UTC(2026, 2, 1)
  const pricer = new Pricer({
    shipped: [
      book(
        entry({ validFrom: "2026-01-01", validTo: "2026-03-01", rates: { input_tokens: "2" } }),
        entry({ validFrom: "2026-03-01", rates: { input_tokens: "1" } }),
      ),
    ],
  })

  it("prices a call 1 ms before validTo at the old price and one at validTo at the new", () => {
    expect(inputRate(pricer, { at: change - 1 })).toBe("2")
    expect(priceWith(pricer, { at: change - 1, usage: { input_tokens: 1 } }).priceRef).toBe(
      "openai/gpt-5.1@2026-01-01",
    )
    expect(inputRate(pricer, { at: change })).toBe("1")
    expect(priceWith(pricer, { at: change, usage: { input_tokens: 1 } }).priceRef).toBe(
      "openai/gpt-5.1@2026-03-01",
    )
  })

  it("reads dates as UTC, whatever offset the call time was written with", () => {
    // 2026-02-28T23:30-01:00 is 00:30 UTC on March 1; 2026-03-01T00:30+01:00 is 23:30 UTC on Feb 28.
    expect(inputRate(pricer, { at: Date.parse("2026-02-28T23:30:00-01:00") })).toBe("1")
    expect(inputRate(pricer, { at: Date.parse("2026-03-01T00:30:00+01:00") })).toBe("2")
  })

  it("treats validTo as exclusive: nothing prices the call once the only window closed", () => {
    const closed = new Pricer({
      shipped: [book(entry({ validTo: "2026-03-01T12:00:00Z", rates: { input_tokens: "2" } }))],
    })
    expect(inputRate(closed, { at: Date.parse("2026-03-01T11:59:59.999Z") })).toBe("2")
    unpricedModel(() => inputRate(closed, { at: Date.parse("2026-03-01T12:00:00Z") }))
  })
})

describe("tiers and surcharges (the DESIGN.md example entry)", () => {
  const pricer = new Pricer({ shipped: [designBook] })
  const designUsage = {
    input_tokens: 1200,
    cache_read_tokens: 800,
    output_tokens: 300,
    reasoning_tokens: 200,
  }

  it("prices the base table, falls back for reasoning and adds the reasoning surcharge", () => {
    // input 1200 x 1.25/1M = 0.0015; cache_read 800 x 0.125/1M = 0.0001;
    // output 300 x 10/1M = 0.003; reasoning 200 x 10/1M (output rate) = 0.002;
    // reasoning_tokens > 0 -> capability reasoning -> per_call surcharge 0.002.
    // Total 0.0015 + 0.0001 + 0.003 + 0.002 + 0.002 = 0.0086.
    const priced = priceWith(pricer, { usage: designUsage, endpoint: "chat.completions" })
    expect(plain(priced)).toEqual({
      base: "0.0086",
      components: {
        input_tokens: "0.0015",
        cache_read_tokens: "0.0001",
        output_tokens: "0.003",
        reasoning_tokens: "0.002",
        "surcharge:per_call": "0.002",
      },
      fallbacks: ["reasoning_tokens->output_tokens"],
    })
    expect(priced).toMatchObject({
      priceRef: "openai/gpt-5.1@2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      pending: false,
      estimateMethod: null,
      unpricedUnits: [],
    })
  })

  it("overlays the first matching tier; units it does not set keep the base rate", () => {
    // flex: input 1200 x 0.625/1M = 0.00075; cache_read keeps base 800 x 0.125/1M = 0.0001;
    // output 300 x 5/1M = 0.0015; reasoning falls back to the EFFECTIVE output rate:
    // 200 x 5/1M = 0.001; surcharge 0.002. Total 0.00535.
    expect(plain(priceWith(pricer, { usage: designUsage, serviceTier: "flex" }))).toEqual({
      base: "0.00535",
      components: {
        input_tokens: "0.00075",
        cache_read_tokens: "0.0001",
        output_tokens: "0.0015",
        reasoning_tokens: "0.001",
        "surcharge:per_call": "0.002",
      },
      fallbacks: ["reasoning_tokens->output_tokens"],
    })
  })

  it("applies only the first matching tier", () => {
    // flex and 150000 + 60000 = 210000 input tokens: both tiers hold, flex comes first.
    // input 150000 x 0.625/1M = 0.09375; cache_read 60000 x 0.125/1M = 0.0075;
    // output 1000 x 5/1M = 0.005. Total 0.10625 (no reasoning, no surcharge).
    const usage = { input_tokens: 150_000, cache_read_tokens: 60_000, output_tokens: 1000 }
    expect(plain(priceWith(pricer, { usage, serviceTier: "flex" })).base).toBe("0.10625")
    // Without flex the long-context tier holds on the SUM of input buckets (150000 alone is
    // not above 200000): input 150000 x 2.5/1M = 0.375; cache_read 60000 x 0.125/1M = 0.0075;
    // output 1000 x 15/1M = 0.015. Total 0.3975.
    expect(plain(priceWith(pricer, { usage, serviceTier: "default" })).components).toEqual({
      input_tokens: "0.375",
      cache_read_tokens: "0.0075",
      output_tokens: "0.015",
    })
    expect(plain(priceWith(pricer, { usage })).base).toBe("0.3975")
  })

  it("sums every input bucket for inputTokensAbove (strictly above)", () => {
    const inputs = {
      input_tokens: 100_000,
      cache_read_tokens: 50_000,
      cache_write_tokens: 30_000,
      cache_write_1h_tokens: 10_000,
      input_audio_tokens: 5000,
    }
    // 195000 + 5000 image = 200000, not above: base table.
    // input 100000 x 1.25/1M = 0.125; cache_read 50000 x 0.125/1M = 0.00625; cache_write,
    // cache_write_1h, audio and image fall back to input 1.25: 0.0375 + 0.0125 + 0.00625 +
    // 0.00625. Total 0.19375.
    expect(plain(priceWith(pricer, { usage: { ...inputs, input_image_tokens: 5000 } })).base).toBe(
      "0.19375",
    )
    // 200001: the long-context tier. input 100000 x 2.5/1M = 0.25; cache_read keeps base
    // 50000 x 0.125/1M = 0.00625; the fallbacks use the tier's input 2.5: cache_write 0.075,
    // cache_write_1h 0.025, audio 0.0125, image 5001 x 2.5/1M = 0.0125025. Total 0.3812525.
    const priced = priceWith(pricer, { usage: { ...inputs, input_image_tokens: 5001 } })
    expect(plain(priced)).toEqual({
      base: "0.3812525",
      components: {
        input_tokens: "0.25",
        cache_read_tokens: "0.00625",
        cache_write_tokens: "0.075",
        cache_write_1h_tokens: "0.025",
        input_audio_tokens: "0.0125",
        input_image_tokens: "0.0125025",
      },
      fallbacks: [
        "cache_write_tokens->input_tokens",
        "cache_write_1h_tokens->input_tokens",
        "input_audio_tokens->input_tokens",
        "input_image_tokens->input_tokens",
      ],
    })
  })

  it("prices counted events per unit from fees", () => {
    // 2 web searches x 0.01 = 0.02; output_audio 1000 falls back to output: 1000 x 10/1M = 0.01.
    // web_search_requests > 0 is the web_search capability, which no surcharge here uses.
    expect(
      plain(priceWith(pricer, { usage: { web_search_requests: 2, output_audio_tokens: 1000 } })),
    ).toEqual({
      base: "0.03",
      components: { web_search_requests: "0.02", output_audio_tokens: "0.01" },
      fallbacks: ["output_audio_tokens->output_tokens"],
    })
  })
})

describe("surcharges", () => {
  const pricer = new Pricer({
    shipped: [
      book(
        entry({
          rates: { input_tokens: "1", output_tokens: "2" },
          fees: { web_search_requests: "0.01" },
          surcharges: [
            { when: { capability: ["web_search"] }, fees: { per_call: "0.005" } },
            { when: { region: ["eu-west-1"] }, rates: { input_tokens: "0.1" } },
            {
              when: { attributes: { traffic: "priority" } },
              fees: { web_search_requests: "0.002" },
            },
            { when: { capability: ["rag"] }, fees: { per_call: "0.003" } },
          ],
        }),
      ),
    ],
  })
  const usage = { input_tokens: 10_000, output_tokens: 2000, web_search_requests: 3 }
  const where = { region: "eu-west-1", attributes: { traffic: "priority", other: "x" } }

  it("adds every matching surcharge, per call and per unit, as surcharge:<unit>", () => {
    // base: input 10000 x 1/1M = 0.01; output 2000 x 2/1M = 0.004; 3 searches x 0.01 = 0.03.
    // web_search capability: per_call 0.005; region: 10000 x 0.1/1M = 0.001;
    // attributes: 3 x 0.002 = 0.006; rag does not hold. Total 0.056.
    expect(plain(priceWith(pricer, { usage, ...where }))).toEqual({
      base: "0.056",
      components: {
        input_tokens: "0.01",
        output_tokens: "0.004",
        web_search_requests: "0.03",
        "surcharge:per_call": "0.005",
        "surcharge:input_tokens": "0.001",
        "surcharge:web_search_requests": "0.006",
      },
      fallbacks: [],
    })
  })

  it("adds two surcharges on the same unit into one component", () => {
    // rag (explicit capability, or a rag query in the usage) adds per_call 0.003: 0.005 + 0.003.
    // Total 0.056 + 0.003 = 0.059. rag_queries has no fee and is not an unpriced unit.
    for (const call of [
      { usage, ...where, capabilities: ["rag"] as const },
      { usage: { ...usage, rag_queries: 1 }, ...where },
    ]) {
      const priced = priceWith(pricer, call)
      expect(plain(priced).base).toBe("0.059")
      expect(plain(priced).components["surcharge:per_call"]).toBe("0.008")
      expect(priced.unpricedUnits).toEqual([])
    }
  })

  it("checks every surcharge: one that does not hold does not stop the later ones", () => {
    // Region us-east-1: the region surcharge does not hold, the ones before and after do.
    // base 0.01 + 0.004 + 0.03 = 0.044; web search per_call 0.005; priority 3 x 0.002 = 0.006.
    // Total 0.055.
    const priced = priceWith(pricer, { usage, ...where, region: "us-east-1" })
    expect(plain(priced).base).toBe("0.055")
    expect(plain(priced).components).not.toHaveProperty("surcharge:input_tokens")
  })

  it("applies none when no condition holds (attributes match exactly)", () => {
    // input 0.01 + output 0.004 = 0.014.
    const none = priceWith(pricer, {
      usage: { input_tokens: 10_000, output_tokens: 2000 },
      region: "us-east-1",
      attributes: { traffic: "Priority" },
    })
    expect(plain(none)).toEqual({
      base: "0.014",
      components: { input_tokens: "0.01", output_tokens: "0.004" },
      fallbacks: [],
    })
  })
})

describe("conditions", () => {
  // The n-th tier sets input to n + 2 per million; 1000 input tokens cost rate / 1000.
  const pricer = new Pricer({
    shipped: [
      book(
        entry({
          rates: { input_tokens: "1", output_tokens: "1" },
          tiers: [
            { when: { serviceTier: ["priority"] }, rates: { input_tokens: "2" } },
            { when: { region: ["eu"] }, rates: { input_tokens: "3" } },
            { when: { attributes: { routing: "batch" } }, rates: { input_tokens: "4" } },
            { when: { capability: ["tool_use"] }, rates: { input_tokens: "5" } },
            { when: { capability: ["reasoning"] }, rates: { input_tokens: "6" } },
            { when: { inputTokensAbove: 1000 }, rates: { input_tokens: "7" } },
          ],
        }),
        entry({
          model: "gpt-5.1-both",
          rates: { input_tokens: "1" },
          tiers: [
            { when: { serviceTier: ["flex"], region: ["eu"] }, rates: { input_tokens: "0.5" } },
          ],
        }),
      ),
    ],
  })
  const inputCost = (call: Omit<Call, "usage"> & { readonly usage?: Usage.Usage }) =>
    plain(priceWith(pricer, { ...call, usage: call.usage ?? { input_tokens: 1000 } })).components
      .input_tokens

  it("uses the base table when no tier holds", () => {
    expect(inputCost({})).toBe("0.001")
    expect(
      inputCost({ serviceTier: "flex", region: "us", attributes: { routing: "batch-2" } }),
    ).toBe("0.001")
  })

  it("serviceTier, region and attributes", () => {
    expect(inputCost({ serviceTier: "priority" })).toBe("0.002")
    expect(inputCost({ region: "eu" })).toBe("0.003")
    expect(inputCost({ attributes: { routing: "batch", extra: "y" } })).toBe("0.004")
  })

  it("capability from the adapter's list or derived from the usage", () => {
    expect(inputCost({ capabilities: ["tool_use"] })).toBe("0.005")
    expect(inputCost({ usage: { input_tokens: 1000, tool_calls: 2 } })).toBe("0.005")
    expect(inputCost({ capabilities: ["reasoning"] })).toBe("0.006")
    expect(inputCost({ usage: { input_tokens: 1000, reasoning_tokens: 1 } })).toBe("0.006")
  })

  it("inputTokensAbove is strictly above", () => {
    // 1001 x 7/1M = 0.007007
    expect(inputCost({ usage: { input_tokens: 1001 } })).toBe("0.007007")
  })

  it("takes the first tier in order when several hold", () => {
    expect(inputCost({ serviceTier: "priority", region: "eu" })).toBe("0.002")
  })

  it("needs every condition of a tier to hold", () => {
    expect(inputCost({ model: "gpt-5.1-both", serviceTier: "flex" })).toBe("0.001")
    expect(inputCost({ model: "gpt-5.1-both", region: "eu" })).toBe("0.001")
    // 1000 x 0.5/1M = 0.0005
    expect(inputCost({ model: "gpt-5.1-both", serviceTier: "flex", region: "eu" })).toBe("0.0005")
  })
})

describe("fallbacks and explicit zero", () => {
  it('treats an explicit "0" as a price: no fallback is used', () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({
            rates: {
              input_tokens: "1",
              output_tokens: "10",
              reasoning_tokens: "0",
              cache_read_tokens: "0",
            },
          }),
        ),
      ],
    })
    // input 1000 x 1/1M = 0.001; output 100 x 10/1M = 0.001; reasoning and cache reads free.
    const priced = priceWith(pricer, {
      usage: {
        input_tokens: 1000,
        cache_read_tokens: 100,
        output_tokens: 100,
        reasoning_tokens: 500,
      },
    })
    expect(plain(priced)).toEqual({
      base: "0.002",
      components: {
        input_tokens: "0.001",
        cache_read_tokens: "0",
        output_tokens: "0.001",
        reasoning_tokens: "0",
      },
      fallbacks: [],
    })
    expect(priced.pending).toBe(false)
  })

  it("falls back to an explicit zero rate and lists the fallback (a free model is priced)", () => {
    const pricer = new Pricer({
      shipped: [book(entry({ rates: { input_tokens: "0", output_tokens: "0" } }))],
    })
    const priced = priceWith(pricer, { usage: { reasoning_tokens: 100, cache_write_tokens: 7 } })
    expect(plain(priced)).toEqual({
      base: "0",
      components: { reasoning_tokens: "0", cache_write_tokens: "0" },
      fallbacks: ["reasoning_tokens->output_tokens", "cache_write_tokens->input_tokens"],
    })
    expect(priced.pending).toBe(false)
  })

  it("a tier that sets output_tokens changes what reasoning_tokens falls back to", () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({
            rates: { input_tokens: "1", output_tokens: "10" },
            tiers: [{ when: { region: ["eu"] }, rates: { output_tokens: "12" } }],
          }),
        ),
      ],
    })
    // 1000 reasoning tokens: x 10/1M = 0.01 on the base table, x 12/1M = 0.012 in the eu tier.
    expect(plain(priceWith(pricer, { usage: { reasoning_tokens: 1000 } })).base).toBe("0.01")
    expect(plain(priceWith(pricer, { usage: { reasoning_tokens: 1000 }, region: "eu" })).base).toBe(
      "0.012",
    )
  })

  it("overlays tier fees on base fees", () => {
    const pricer = new Pricer({
      shipped: [
        book(
          entry({
            rates: { input_tokens: "1" },
            fees: { per_call: "0.01", web_search_requests: "0.01" },
            tiers: [{ when: { region: ["eu"] }, fees: { per_call: "0.02" } }],
          }),
        ),
      ],
    })
    // eu: per_call 0.02 (tier) + 1 search x 0.01 (base fee kept) = 0.03.
    expect(
      plain(priceWith(pricer, { usage: { web_search_requests: 1 }, region: "eu" })).components,
    ).toEqual({ web_search_requests: "0.01", per_call: "0.02" })
  })
})

describe("unpriced units", () => {
  const pricer = new Pricer({ shipped: [book(entry({ rates: { input_tokens: "1" } }))] })
  const usage = {
    input_tokens: 1000,
    output_tokens: 10,
    web_search_requests: 1,
    tool_calls: 3,
    x_widgets: 2,
    x_extra_tokens: 5,
    compute_units: 1,
  }

  it("lists units with no rate and no fallback, prices the rest as a lower bound", () => {
    // output has no fallback, events and x_* units no fallback; tool_calls is observed only.
    // Priced: input 1000 x 1/1M = 0.001.
    const priced = priceWith(pricer, { usage })
    expect(priced.unpricedUnits).toEqual([
      "output_tokens",
      "web_search_requests",
      "x_widgets",
      "x_extra_tokens",
      "compute_units",
    ])
    expect(plain(priced)).toEqual({
      base: "0.001",
      components: { input_tokens: "0.001" },
      fallbacks: [],
    })
    expect(priced).toMatchObject({ pending: true, estimateMethod: "unpriced" })
  })
})

describe("strategies", () => {
  const pricer = new Pricer({
    shipped: [
      book(
        entry({
          provider: "acme",
          model: "cu-model",
          strategy: "COMPUTE_UNIT",
          fees: { compute_units: "0.0004" },
          tiers: [{ when: { region: ["eu"] }, fees: { compute_units: "0.0005" } }],
          estimate: { compute_units_per_1k_tokens: "1.5" },
        }),
        entry({
          provider: "acme",
          model: "cu-no-estimate",
          strategy: "COMPUTE_UNIT",
          fees: { compute_units: "0.0004" },
        }),
        entry({
          provider: "acme",
          model: "resolver",
          strategy: "OUTCOME_BASED",
          fees: { per_call: "0.02" },
          outcomes: { succeeded: "0.99", failed: "0.10" },
        }),
        entry({
          provider: "acme",
          model: "resolver-plus",
          strategy: "OUTCOME_BASED",
          outcomes: { succeeded: "2", unknown: "0.5" },
        }),
        entry({
          provider: "acme",
          model: "hybrid",
          strategy: "HYBRID",
          rates: { input_tokens: "3", output_tokens: "15" },
          outcomes: { succeeded: "1.5", failed: "0", unknown: "0.25" },
        }),
      ),
      designBook,
    ],
  })
  const acme = (model: string, usage: Usage.Usage, extra: Omit<Call, "usage"> = {}) =>
    priceWith(pricer, { provider: "acme", model, usage, ...extra })

  it("TOKEN_BASED is complete at call time", () => {
    const priced = priceWith(pricer, { usage: { input_tokens: 1000 } })
    expect(priced).toMatchObject({ strategy: "TOKEN_BASED", pending: false, estimateMethod: null })
    expect(pricer.outcomeFee(priced.priceRef, "succeeded")).toBeNull()
  })

  it("COMPUTE_UNIT prices reported compute units (fractional) and ignores tokens", () => {
    // 1234.5 units x 0.0004 = 0.4938
    const priced = acme("cu-model", { compute_units: 1234.5, input_tokens: 2000 })
    expect(plain(priced)).toEqual({
      base: "0.4938",
      components: { compute_units: "0.4938" },
      fallbacks: [],
    })
    expect(priced).toMatchObject({ pending: false, estimateMethod: null, unpricedUnits: [] })
  })

  it("COMPUTE_UNIT with units reported later is pending, estimated per 1k tokens", () => {
    // (2000 + 1000) tokens x 1.5 / 1000 = 4.5 units x 0.0004 = 0.0018
    const priced = acme("cu-model", { input_tokens: 2000, output_tokens: 1000 })
    expect(plain(priced)).toEqual({
      base: "0.0018",
      components: { compute_units: "0.0018" },
      fallbacks: [],
    })
    expect(priced).toMatchObject({ pending: true, estimateMethod: "compute_units_per_1k_tokens" })
    // The estimate uses the effective fee: 4.5 units x 0.0005 (eu tier) = 0.00225.
    expect(
      plain(acme("cu-model", { input_tokens: 2000, output_tokens: 1000 }, { region: "eu" })).base,
    ).toBe("0.00225")
  })

  it("COMPUTE_UNIT without an estimate is pending at 0 with estimate_method none", () => {
    const priced = acme("cu-no-estimate", { input_tokens: 2000 })
    expect(plain(priced)).toEqual({ base: "0", components: {}, fallbacks: [] })
    expect(priced).toMatchObject({ pending: true, estimateMethod: "none", unpricedUnits: [] })
  })

  it("OUTCOME_BASED charges per-call fees now and the outcome fee later", () => {
    const priced = acme("resolver", { input_tokens: 5000, output_tokens: 800 })
    expect(plain(priced)).toEqual({ base: "0.02", components: { per_call: "0.02" }, fallbacks: [] })
    expect(priced).toMatchObject({
      strategy: "OUTCOME_BASED",
      pending: true,
      estimateMethod: "outcome_fee",
      unpricedUnits: [],
    })
    const fee = (outcome: "succeeded" | "failed" | "unknown") => {
      const money = pricer.outcomeFee(priced.priceRef, outcome)
      return money && Money.toJSON(money)
    }
    expect(fee("succeeded")).toEqual({ amount: "0.99", currency: "USD" })
    expect(fee("failed")).toEqual({ amount: "0.1", currency: "USD" })
    // No `unknown` price: the failed price applies.
    expect(fee("unknown")).toEqual({ amount: "0.1", currency: "USD" })
  })

  it("outcomeFee uses an explicit unknown price, and 0 for an unpriced failure", () => {
    const ref = acme("resolver-plus", {}).priceRef
    const fee = (outcome: "succeeded" | "failed" | "unknown") =>
      Money.format(pricer.outcomeFee(ref, outcome)!.amount)
    expect([fee("succeeded"), fee("failed"), fee("unknown")]).toEqual(["2", "0", "0.5"])
  })

  it("HYBRID prices tokens now, the outcome later; its tokens still need rates", () => {
    // input 10000 x 3/1M = 0.03; output 2000 x 15/1M = 0.03. Total 0.06.
    const priced = acme("hybrid", { input_tokens: 10_000, output_tokens: 2000 })
    expect(plain(priced).base).toBe("0.06")
    expect(priced).toMatchObject({ pending: true, estimateMethod: "outcome_fee" })
    const fees = (["succeeded", "failed", "unknown"] as const).map((o) =>
      Money.format(pricer.outcomeFee(priced.priceRef, o)!.amount),
    )
    expect(fees).toEqual(["1.5", "0", "0.25"])
    const missing = acme("hybrid", { input_tokens: 1, cache_read_tokens: 1, x_pages: 1 })
    expect(missing.unpricedUnits).toEqual(["x_pages"])
    expect(missing.estimateMethod).toBe("unpriced")
  })

  it("outcomeFee of a price ref that is not loaded is UnknownOutcomePrice", () => {
    expect(() => pricer.outcomeFee("acme/nope@2026-01-01", "succeeded")).toThrow(
      UnknownOutcomePrice,
    )
  })
})

describe("exactness (property)", () => {
  const units = ["input_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens"] as const

  it("a TOKEN_BASED cost equals the integer sum of count x rate", () => {
    // Rates have up to 4 decimals (per million): cost = sum(count x rate x 10^4) / 10^10.
    const rate = fc.bigInt(0n, 10n ** 8n)
    const count = fc.integer({ min: 0, max: 50_000_000 })
    fc.assert(
      fc.property(
        fc.tuple(rate, rate, rate, rate),
        fc.tuple(count, count, count, count),
        (rates, counts) => {
          const table = Object.fromEntries(units.map((u, i) => [u, scaledToString(rates[i]!, 4)]))
          const pricer = new Pricer({ shipped: [book(entry({ rates: table }))] })
          const usage = Object.fromEntries(units.map((u, i) => [u, counts[i]!]))
          const priced = priceWith(pricer, { usage })
          const expected = units.reduce((acc, _, i) => acc + rates[i]! * BigInt(counts[i]!), 0n)
          expect(priced.baseCost).toBe(scaledToString(expected, 10))
          // The components add up to the total, each exactly.
          const parts = Object.values(priced.components)
          expect(parts.reduce((acc, part) => acc + stringToScaled(part, 10), 0n)).toBe(expected)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe("PricingRegistry service", () => {
  const layer = PricingRegistry.layer({
    user: [book(entry({ rates: { input_tokens: "1" } }))],
    shipped: [designBook],
  })

  it.effect("prices with the user book first", () =>
    Effect.gen(function* () {
      const registry = yield* PricingRegistry
      // input 1000 x 1/1M (user entry, not the shipped 1.25) = 0.001
      const priced = yield* registry.price(callOf({ usage: { input_tokens: 1000 } }))
      expect(priced.baseCost).toBe("0.001")
    }).pipe(Effect.provide(layer)),
  )

  it.effect("fails with UnpricedModel for an unknown model", () =>
    Effect.gen(function* () {
      const registry = yield* PricingRegistry
      const error = yield* Effect.flip(
        registry.price(callOf({ model: "gpt-6", usage: { input_tokens: 1 } })),
      )
      expect(error).toBeInstanceOf(UnpricedModel)
      expect(error).toMatchObject({ _tag: "UnpricedModel", provider: "openai", model: "gpt-6" })
    }).pipe(Effect.provide(layer)),
  )

  it.effect("fails with UnpricedUnit naming every unit with no rate", () =>
    Effect.gen(function* () {
      const registry = yield* PricingRegistry
      const error = yield* Effect.flip(
        registry.price(callOf({ usage: { input_tokens: 1, output_tokens: 1, x_pages: 2 } })),
      )
      expect(error).toBeInstanceOf(UnpricedUnit)
      expect(error).toMatchObject({
        _tag: "UnpricedUnit",
        priceRef: "openai/gpt-5.1@2026-01-01",
        units: ["output_tokens", "x_pages"],
      })
      expect(error.message).toBe(
        'openai/gpt-5.1@2026-01-01 has no rate for output_tokens, x_pages and no fallback; add them to the entry (an explicit "0" is a price)',
      )
    }).pipe(Effect.provide(layer)),
  )

  it.effect("outcomeFee succeeds with null for TOKEN_BASED and fails for an unknown ref", () =>
    Effect.gen(function* () {
      const registry = yield* PricingRegistry
      expect(yield* registry.outcomeFee("openai/gpt-5.1@2026-01-01", "succeeded")).toBeNull()
      const error = yield* Effect.flip(registry.outcomeFee("openai/nope@2026-01-01", "failed"))
      expect(error._tag).toBe("UnknownOutcomePrice")
    }).pipe(Effect.provide(layer)),
  )
})
