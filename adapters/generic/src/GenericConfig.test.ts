import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { decode, InvalidGenericConfig, load } from "./GenericConfig.ts"

const fixturePath = (name: string) =>
  new URL(`./__fixtures__/${name}.json`, import.meta.url).pathname
const base = { provider: "acme", model: "meta.model", usage: { input_tokens: "usage.in" } }

const errorOf = (input: unknown): InvalidGenericConfig => {
  try {
    decode(input)
  } catch (error) {
    if (error instanceof InvalidGenericConfig) return error
    throw error
  }
  throw new Error("expected InvalidGenericConfig")
}

describe("the shipped example configs", () => {
  test("the compute-unit provider decodes, with its prices checked", () => {
    const config = load(fixturePath("forge-compute.config"))
    expect(config.provider).toBe("forge-compute")
    expect(config.prices.map((p) => p.strategy)).toEqual(["COMPUTE_UNIT"])
    expect(config.settlement?.final).toEqual({ path: "status", equals: "finalized" })
  })

  test("the outcome-priced provider decodes", () => {
    const config = load(fixturePath("resolvly.config"))
    expect(Object.keys(config.usage)).toEqual(["x_resolved_tasks", "requests"])
    expect(config.prices[0]?.fees).toEqual({ x_resolved_tasks: "0.99" })
  })
})

describe("errors name the field", () => {
  const cases: Array<[string, unknown, string]> = [
    [
      "unknown field",
      { ...base, modle: "x" },
      "modle: unknown field (the generic adapter config does not have it)",
    ],
    ["missing field", { provider: "acme", usage: base.usage }, "model: Missing key"],
    [
      "bad provider id",
      { ...base, provider: "Acme Corp" },
      'provider: Expected a provider id in lower case, e.g. "acme-compute"',
    ],
    ["bad path", { ...base, requestId: "meta..id" }, "requestId: Expected a response path"],
    [
      "path and value together",
      { ...base, model: { path: "m", value: "x" } },
      'model: give either a "path" (with "optional") or a constant "value", not both',
    ],
    [
      "neither path nor value",
      { ...base, account: {} },
      'account: give a "path" into the response or a constant "value"',
    ],
    ["typo inside a spec", { ...base, region: { paht: "r" } }, "region.paht: unknown field"],
    [
      "optional model",
      { ...base, model: { path: "m", optional: true } },
      "model.optional: the model is required",
    ],
    [
      "unknown unit",
      { ...base, usage: { gpu_seconds: "u.s" } },
      "usage.gpu_seconds: not a usage unit",
    ],
    [
      "negative constant",
      { ...base, usage: { requests: { value: -1 } } },
      "usage.requests.value: Expected a value greater than or equal to 0",
    ],
    [
      "a constant currency that is not ISO 4217",
      { ...base, reportedCost: { amount: "cost", currency: { value: "usd" } } },
      'reportedCost.currency.value: expected an ISO 4217 currency such as "USD", got "usd"',
    ],
    ["no units", { ...base, usage: {} }, "usage: map at least one usage unit"],
    [
      "bad epoch",
      { ...base, observedAt: { path: "t", epoch: "minutes" } },
      'observedAt.epoch: Expected "seconds" | "milliseconds"',
    ],
    [
      "a price in the wrong table",
      {
        ...base,
        prices: [
          {
            provider: "acme",
            model: "m",
            validFrom: "2026-01-01",
            strategy: "TOKEN_BASED",
            currency: "USD",
            fees: { input_tokens: "1" },
          },
        ],
      },
      "prices[0].fees.input_tokens: not a fee unit",
    ],
    [
      "a price without the strategy's fee",
      {
        ...base,
        prices: [
          {
            provider: "acme",
            model: "m",
            validFrom: "2026-01-01",
            strategy: "COMPUTE_UNIT",
            currency: "USD",
          },
        ],
      },
      "prices[0].fees.compute_units: COMPUTE_UNIT needs a compute_units fee",
    ],
    [
      "a price for another provider",
      {
        ...base,
        prices: [
          {
            provider: "acme-eu",
            model: "m",
            validFrom: "2026-01-01",
            strategy: "TOKEN_BASED",
            currency: "USD",
          },
        ],
      },
      'prices[0].provider: "acme-eu" is not this adapter\'s provider "acme"',
    ],
    [
      "unknown URL placeholder",
      {
        ...base,
        settlement: {
          url: "https://x.example/jobs/{job_id}",
          amount: "a",
          currency: { value: "USD" },
        },
      },
      "settlement.url: unknown placeholder {job_id}",
    ],
    [
      "not a URL",
      {
        ...base,
        settlement: { url: "jobs/{provider_request_id}", amount: "a", currency: { value: "USD" } },
      },
      "settlement.url: not a URL",
    ],
    [
      "not http",
      {
        ...base,
        settlement: {
          url: "ftp://x.example/{provider_request_id}",
          amount: "a",
          currency: { value: "USD" },
        },
      },
      "settlement.url: must be an http(s) URL, got ftp:",
    ],
    [
      "header placeholder",
      {
        ...base,
        settlement: {
          url: "https://x.example/{provider_request_id}",
          headers: { authorization: "Bearer {API_KEY}" },
          amount: "a",
          currency: { value: "USD" },
        },
      },
      "settlement.headers.authorization: unknown placeholder {API_KEY} (headers may use {env.NAME})",
    ],
    [
      "final that equals an object",
      {
        ...base,
        settlement: {
          url: "https://x.example/{provider_request_id}",
          amount: "a",
          currency: { value: "USD" },
          final: { path: "s", equals: {} },
        },
      },
      "settlement.final.equals: Expected string | number | boolean",
    ],
    [
      "zero timeout",
      {
        ...base,
        settlement: {
          url: "https://x.example/{provider_request_id}",
          amount: "a",
          currency: { value: "USD" },
          timeoutMs: 0,
        },
      },
      "settlement.timeoutMs: Expected a value greater than 0",
    ],
  ]
  test.each(cases)("%s", (_name, input, message) => {
    expect(errorOf(input).message).toContain(`generic config: ${message}`)
  })

  test("a file that is not JSON names the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "agentcost-generic-"))
    const file = join(dir, "broken.json")
    writeFileSync(file, '{ "provider": "acme", }')
    expect(() => load(file)).toThrow(new RegExp(`^${file}: `))
  })

  test("a file's field errors name the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "agentcost-generic-"))
    const file = join(dir, "config.json")
    writeFileSync(file, JSON.stringify({ ...base, usage: { tokens: "u" } }))
    expect(() => load(file)).toThrow(`${file}: usage.tokens: not a usage unit`)
  })
})
