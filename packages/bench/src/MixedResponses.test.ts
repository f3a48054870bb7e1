import { describe, expect, test } from "vitest"
import * as GenaiPrices from "./GenaiPrices.ts"
import * as MixedResponses from "./MixedResponses.ts"

describe("the mixed set", () => {
  const { responses, skipped } = MixedResponses.load()

  test("every adapter contributes, and no error body is priced", () => {
    for (const { provider } of MixedResponses.ADAPTERS) {
      expect(responses.some((r) => r.adapter.provider === provider)).toBe(true)
      expect(skipped.map((s) => s.id)).toContain(`${provider}/error`)
    }
    expect(responses.map((r) => r.id)).not.toContain("openai/error")
  })

  test("settlement bodies (OpenRouter generation stats) are not responses", () => {
    expect(skipped.map((s) => s.id)).toEqual(
      expect.arrayContaining(["openrouter/generation", "openrouter/generation-byok"]),
    )
  })

  test("genai-prices reads the inner body of a Batch line and a Responses stream event", () => {
    const byId = (id: string) => responses.find((r) => r.id === id)!
    const batch = GenaiPrices.inputFor(byId("openai/batch-output-line"), 0)
    expect(batch.apiFlavor).toBe("chat")
    expect(GenaiPrices.price(batch).usage.input_tokens).toBe(2000)
    const event = GenaiPrices.inputFor(byId("openai/responses-completed-event"), 0)
    expect(event.apiFlavor).toBe("responses")
    // 1000 uncached + 8000 read + 3000 written: genai-prices' input is the total.
    expect(GenaiPrices.price(event).usage.input_tokens).toBe(12000)
  })

  test("a stream is merged before genai-prices reads it, keeping the start's 1h cache split", () => {
    const stream = responses.find((r) => r.id === "anthropic/stream-events")!
    const usage = GenaiPrices.price(GenaiPrices.inputFor(stream, 0)).usage
    // 472 uncached + 1024 written (all with the 1h TTL), 89 out from the final message_delta.
    expect(usage).toMatchObject({
      input_tokens: 1496,
      cache_write_1h_tokens: 1024,
      output_tokens: 89,
    })
  })
})
