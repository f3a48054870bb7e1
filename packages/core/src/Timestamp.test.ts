import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { iso } from "./Timestamp.ts"

describe("Timestamp.iso", () => {
  it("formats every instant exactly as Date#toISOString", () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(iso(ms)).toBe(new Date(ms).toISOString())
      }),
      { numRuns: 20_000 },
    )
  })

  it("formats consecutive instants of one minute, and its edges, from the cached prefix", () => {
    const start = Date.UTC(2026, 11, 3, 19, 59, 0)
    for (const ms of [start - 1, start, start + 999, start + 59_999, start + 60_000, 0, -1]) {
      expect(iso(ms)).toBe(new Date(ms).toISOString())
    }
  })
})
