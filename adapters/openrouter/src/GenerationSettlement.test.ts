import { readFileSync } from "node:fs"
import { CostSignal, PricingRegistry } from "@agentcost/core"
import { type Loopback, loopback } from "@agentcost/core/test"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest"
import { generationSettlement, openrouter, settledCost } from "./index.ts"

const fixtureText = (name: string) =>
  readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8")
const fixture = (name: string): { [key: string]: unknown } => JSON.parse(fixtureText(name))

const API_KEY = "sk-or-v1-test"
// The correction scenario: OpenRouter re-rates a generation after the first answer.
let corrected = false
const requests: Array<string> = []

// Imitates GET /api/v1/generation?id=… with the endpoint's real answers.
let server: Loopback
beforeAll(async () => {
  server = await loopback((req, res, url) => {
    const id = url.searchParams.get("id") ?? ""
    requests.push(`${req.method} ${url.pathname}?id=${id}`)
    res.setHeader("content-type", "application/json")
    if (req.headers.authorization !== `Bearer ${API_KEY}`) {
      res.statusCode = 401
      return res.end('{"error":{"code":401,"message":"No cookie auth credentials found"}}')
    }
    if (url.pathname !== "/api/v1/generation") {
      res.statusCode = 404
      return res.end('{"error":{"code":404,"message":"Not Found"}}')
    }
    switch (id) {
      case "gen-1793700000-Vq3LxT8nKc2RbW5yHm7J":
        return res.end(fixtureText("generation"))
      case "gen-1793896803-Rb1CxM6kWs9ZnH3vJe7T":
        return res.end(fixtureText("generation-byok"))
      case "gen-corrected": {
        const body = fixture("generation")
        const data = body.data as { [key: string]: unknown }
        const cost = corrected ? 0.0003012 : 0.0003387
        return res.end(JSON.stringify({ data: { ...data, id, total_cost: cost, usage: cost } }))
      }
      case "gen-limited":
        res.statusCode = 429
        res.setHeader("retry-after", "3")
        return res.end(
          '{"error":{"code":429,"message":"Rate limit exceeded: limit_rpm/generation"}}',
        )
      case "gen-limited-until":
        res.statusCode = 429
        res.setHeader("retry-after", "Thu, 01 Jan 1970 00:01:00 GMT")
        return res.end('{"error":{"code":429,"message":"Rate limit exceeded"}}')
      case "gen-down":
        res.statusCode = 500
        return res.end('{"error":{"code":500,"message":"Internal Server Error"}}')
      case "gen-slow": {
        const timer = setTimeout(() => res.end(fixtureText("generation")), 2_000)
        res.on("close", () => clearTimeout(timer))
        return
      }
      case "gen-malformed":
        return res.end(JSON.stringify({ data: { id, total_cost: "0.0003387" } }))
      case "gen-no-data":
        return res.end(JSON.stringify({ error: null }))
      case "gen-byok-no-upstream": {
        const data = fixture("generation-byok").data as { [key: string]: unknown }
        return res.end(JSON.stringify({ data: { ...data, upstream_inference_cost: null } }))
      }
      case "gen-html":
        return res.end("<!DOCTYPE html><title>OpenRouter</title>")
      default:
        // The stats are not written yet (or never will be for this id).
        res.statusCode = 404
        return res.end(`{"error":{"code":404,"message":"Generation ${id} not found"}}`)
    }
  })
})
afterAll(() => server.close())

const source = (extra: { timeoutMs?: number; apiKey?: string } = {}) =>
  generationSettlement({ apiKey: API_KEY, baseUrl: `${server.url}/`, ...extra })

const pricer = new PricingRegistry.Pricer({})
const signalFor = (id: string | null): CostSignal.CostSignal =>
  CostSignal.fromCall(
    pricer,
    "openrouter",
    { ...openrouter().normalize(fixture("plain")), providerRequestId: id },
    {},
    Date.parse("2026-12-01T00:00:00Z"),
  )

describe("generation settlement against a loopback endpoint", () => {
  it.effect("settles at data.total_cost", () =>
    Effect.gen(function* () {
      const signal = signalFor("gen-1793700000-Vq3LxT8nKc2RbW5yHm7J")
      const settled = yield* source().lookup(signal)
      expect(settled).toEqual({
        amount: "0.0003387",
        currency: "USD",
        revision: expect.stringMatching(/^sha256:[0-9a-f]{32}$/),
      })
      expect(requests).toContain("GET /api/v1/generation?id=gen-1793700000-Vq3LxT8nKc2RbW5yHm7J")
    }),
  )

  it.effect("BYOK: OpenRouter's fee plus the upstream inference cost", () =>
    Effect.gen(function* () {
      const settled = yield* source().lookup(signalFor("gen-1793896803-Rb1CxM6kWs9ZnH3vJe7T"))
      // 0.0004868 + 0.009736 = 0.0102228, the same figure normalize booked for this call.
      expect(settled?.amount).toBe("0.0102228")
    }),
  )

  it.effect("the same answer twice is one revision; a correction is a new one", () =>
    Effect.gen(function* () {
      const signal = signalFor("gen-corrected")
      const first = yield* source().lookup(signal)
      const again = yield* source().lookup(signal)
      corrected = true
      const correction = yield* source().lookup(signal)
      expect(again?.revision).toBe(first?.revision)
      expect(correction?.amount).toBe("0.0003012")
      expect(correction?.revision).not.toBe(first?.revision)
    }),
  )

  it.effect("404 while the stats are not written yet: null, the cost stays pending", () =>
    Effect.gen(function* () {
      expect(yield* source().lookup(signalFor("gen-1794400000-NotYetWritten00000"))).toBeNull()
    }),
  )

  it.effect("429 is retryable after Retry-After seconds", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(source().lookup(signalFor("gen-limited")))
      expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 3_000 })
      expect(error.message).toContain("limit_rpm/generation")
    }),
  )

  it.effect("429 with an HTTP-date Retry-After (test clock at the epoch)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(source().lookup(signalFor("gen-limited-until")))
      expect(error.retryAfterMs).toBe(60_000)
    }),
  )

  it.effect("500 is retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(source().lookup(signalFor("gen-down")))
      expect(error).toMatchObject({ retryable: true, status: 500 })
    }),
  )

  it.effect("a slow endpoint times out, retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(source({ timeoutMs: 150 }).lookup(signalFor("gen-slow")))
      expect(error.retryable).toBe(true)
      expect(error.message).toContain("within 150 ms")
    }),
  )

  it.effect("a wrong key is refused, not retried", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        source({ apiKey: "sk-or-v1-wrong" }).lookup(
          signalFor("gen-1793700000-Vq3LxT8nKc2RbW5yHm7J"),
        ),
      )
      expect(error).toMatchObject({ retryable: false, status: 401 })
    }),
  )

  it.effect("malformed answers are not retryable and name the field", () =>
    Effect.gen(function* () {
      const wrongType = yield* Effect.flip(source().lookup(signalFor("gen-malformed")))
      expect(wrongType.retryable).toBe(false)
      expect(wrongType.message).toBe(
        'openrouter settlement: data.total_cost: expected a non-negative amount, got "0.0003387"',
      )
      const noData = yield* Effect.flip(source().lookup(signalFor("gen-no-data")))
      expect(noData.message).toContain("data: missing")
      const byok = yield* Effect.flip(source().lookup(signalFor("gen-byok-no-upstream")))
      expect(byok.message).toContain("data.upstream_inference_cost: missing on a BYOK generation")
      const html = yield* Effect.flip(source().lookup(signalFor("gen-html")))
      expect(html.retryable).toBe(false)
      expect(html.message).toContain("not JSON")
    }),
  )

  it.effect("without an API key the lookup fails at once, without a request", () =>
    Effect.gen(function* () {
      vi.stubEnv("OPENROUTER_API_KEY", "")
      const before = requests.length
      const error = yield* Effect.flip(
        generationSettlement({ baseUrl: server.url }).lookup(signalFor("gen-1")),
      )
      vi.unstubAllEnvs()
      expect(error.retryable).toBe(false)
      expect(error.message).toContain("OPENROUTER_API_KEY")
      expect(requests.length).toBe(before)
    }),
  )
})

describe("accepts", () => {
  test("OpenRouter signals with a generation id only", () => {
    const settlement = source()
    expect(settlement.accepts(signalFor("gen-1"))).toBe(true)
    expect(settlement.accepts(signalFor(null))).toBe(false)
    expect(settlement.accepts({ ...signalFor("gen-1"), provider: "openai" })).toBe(false)
  })

  test("the adapter carries the source", () => {
    expect(openrouter({ apiKey: API_KEY }).settlement?.provider).toBe("openrouter")
  })
})

describe("settledCost", () => {
  test("reads the documented shape", () => {
    expect(settledCost(fixture("generation")).amount).toBe("0.0003387")
    expect(settledCost(fixture("generation-byok")).amount).toBe("0.0102228")
  })
})
