import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { it } from "@effect/vitest"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { answerRevision, getJson, parseRetryAfter } from "./HttpSettlement.ts"

// A loopback server whose answer each test picks by path.
type Handler = (req: IncomingMessage, res: ServerResponse) => void
const routes: Record<string, Handler> = {
  "/ok": (req, res) => {
    res.setHeader("content-type", "application/json")
    res.end(JSON.stringify({ auth: req.headers.authorization ?? null, total: 0.0123 }))
  },
  "/missing": (_req, res) => {
    res.statusCode = 404
    res.end('{"error":{"code":404,"message":"Generation not found"}}')
  },
  "/limited": (_req, res) => {
    res.statusCode = 429
    res.setHeader("retry-after", "7")
    res.end('{"error":{"code":429,"message":"Rate limit exceeded"}}')
  },
  "/limited-until": (_req, res) => {
    res.statusCode = 429
    res.setHeader("retry-after", "Thu, 01 Jan 1970 00:00:30 GMT")
    res.end("slow down")
  },
  "/broken": (_req, res) => {
    res.statusCode = 502
    res.end("<html>Bad Gateway</html>")
  },
  "/forbidden": (_req, res) => {
    res.statusCode = 401
    res.end('{"error":{"code":401,"message":"No auth credentials found"}}')
  },
  "/garbage": (_req, res) => {
    res.end("not json {")
  },
  "/slow": (_req, res) => {
    const timer = setTimeout(() => res.end("{}"), 2_000)
    res.on("close", () => clearTimeout(timer))
  },
}

const server = createServer((req, res) => {
  const handler = routes[new URL(req.url ?? "/", "http://x").pathname]
  if (handler) return handler(req, res)
  res.statusCode = 500
  res.end("no route")
})
let base = ""
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

const lookup = (
  path: string,
  extra: { timeoutMs?: number; headers?: Record<string, string> } = {},
) => getJson({ provider: "acme", url: `${base}${path}`, ...extra })

describe("getJson", () => {
  it.effect("returns the parsed body and sends the headers", () =>
    Effect.gen(function* () {
      const body = yield* lookup("/ok", { headers: { authorization: "Bearer k" } })
      expect(body).toEqual({ auth: "Bearer k", total: 0.0123 })
    }),
  )

  it.effect("404 is null: the provider has no answer yet", () =>
    Effect.gen(function* () {
      expect(yield* lookup("/missing")).toBeNull()
    }),
  )

  it.effect("429 is retryable with Retry-After in seconds", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/limited"))
      expect(error.retryable).toBe(true)
      expect(error.status).toBe(429)
      expect(error.retryAfterMs).toBe(7_000)
      expect(error.message).toContain("Rate limit exceeded")
    }),
  )

  // The test clock starts at the epoch, so an HTTP date 30 s after it is 30 000 ms away.
  it.effect("429 with Retry-After as an HTTP date is measured on the Effect clock", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/limited-until"))
      expect(error.retryAfterMs).toBe(30_000)
    }),
  )

  it.effect("5xx is retryable and quotes the body", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/broken"))
      expect(error.retryable).toBe(true)
      expect(error.status).toBe(502)
      expect(error.retryAfterMs).toBeUndefined()
      expect(error.message).toContain("<html>Bad Gateway</html>")
      expect(error.message).toContain("(HTTP 502)")
    }),
  )

  it.effect("other 4xx are not retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/forbidden"))
      expect(error.retryable).toBe(false)
      expect(error.status).toBe(401)
      expect(error.message).toContain("No auth credentials found")
    }),
  )

  it.effect("a body that is not JSON is not retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/garbage"))
      expect(error.retryable).toBe(false)
      expect(error.message).toContain('not JSON: "not json {"')
    }),
  )

  it.effect("a slow answer times out, retryable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(lookup("/slow", { timeoutMs: 100 }))
      expect(error.retryable).toBe(true)
      expect(error.status).toBeUndefined()
      expect(error.message).toContain("within 100 ms")
    }),
  )

  it.effect("a refused connection is retryable", () =>
    Effect.gen(function* () {
      // Port 9 (discard) on loopback: nothing listens there on a test machine.
      const error = yield* Effect.flip(
        getJson({ provider: "acme", url: "http://127.0.0.1:9/x", timeoutMs: 2_000 }),
      )
      expect(error.retryable).toBe(true)
      expect(error.message).toContain("failed")
    }),
  )
})

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-03T10:00:00Z")
  test("delay-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0)
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000)
  })
  test("an HTTP date, relative to now, never negative", () => {
    expect(parseRetryAfter("Tue, 03 Nov 2026 10:00:05 GMT", now)).toBe(5_000)
    expect(parseRetryAfter("Tue, 03 Nov 2026 09:00:00 GMT", now)).toBe(0)
  })
  test("absent or unreadable is undefined", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter("-3", now)).toBeUndefined()
    expect(parseRetryAfter("1.5", now)).toBeUndefined()
    expect(parseRetryAfter("2026-11-03T10:00:05Z", now)).toBeUndefined()
    expect(parseRetryAfter("soon", now)).toBeUndefined()
  })
})

describe("answerRevision", () => {
  test("the same fields in any order are one revision; a changed cost is another", () => {
    const a = answerRevision({ total_cost: 0.0015, is_byok: false })
    expect(answerRevision({ is_byok: false, total_cost: 0.0015 })).toBe(a)
    expect(answerRevision({ total_cost: 0.0016, is_byok: false })).not.toBe(a)
    expect(a).toMatch(/^sha256:[0-9a-f]{32}$/)
  })
})
