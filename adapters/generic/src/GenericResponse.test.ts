import { readFileSync } from "node:fs"
import { CostSignal, PricingRegistry, type ProviderAdapter } from "@agentcost/core"
import { malformedResponse } from "@agentcost/core/test"
import { describe, expect, test } from "vitest"
import { generic } from "./index.ts"

type Json = { [key: string]: unknown }
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8"))
const NOW = Date.parse("2026-12-01T00:00:00Z")

const forge = generic(fixture("forge-compute.config"))
const resolvly = generic(fixture("resolvly.config"))
const signalOf = (adapter: ProviderAdapter.ProviderAdapter, raw: unknown) =>
  CostSignal.fromCall(
    new PricingRegistry.Pricer({ shipped: [adapter.defaultPrices] }),
    adapter.provider,
    adapter.normalize(raw),
    {},
    NOW,
  )

/** The forge response with its usage block replaced. */
const forgeWith = (usage: Json, job: Json = {}): Json => {
  const raw = fixture("forge-compute.response")
  return {
    ...raw,
    job: { ...(raw.job as Json), ...job },
    usage: { ...(raw.usage as Json), ...usage },
  }
}

describe("compute-unit provider: units arrive later", () => {
  test("the response's facts, by the config's paths", () => {
    expect(forge.normalize(fixture("forge-compute.response"))).toEqual({
      model: "forge/llama-3.3-70b-instruct",
      endpoint: "jobs",
      usage: { input_tokens: 1820, output_tokens: 640 },
      serviceTier: null,
      region: "us-east-2",
      attributes: { gpu: "H100-80GB", quantization: "fp8" },
      capabilities: [],
      providerRequestId: "job_01JD4Q8ZK3M7XH2T9V5RBN6CWE",
      providerAccount: "proj_acme_support",
      providerReportedCost: null,
      observedAt: "2026-11-03T10:00:00.000Z",
    })
  })

  test("without units the cost is estimated from tokens and stays pending", () => {
    const signal = signalOf(forge, fixture("forge-compute.response"))
    // 2.5 units per 1k tokens × (1820 + 640) / 1000 = 6.15 units × $0.0004 = $0.00246
    expect(signal).toMatchObject({
      signal_id: "forge-compute:job_01JD4Q8ZK3M7XH2T9V5RBN6CWE",
      provider: "forge-compute",
      provider_account: "proj_acme_support",
      strategy: "COMPUTE_UNIT",
      base_cost: "0.00246",
      cost_components: { compute_units: "0.00246" },
      cost_source: "local",
      pending_cost: true,
      estimate_method: "compute_units_per_1k_tokens",
      price_ref: "forge-compute/forge/llama-3.3-70b-instruct@2026-10-01",
      attributes: { gpu: "H100-80GB", quantization: "fp8", region: "us-east-2" },
    })
  })

  test("with units in the response the cost is final", () => {
    const signal = signalOf(forge, forgeWith({ compute_units: 6.4, metering: "final" }))
    // 6.4 units × $0.0004 = $0.00256
    expect(signal.usage).toEqual({ input_tokens: 1820, output_tokens: 640, compute_units: 6.4 })
    expect(signal).toMatchObject({
      base_cost: "0.00256",
      pending_cost: false,
      estimate_method: null,
    })
  })

  test("the batch tier halves the unit price", () => {
    const signal = signalOf(forge, forgeWith({ compute_units: 6.4 }, { priority: "batch" }))
    // 6.4 units × $0.0002 = $0.00128
    expect(signal.base_cost).toBe("0.00128")
    expect(signal.attributes?.service_tier).toBe("batch")
  })
})

describe("outcome-priced provider: resolved tasks", () => {
  test("x_resolved_tasks from the response, one request per call as a constant", () => {
    const call = resolvly.normalize(fixture("resolvly.response"))
    expect(call.usage).toEqual({ x_resolved_tasks: 2, requests: 1 })
    expect(call.observedAt).toBe("2026-11-04T08:30:00.000Z")
    expect(call.providerAccount).toBe("ws_acme_eu")
    expect(call.attributes).toEqual({ channel: "email" })
  })

  test("priced per resolved task, pending until the provider confirms the billed resolutions", () => {
    const signal = signalOf(resolvly, fixture("resolvly.response"))
    // 2 resolved tasks × $0.99 = $1.98; requests are observed, not charged.
    expect(signal).toMatchObject({
      signal_id: "resolvly:conv_7Hq2LmX9aB4tR8vK",
      strategy: "OUTCOME_BASED",
      base_cost: "1.98",
      cost_components: { x_resolved_tasks: "1.98" },
      pending_cost: true,
      estimate_method: "outcome_fee",
      pricing_error: null,
    })
  })
})

describe("malformed responses name the path", () => {
  test("a missing path", () => {
    const raw = forgeWith({ units: [{ type: "input_tokens", count: 1820 }] })
    const error = malformedResponse(forge, raw)
    expect(error.field).toBe("usage.units[1].count")
    expect(error.message).toBe(
      "forge-compute response: usage.units[1].count: missing (usage.units has no [1]); the config reads usage.output_tokens from it",
    )
  })

  test("a null where a required value should be", () => {
    const raw = fixture("resolvly.response")
    const conversation = raw.conversation as Json
    const error = malformedResponse(resolvly, {
      ...raw,
      conversation: { ...conversation, resolution: { status: "open", tasks_resolved: null } },
    })
    expect(error.field).toBe("conversation.resolution.tasks_resolved")
    expect(error.reason).toContain("conversation.resolution.tasks_resolved is null")
  })

  test("a usage path that holds something else than a count", () => {
    const text = malformedResponse(forge, forgeWith({ units: [{ count: "1820" }, { count: 640 }] }))
    expect(text.field).toBe("usage.units[0].count")
    expect(text.reason).toBe('expected a non-negative number for usage.input_tokens, got "1820"')
    const fraction = malformedResponse(
      forge,
      forgeWith({ units: [{ count: 1820.5 }, { count: 640 }] }),
    )
    expect(fraction.reason).toBe("expected a whole count for usage.input_tokens, got 1820.5")
    const negative = malformedResponse(forge, forgeWith({ compute_units: -2 }))
    expect(negative.field).toBe("usage.compute_units")
  })

  test("text facts and timestamps are checked", () => {
    expect(malformedResponse(forge, forgeWith({}, { model: { name: "x" } })).field).toBe(
      "job.model",
    )
    expect(malformedResponse(forge, forgeWith({}, { created_at: "yesterday" })).reason).toContain(
      "expected an ISO 8601 timestamp or Unix seconds",
    )
    expect(malformedResponse(forge, "ok").reason).toContain("the response is not an object")
  })
})

describe("config options", () => {
  const base = {
    provider: "acme",
    model: { value: "acme-large" },
    requestId: "id",
    observedAt: "created",
    usage: { input_tokens: "usage.in", output_tokens: "usage.out" },
  }

  test("numeric ids become text; Unix seconds by default", () => {
    const call = generic(base).normalize({
      id: 981273,
      created: 1793700000,
      usage: { in: 10, out: 2 },
    })
    expect(call.providerRequestId).toBe("981273")
    expect(call.model).toBe("acme-large")
    expect(call.observedAt).toBe("2026-11-03T10:00:00.000Z")
  })

  test("a reported cost becomes the provider's cost, as a number or a decimal string", () => {
    const adapter = generic({
      ...base,
      reportedCost: { amount: "billing.total", currency: "billing.currency" },
    })
    const call = (total: unknown, currency: unknown = "USD") =>
      adapter.normalize({
        id: "r1",
        created: 1793700000,
        usage: { in: 10, out: 2 },
        billing: { total, currency },
      })
    expect(call(0.0123).providerReportedCost).toEqual({ amount: "0.0123", currency: "USD" })
    expect(call("0.01230", "EUR").providerReportedCost).toEqual({
      amount: "0.0123",
      currency: "EUR",
    })
    expect(() => call("12 cents")).toThrow("billing.total: expected a non-negative amount")
    expect(() => call(0.0123, "usd")).toThrow("billing.currency: expected an ISO 4217 currency")
    // Unpriced by the book, priced by the provider: the provider's number stands.
    const signal = CostSignal.fromCall(
      new PricingRegistry.Pricer({}),
      "acme",
      call(0.0123),
      {},
      NOW,
    )
    expect(signal).toMatchObject({
      cost_source: "provider",
      base_cost: "0.0123",
      pending_cost: false,
    })
  })

  test("an account in the response beats the call's hint; a constant account is only a default", () => {
    const raw = { id: "r1", created: 1793700000, account: "acct_resp", usage: { in: 1, out: 1 } }
    const fromPath = generic({ ...base, account: "account" })
    const constant = generic({ ...base, account: { value: "acct_default" } })
    expect(fromPath.normalize(raw, { providerAccount: "acct_hint" }).providerAccount).toBe(
      "acct_resp",
    )
    expect(constant.normalize(raw, { providerAccount: "acct_hint" }).providerAccount).toBe(
      "acct_hint",
    )
    expect(constant.normalize(raw).providerAccount).toBe("acct_default")
  })

  test("optional paths may be absent; capabilities follow the usage and the hints", () => {
    const adapter = generic({
      ...base,
      usage: { ...base.usage, reasoning_tokens: { path: "usage.thinking", optional: true } },
      observedAt: { path: "created_ms", epoch: "milliseconds", optional: true },
    })
    const plain = adapter.normalize(
      { id: "r1", usage: { in: 5, out: 1 } },
      { capabilities: ["rag"] },
    )
    expect(plain.usage).toEqual({ input_tokens: 5, output_tokens: 1 })
    expect(plain.observedAt).toBeNull()
    expect(plain.capabilities).toEqual(["rag"])
    const thinking = adapter.normalize({
      id: "r2",
      created_ms: 1793700000123,
      usage: { in: 5, out: 1, thinking: 7 },
    })
    expect(thinking.capabilities).toEqual(["reasoning"])
    expect(thinking.observedAt).toBe("2026-11-03T10:00:00.123Z")
  })

  test("a bad config fails when the adapter is made", () => {
    expect(() => generic({ ...base, usage: { tokens: "u" } })).toThrow(
      "generic config: usage.tokens: not a usage unit",
    )
  })

  test("the adapter's book is the config's prices (the shipped book is empty)", () => {
    expect(generic(base).defaultPrices).toEqual({ version: 1, entries: [] })
    expect(forge.defaultPrices.entries.map((e) => e.model)).toEqual([
      "forge/llama-3.3-70b-instruct",
    ])
    expect(generic(base).settlement).toBeUndefined()
  })
})
