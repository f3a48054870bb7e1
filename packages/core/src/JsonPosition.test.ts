import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { errorOffset, lineOf } from "./JsonPosition.ts"

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

describe("JsonPosition.errorOffset", () => {
  it.each([
    ['{"a": 1}', -1],
    ['{\n  "a": 1,\n  "b": }\n', 19],
    ["[1, 2,]", 6],
    ['{"a" 1}', 5],
    ["", 0],
    ["  ", 2],
    ['{"a": tru}', 6],
    ['"\\x"', 2],
    ["01", 1],
    ["[1] x", 4],
    ['{"a": [1, {"b": null}]', 22],
  ])("%j → %i", (text, offset) => {
    expect(errorOffset(text)).toBe(offset)
  })

  it("agrees with JSON.parse on valid documents", () => {
    fc.assert(fc.property(fc.json(), (text) => errorOffset(text) === -1))
  })

  it("agrees with JSON.parse on arbitrary text, and points inside it", () => {
    const nearJson = fc.stringMatching(/^[\s{}[\]",:0-9a-z.\\-]{0,24}$/)
    fc.assert(
      fc.property(nearJson, (text) => {
        const offset = errorOffset(text)
        return parses(text) ? offset === -1 : offset >= 0 && offset <= text.length
      }),
      { numRuns: 2000 },
    )
  })
})

describe("JsonPosition.lineOf", () => {
  it("counts newlines before the offset", () => {
    expect(lineOf("a\nb\nc", 0)).toBe(1)
    expect(lineOf("a\nb\nc", 2)).toBe(2)
    expect(lineOf("a\nb\nc", 4)).toBe(3)
  })
})
