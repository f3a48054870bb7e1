import { createHash } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as CostSignal from "./CostSignal.ts"
import * as PriceBook from "./PriceBook.ts"
import { Pricer } from "./PricingRegistry.ts"
import type { NormalizedCall } from "./ProviderAdapter.ts"

const gpt51 = {
  provider: "openai",
  model: "gpt-5.1",
  endpoint: null,
  validFrom: "2026-01-01",
  validTo: null,
  strategy: "TOKEN_BASED",
  currency: "USD",
  rates: { input_tokens: "1.25", cache_read_tokens: "0.125", output_tokens: "10" },
  fees: { web_search_requests: "0.01" },
  tiers: [
    { when: { serviceTier: ["flex"] }, rates: { input_tokens: "0.625", output_tokens: "5" } },
  ],
}

const pricer = new Pricer({
  shipped: [
    PriceBook.decode({
      version: 1,
      entries: [
        gpt51,
        {
          provider: "acme",
          model: "hybrid",
          validFrom: "2026-01-01",
          strategy: "HYBRID",
          currency: "USD",
          rates: { input_tokens: "3", output_tokens: "15" },
          outcomes: { succeeded: "1.5" },
        },
        {
          provider: "acme",
          model: "cu-model",
          validFrom: "2026-01-01",
          strategy: "COMPUTE_UNIT",
          currency: "USD",
          fees: { compute_units: "0.0004" },
          estimate: { compute_units_per_1k_tokens: "1.5" },
        },
      ],
    }),
  ],
})

const NOW = Date.parse("2026-11-05T00:00:00.000Z")

/** The usage of the DESIGN.md §3 example signal. */
const designUsage = {
  input_tokens: 1200,
  cache_read_tokens: 800,
  output_tokens: 300,
  reasoning_tokens: 200,
}

const call = (patch: Partial<NormalizedCall> = {}): NormalizedCall => ({
  model: "gpt-5.1-2025-11-13",
  endpoint: "chat.completions",
  usage: designUsage,
  serviceTier: null,
  region: null,
  attributes: {},
  capabilities: [],
  providerRequestId: "chatcmpl-B9x2",
  providerAccount: "proj_abc123",
  providerReportedCost: null,
  observedAt: "2026-11-03T10:00:00.000Z",
  ...patch,
})

const context: CostSignal.CallContext = {
  envelopeId: "env_01J",
  tenantId: "acme",
  workflowType: "support-ticket",
  operationId: "op_01J",
}

const signal = (patch: Partial<NormalizedCall> = {}, provider = "openai", ctx = context) =>
  CostSignal.fromCall(pricer, provider, call(patch), ctx, NOW)

describe("CostSignal.fromCall", () => {
  it("reproduces the DESIGN.md contract example for a priced call", () => {
    // input 1200 x 1.25/1M = 0.0015; cache_read 800 x 0.125/1M = 0.0001;
    // output 300 x 10/1M = 0.003; reasoning 200 x 10/1M (output rate) = 0.002. Total 0.0066.
    expect(signal()).toEqual({
      signal_id: "openai:chatcmpl-B9x2",
      envelope_id: "env_01J",
      tenant_id: "acme",
      workflow_type: "support-ticket",
      resource_id: null,
      provider: "openai",
      provider_account: "proj_abc123",
      model: "gpt-5.1-2025-11-13",
      endpoint: "chat.completions",
      strategy: "TOKEN_BASED",
      usage: designUsage,
      base_cost: "0.0066",
      currency: "USD",
      cost_source: "local",
      pending_cost: false,
      estimate_method: null,
      cost_components: {
        input_tokens: "0.0015",
        cache_read_tokens: "0.0001",
        output_tokens: "0.003",
        reasoning_tokens: "0.002",
      },
      fallbacks: ["reasoning_tokens->output_tokens"],
      provider_request_id: "chatcmpl-B9x2",
      provider_invoice_id: null,
      operation_id: "op_01J",
      attempt: 1,
      attempt_outcome: "succeeded",
      price_ref: "openai/gpt-5.1@2026-01-01",
      observed_at: "2026-11-03T10:00:00.000Z",
      pricing_error: null,
      capabilities: [],
      attributes: {},
    })
  })

  it("records the tier facts it priced with in attributes", () => {
    // flex: input 1200 x 0.625/1M = 0.00075; cache_read 0.0001; output 300 x 5/1M = 0.0015;
    // reasoning 200 x 5/1M = 0.001. Total 0.00335.
    const flex = signal({ serviceTier: "flex", region: "eu", attributes: { route: "direct" } })
    expect(flex.base_cost).toBe("0.00335")
    expect(flex.attributes).toEqual({ route: "direct", service_tier: "flex", region: "eu" })
  })

  it("takes the call time from the context, else the response, else now", () => {
    const at = Date.parse("2026-11-04T08:00:00.000Z")
    expect(CostSignal.fromCall(pricer, "openai", call(), { at }, NOW).observed_at).toBe(
      "2026-11-04T08:00:00.000Z",
    )
    expect(signal().observed_at).toBe("2026-11-03T10:00:00.000Z")
    expect(signal({ observedAt: null }).observed_at).toBe("2026-11-05T00:00:00.000Z")
    // Before the entry's validFrom the call is not priced (effective dating uses the call time).
    const early = Date.parse("2025-12-31T23:59:59.999Z")
    expect(CostSignal.fromCall(pricer, "openai", call(), { at: early }, NOW).base_cost).toBeNull()
  })

  it("records a failed attempt that the provider still bills", () => {
    const failed = signal({}, "openai", { ...context, attempt: 2, attemptOutcome: "failed" })
    expect(failed).toMatchObject({ attempt: 2, attempt_outcome: "failed", base_cost: "0.0066" })
  })

  it("uses the provider-reported cost, keeping the local estimate beside it", () => {
    const routed = signal(
      {
        model: "gpt-5.1",
        pricingProvider: "openai",
        providerRequestId: "gen-123",
        providerReportedCost: { amount: "0.00710", currency: "USD" },
      },
      "openrouter",
    )
    expect(routed).toMatchObject({
      signal_id: "openrouter:gen-123",
      provider: "openrouter",
      strategy: "TOKEN_BASED",
      price_ref: "openai/gpt-5.1@2026-01-01",
      cost_source: "provider",
      base_cost: "0.0071",
      currency: "USD",
      cost_components: { provider_reported: "0.0071", local_estimate: "0.0066" },
      pending_cost: false,
      estimate_method: null,
      pricing_error: null,
    })
    // The local estimate's detail is not in the signal: the provider's number is the cost.
    expect(Object.keys(routed.cost_components)).toEqual(["provider_reported", "local_estimate"])
  })

  it("uses the provider-reported cost alone when the book cannot price the call", () => {
    const reported = { amount: "0.5", currency: "USD" }
    expect(signal({ model: "gpt-6", providerReportedCost: reported })).toMatchObject({
      cost_source: "provider",
      base_cost: "0.5",
      cost_components: { provider_reported: "0.5" },
      strategy: null,
      price_ref: null,
      pending_cost: false,
      estimate_method: null,
      pricing_error: null,
    })
    // An unpriced unit makes the local number a lower bound: it is not shown as an estimate.
    const partial = signal({
      usage: { input_tokens: 10, x_pages: 1 },
      providerReportedCost: reported,
    })
    expect(partial.cost_components).toEqual({ provider_reported: "0.5" })
  })

  it("keeps an outcome fee pending even when the provider reported the call's cost", () => {
    // local estimate: input 1000 x 3/1M = 0.003
    const hybrid = signal(
      {
        model: "hybrid",
        usage: { input_tokens: 1000 },
        providerReportedCost: { amount: "0.004", currency: "USD" },
      },
      "acme",
    )
    expect(hybrid).toMatchObject({
      cost_source: "provider",
      base_cost: "0.004",
      cost_components: { provider_reported: "0.004", local_estimate: "0.003" },
      pending_cost: true,
      estimate_method: "outcome_fee",
    })
  })

  it("records an UnpricedModel call as pending with no base cost, never $0", () => {
    const unpriced = signal({ model: "gpt-6" })
    expect(unpriced).toMatchObject({
      strategy: null,
      base_cost: null,
      currency: "USD",
      cost_source: "local",
      pending_cost: true,
      estimate_method: "unpriced",
      cost_components: {},
      fallbacks: [],
      price_ref: null,
      pricing_error:
        "no price for openai/gpt-6 (chat.completions) at 2026-11-03T10:00:00.000Z; add a price book entry (--prices FILE)",
    })
  })

  it("records an UnpricedUnit call as a pending lower bound", () => {
    // input 1000 x 1.25/1M = 0.00125; x_pages has no fee and no fallback.
    const partial = signal({ usage: { input_tokens: 1000, x_pages: 3 } })
    expect(partial).toMatchObject({
      strategy: "TOKEN_BASED",
      base_cost: "0.00125",
      pending_cost: true,
      estimate_method: "unpriced",
      cost_components: { input_tokens: "0.00125" },
      pricing_error:
        'openai/gpt-5.1@2026-01-01 has no rate for x_pages and no fallback; add it to the entry (an explicit "0" is a price)',
    })
  })

  it("marks outcome and compute-unit costs pending with their estimate method", () => {
    // HYBRID: input 1000 x 3/1M = 0.003 now, the outcome fee later.
    expect(signal({ model: "hybrid", usage: { input_tokens: 1000 } }, "acme")).toMatchObject({
      base_cost: "0.003",
      pending_cost: true,
      estimate_method: "outcome_fee",
    })
    // COMPUTE_UNIT: 2000 tokens x 1.5/1000 = 3 units x 0.0004 = 0.0012, until units are reported.
    expect(signal({ model: "cu-model", usage: { input_tokens: 2000 } }, "acme")).toMatchObject({
      base_cost: "0.0012",
      pending_cost: true,
      estimate_method: "compute_units_per_1k_tokens",
      cost_components: { compute_units: "0.0012" },
    })
  })
})

describe("CostSignal.decode", () => {
  const examples = {
    priced: signal(),
    provider: signal({ providerReportedCost: { amount: "0.0071", currency: "USD" } }),
    unpricedModel: signal({ model: "gpt-6" }),
    unpricedUnit: signal({ usage: { input_tokens: 1000, x_pages: 3 }, serviceTier: "flex" }),
  }

  for (const [name, example] of Object.entries(examples)) {
    it(`round-trips the ${name} signal through JSON`, () => {
      expect(CostSignal.decode(JSON.parse(JSON.stringify(example)))).toEqual(example)
    })
  }

  const rejected = (patch: object): CostSignal.InvalidSignal => {
    try {
      CostSignal.decode({ ...examples.priced, ...patch })
    } catch (error) {
      expect(error).toBeInstanceOf(CostSignal.InvalidSignal)
      return error as CostSignal.InvalidSignal
    }
    throw new Error(`expected ${JSON.stringify(patch)} to be rejected`)
  }

  it("names the field of a bad value", () => {
    expect(rejected({ base_cost: "1e-5" }).message).toBe(
      'base_cost: Expected a plain decimal string such as "0.0066"',
    )
    expect(rejected({ base_cost: 0.0066 }).path).toBe("base_cost")
    expect(rejected({ cost_components: { input_tokens: "abc" } }).path).toBe(
      "cost_components.input_tokens",
    )
    expect(rejected({ attempt: 0 }).path).toBe("attempt")
    expect(rejected({ attempt: 1.5 }).path).toBe("attempt")
    expect(rejected({ strategy: "FLAT" }).path).toBe("strategy")
    expect(rejected({ cost_source: "guess" }).path).toBe("cost_source")
    expect(rejected({ estimate_method: "magic" }).path).toBe("estimate_method")
    expect(rejected({ observed_at: "yesterday" }).path).toBe("observed_at")
    // Date.parse would roll November 31st over to December 1st.
    expect(rejected({ observed_at: "2026-11-31T10:00:00.000Z" }).path).toBe("observed_at")
    expect(rejected({ signal_id: "" }).path).toBe("signal_id")
    expect(rejected({ attempt_outcome: "retried" }).path).toBe("attempt_outcome")
  })

  it("rejects invalid usage with the usage error", () => {
    expect(rejected({ usage: { input_tokens: -1 } }).message).toBe(
      "usage: usage.input_tokens: count is negative (-1)",
    )
    expect(rejected({ usage: { prompt_tokens: 1 } }).reason).toContain("usage.prompt_tokens")
  })

  it("rejects unknown and missing fields", () => {
    expect(rejected({ tenant: "acme" }).message).toBe("tenant: unknown field")
    const { signal_id: _, ...missing } = examples.priced
    try {
      CostSignal.decode(missing)
      expect.unreachable()
    } catch (error) {
      expect(error).toMatchObject({ _tag: "InvalidSignal", path: "signal_id" })
    }
  })
})

describe("CostSignal.signalId", () => {
  const where = { envelopeId: "env_1", operationId: "op_1", attempt: 1, callIndex: 0 }
  const hashed = (input: Partial<typeof where> & { readonly provider?: string }) =>
    CostSignal.signalId({ provider: "openai", providerRequestId: null, ...where, ...input })

  it("is provider:request id when the provider gives one", () => {
    expect(
      CostSignal.signalId({ provider: "openai", providerRequestId: "chatcmpl-B9x2", ...where }),
    ).toBe("openai:chatcmpl-B9x2")
  })

  it("is a hash of envelope, operation, attempt and call index otherwise", () => {
    const digest = createHash("sha256").update("env_1\u0000op_1\u00001\u00000").digest("hex")
    expect(hashed({})).toBe(`openai:h_${digest.slice(0, 32)}`)
    expect(hashed({})).toBe(hashed({}))
    const empty = createHash("sha256").update("\u0000\u00001\u00000").digest("hex")
    expect(
      CostSignal.signalId({
        provider: "openai",
        providerRequestId: undefined,
        envelopeId: null,
        operationId: undefined,
        attempt: 1,
        callIndex: 0,
      }),
    ).toBe(`openai:h_${empty.slice(0, 32)}`)
  })

  it("differs when the attempt, call index, operation or envelope differ", () => {
    const base = hashed({})
    expect(hashed({ attempt: 2 })).not.toBe(base)
    expect(hashed({ callIndex: 1 })).not.toBe(base)
    expect(hashed({ operationId: "op_2" })).not.toBe(base)
    expect(hashed({ envelopeId: "env_2" })).not.toBe(base)
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(hashed({ envelopeId: "ab", operationId: "c" })).not.toBe(
      hashed({ envelopeId: "a", operationId: "bc" }),
    )
  })

  it("gives distinct positions distinct ids (property)", () => {
    const position = fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 500 }))
    fc.assert(
      fc.property(position, position, ([a1, i1], [a2, i2]) => {
        fc.pre(a1 !== a2 || i1 !== i2)
        expect(hashed({ attempt: a1, callIndex: i1 })).not.toBe(
          hashed({ attempt: a2, callIndex: i2 }),
        )
      }),
    )
  })

  it("is what fromCall uses, so two observers of one call collapse into one id", () => {
    const anonymous = { providerRequestId: null }
    const first = signal(anonymous, "openai", { ...context, callIndex: 4 })
    const second = signal(anonymous, "openai", { ...context, callIndex: 4 })
    expect(first.signal_id).toBe(second.signal_id)
    expect(first.signal_id).toBe(
      CostSignal.signalId({
        provider: "openai",
        providerRequestId: null,
        envelopeId: "env_01J",
        operationId: "op_01J",
        attempt: 1,
        callIndex: 4,
      }),
    )
    expect(signal(anonymous, "openai", { ...context, callIndex: 5 }).signal_id).not.toBe(
      first.signal_id,
    )
  })
})
