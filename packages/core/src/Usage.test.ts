import { describe, expect, it } from "vitest"
import * as Usage from "./Usage.ts"

const invalid = (record: { readonly [unit: string]: unknown }): Usage.InvalidUsage => {
  try {
    Usage.make(record)
  } catch (error) {
    expect(error).toBeInstanceOf(Usage.InvalidUsage)
    return error as Usage.InvalidUsage
  }
  throw new Error(`expected ${JSON.stringify(record)} to be rejected`)
}

describe("Usage.make", () => {
  it("keeps every canonical unit and x_* custom units", () => {
    const record = {
      input_tokens: 1200,
      cache_read_tokens: 800,
      cache_write_tokens: 10,
      cache_write_1h_tokens: 11,
      output_tokens: 300,
      reasoning_tokens: 200,
      input_audio_tokens: 1,
      output_audio_tokens: 2,
      input_image_tokens: 3,
      web_search_requests: 4,
      tool_calls: 5,
      rag_queries: 6,
      requests: 7,
      compute_units: 8,
      x_structured_objects: 9,
      x_resolved_tasks_2: 12,
    }
    expect(Usage.make(record)).toEqual(record)
  })

  it("drops zero, null and undefined counts, so an empty bucket never needs a price", () => {
    expect(
      Usage.make({ input_tokens: 5, output_tokens: 0, reasoning_tokens: null, x_a: undefined }),
    ).toEqual({ input_tokens: 5 })
  })

  it("accepts fractional compute_units only", () => {
    expect(Usage.make({ compute_units: 1234.5 })).toEqual({ compute_units: 1234.5 })
    const error = invalid({ output_tokens: 1.5 })
    expect(error.unit).toBe("output_tokens")
    expect(error.message).toBe("usage.output_tokens: count must be a whole number (1.5)")
    expect(invalid({ x_resolved_tasks: 0.5 }).message).toBe(
      "usage.x_resolved_tasks: count must be a whole number (0.5)",
    )
  })

  it("rejects an unknown unit, naming it", () => {
    expect(invalid({ prompt_tokens: 10 }).message).toBe(
      "usage.prompt_tokens: unknown unit (use a canonical unit or a custom x_<name> unit)",
    )
    // Custom units are lower-case x_<name>; a bare prefix or capitals are not.
    expect(invalid({ x_: 1 }).unit).toBe("x_")
    expect(invalid({ x_Objects: 1 }).unit).toBe("x_Objects")
  })

  it("rejects negative, infinite and non-number counts, naming the unit", () => {
    expect(invalid({ cache_read_tokens: -1 }).message).toBe(
      "usage.cache_read_tokens: count is negative (-1)",
    )
    expect(invalid({ compute_units: -0.5 }).message).toBe(
      "usage.compute_units: count is negative (-0.5)",
    )
    expect(invalid({ output_tokens: Number.POSITIVE_INFINITY }).message).toBe(
      "usage.output_tokens: count is not finite",
    )
    expect(invalid({ compute_units: Number.NEGATIVE_INFINITY }).message).toBe(
      "usage.compute_units: count is not finite",
    )
    expect(invalid({ input_tokens: "12" }).message).toBe(
      'usage.input_tokens: expected a number, got "12"',
    )
  })

  it("rejects NaN, naming the unit", () => {
    const error = invalid({ reasoning_tokens: Number.NaN })
    expect(error.unit).toBe("reasoning_tokens")
    expect(error.message.startsWith("usage.reasoning_tokens: ")).toBe(true)
  })

  it("says NaN, not null, when the count is NaN", () => {
    expect(invalid({ reasoning_tokens: Number.NaN }).message).toContain("NaN")
  })
})

describe("Usage arithmetic", () => {
  const usage = Usage.make({
    input_tokens: 100,
    cache_read_tokens: 20,
    cache_write_tokens: 3,
    cache_write_1h_tokens: 4,
    input_audio_tokens: 5,
    input_image_tokens: 6,
    output_tokens: 50,
    reasoning_tokens: 7,
    output_audio_tokens: 8,
    web_search_requests: 2,
  })

  it("sums every input bucket for inputTokens", () => {
    // 100 + 20 + 3 + 4 + 5 + 6
    expect(Usage.inputTokens(usage)).toBe(138)
  })

  it("sums every token bucket (never counted events) for totalTokens", () => {
    // 138 input + 50 + 7 + 8 output
    expect(Usage.totalTokens(usage)).toBe(203)
  })

  it("adds bucket by bucket", () => {
    expect(Usage.add({ input_tokens: 1, x_a: 2 }, { input_tokens: 10, output_tokens: 3 })).toEqual({
      input_tokens: 11,
      x_a: 2,
      output_tokens: 3,
    })
  })
})
