import { readFileSync } from "node:fs"
import { CostSignal, PricingRegistry } from "@agentcost/core"
import { type Loopback, loopback } from "@agentcost/core/test"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { generic } from "./index.ts"

type Json = { [key: string]: unknown }
const fixtureText = (name: string) =>
  readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8")
const fixture = (name: string): Json => JSON.parse(fixtureText(name))

const FORGE_KEY = "fk_live_test"
const RESOLVLY_KEY = "rk_test"
// Answers the endpoint gives per job id; the test changes them to play a job's lifecycle.
const forgeAnswers = new Map<string, { status: number; body: string; headers?: Json }>()
let resolvlyFinal = "resolvly.charges-provisional"
const seen: Array<{ url: string; auth: string | undefined }> = []

let server: Loopback
beforeAll(async () => {
  server = await loopback((req, res, url) => {
    seen.push({
      url: `${url.pathname}${url.search}`,
      auth: req.headers.authorization ?? (req.headers["x-api-key"] as string | undefined),
    })
    res.setHeader("content-type", "application/json")
    const forgeJob = /^\/v1\/jobs\/([^/]+)\/cost$/.exec(url.pathname)?.[1]
    if (forgeJob !== undefined) {
      if (req.headers.authorization !== `Bearer ${FORGE_KEY}`) {
        res.statusCode = 401
        return res.end('{"error":"invalid_api_key"}')
      }
      const id = decodeURIComponent(forgeJob)
      if (id === "job_slow") {
        const timer = setTimeout(() => res.end(fixtureText("forge-compute.cost-final")), 2_000)
        res.on("close", () => clearTimeout(timer))
        return
      }
      const answer = forgeAnswers.get(id)
      if (!answer) {
        res.statusCode = 404
        return res.end(`{"error":"job ${id} not found"}`)
      }
      res.statusCode = answer.status
      for (const [name, value] of Object.entries(answer.headers ?? {}))
        res.setHeader(name, String(value))
      return res.end(answer.body)
    }
    const conversation = /^\/v2\/conversations\/([^/]+)\/charges$/.exec(url.pathname)?.[1]
    if (conversation !== undefined && req.headers["x-api-key"] === RESOLVLY_KEY) {
      return res.end(fixtureText(resolvlyFinal))
    }
    res.statusCode = 404
    res.end('{"error":"not_found"}')
  })
})
afterAll(() => server.close())

/** The example configs, pointed at the loopback server instead of the provider. */
const onLoopback = (name: string, path: string): Json => {
  const config = fixture(name)
  const settlement = config.settlement as Json
  return { ...config, settlement: { ...settlement, url: `${server.url}${path}` } }
}
const env = { FORGE_API_KEY: FORGE_KEY, RESOLVLY_API_KEY: RESOLVLY_KEY }
const forge = () =>
  generic(onLoopback("forge-compute.config", "/v1/jobs/{provider_request_id}/cost"), { env })
const resolvly = () =>
  generic(onLoopback("resolvly.config", "/v2/conversations/{provider_request_id}/charges"), { env })

const NOW = Date.parse("2026-12-01T00:00:00Z")
const forgeSignal = (jobId: string): CostSignal.CostSignal => {
  const adapter = forge()
  const raw = fixture("forge-compute.response")
  const call = adapter.normalize({ ...raw, job: { ...(raw.job as Json), id: jobId } })
  return CostSignal.fromCall(
    new PricingRegistry.Pricer({ shipped: [adapter.defaultPrices] }),
    adapter.provider,
    call,
    {},
    NOW,
  )
}
const lookupForge = (jobId: string, answer?: { status: number; body: string; headers?: Json }) => {
  if (answer) forgeAnswers.set(jobId, answer)
  return forge().settlement!.lookup(forgeSignal(jobId))
}

describe("compute-unit provider: cost by job", () => {
  it.effect("still metering: not final yet, null", () =>
    Effect.gen(function* () {
      const settled = yield* lookupForge("job_a", {
        status: 200,
        body: fixtureText("forge-compute.cost-metering"),
      })
      expect(settled).toBeNull()
      expect(seen.at(-1)).toEqual({ url: "/v1/jobs/job_a/cost", auth: `Bearer ${FORGE_KEY}` })
    }),
  )

  it.effect("finalized: amount, currency and the provider's revision", () =>
    Effect.gen(function* () {
      const settled = yield* lookupForge("job_b", {
        status: 200,
        body: fixtureText("forge-compute.cost-final"),
      })
      // 6.4 units × $0.0004 = $0.00256, against the $0.00246 estimated at call time.
      expect(settled).toEqual({ amount: "0.00256", currency: "USD", revision: "rev_2" })
    }),
  )

  it.effect("the job id is URL-encoded into the template", () =>
    Effect.gen(function* () {
      yield* lookupForge("job/with space", {
        status: 200,
        body: fixtureText("forge-compute.cost-final"),
      })
      expect(seen.at(-1)?.url).toBe("/v1/jobs/job%2Fwith%20space/cost")
    }),
  )

  it.effect("404 before the job is known to the cost API: null", () =>
    Effect.gen(function* () {
      expect(yield* lookupForge("job_unknown")).toBeNull()
    }),
  )

  it.effect("429 is retryable after Retry-After", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        lookupForge("job_c", {
          status: 429,
          body: '{"error":"rate_limited"}',
          headers: { "retry-after": "12" },
        }),
      )
      expect(error).toMatchObject({
        provider: "forge-compute",
        retryable: true,
        status: 429,
        retryAfterMs: 12_000,
      })
    }),
  )

  it.effect("503 is retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        lookupForge("job_d", { status: 503, body: '{"error":"maintenance"}' }),
      )
      expect(error).toMatchObject({ retryable: true, status: 503 })
    }),
  )

  it.effect("a slow answer times out (config timeoutMs), retryable", () =>
    Effect.gen(function* () {
      const config = onLoopback("forge-compute.config", "/v1/jobs/{provider_request_id}/cost")
      const fast = generic(
        { ...config, settlement: { ...(config.settlement as Json), timeoutMs: 120 } },
        { env },
      )
      const error = yield* Effect.flip(fast.settlement!.lookup(forgeSignal("job_slow")))
      expect(error.retryable).toBe(true)
      expect(error.message).toContain("within 120 ms")
    }),
  )

  it.effect("a malformed answer names the path and is not retried", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({
        status: "finalized",
        cost: { amount: "n/a", currency: "USD", revision: "rev_3" },
      })
      const error = yield* Effect.flip(lookupForge("job_e", { status: 200, body }))
      expect(error.retryable).toBe(false)
      expect(error.message).toBe(
        'forge-compute settlement: cost.amount: expected a non-negative amount, got "n/a"',
      )
      const noStatus = yield* Effect.flip(lookupForge("job_f", { status: 200, body: "{}" }))
      expect(noStatus.message).toContain('status: missing (the response has no "status")')
      const noCurrency = yield* Effect.flip(
        lookupForge("job_g", {
          status: 200,
          body: JSON.stringify({ status: "finalized", cost: { amount: 1, revision: "r" } }),
        }),
      )
      expect(noCurrency.message).toContain("cost.currency: missing")
    }),
  )

  it.effect("a missing API key variable fails without a request", () =>
    Effect.gen(function* () {
      const before = seen.length
      const adapter = generic(
        onLoopback("forge-compute.config", "/v1/jobs/{provider_request_id}/cost"),
        { env: {} },
      )
      const error = yield* Effect.flip(adapter.settlement!.lookup(forgeSignal("job_b")))
      expect(error.retryable).toBe(false)
      expect(error.message).toBe(
        "forge-compute settlement: settlement.headers.authorization: environment variable FORGE_API_KEY is not set",
      )
      expect(seen.length).toBe(before)
    }),
  )
})

describe("outcome-priced provider: charges per conversation", () => {
  it.effect("provisional inside the reopen window, then final with one resolution billed", () =>
    Effect.gen(function* () {
      const source = resolvly().settlement!
      const raw = fixture("resolvly.response")
      const adapter = resolvly()
      const signal = CostSignal.fromCall(
        new PricingRegistry.Pricer({ shipped: [adapter.defaultPrices] }),
        adapter.provider,
        adapter.normalize(raw),
        {},
        NOW,
      )
      expect(signal.base_cost).toBe("1.98")
      resolvlyFinal = "resolvly.charges-provisional"
      expect(yield* source.lookup(signal)).toBeNull()
      resolvlyFinal = "resolvly.charges-final"
      const settled = yield* source.lookup(signal)
      const again = yield* source.lookup(signal)
      // One of the two resolutions was reopened: 1 × $0.99.
      expect(settled).toEqual({
        amount: "0.99",
        currency: "USD",
        outcomeFee: "0.99",
        revision: expect.stringMatching(/^sha256:[0-9a-f]{32}$/),
      })
      expect(again?.revision).toBe(settled?.revision)
      expect(seen.at(-1)).toEqual({
        url: "/v2/conversations/conv_7Hq2LmX9aB4tR8vK/charges",
        auth: RESOLVLY_KEY,
      })
    }),
  )
})

describe("accepts", () => {
  test("the provider's signals that carry every field the URL needs", () => {
    const source = forge().settlement!
    expect(source.accepts(forgeSignal("job_b"))).toBe(true)
    expect(source.accepts({ ...forgeSignal("job_b"), provider_request_id: null })).toBe(false)
    expect(source.accepts({ ...forgeSignal("job_b"), provider: "resolvly" })).toBe(false)
  })
})

describe("revision without a provider revision", () => {
  test("a hash of the answer's cost fields: a correction is a new revision", async () => {
    const { settledCost } = await import("./index.ts")
    const settlement = {
      url: "https://x.example/{provider_request_id}",
      amount: "total",
      currency: { value: "USD" },
    }
    const first = settledCost("acme", settlement, { total: "1.50" })
    expect(settledCost("acme", settlement, { total: "1.50", note: "unrelated" })?.revision).toBe(
      first?.revision,
    )
    expect(settledCost("acme", settlement, { total: "1.25" })?.revision).not.toBe(first?.revision)
    expect(settledCost("acme", settlement, { total: 1.5 })?.amount).toBe("1.5")
  })
})
