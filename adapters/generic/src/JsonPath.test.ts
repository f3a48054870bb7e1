import { describe, expect, test } from "vitest"
import { isPath, resolve, segments } from "./JsonPath.ts"

describe("path syntax", () => {
  test("keys, indexes, and both", () => {
    expect(segments("meta.request_id")).toEqual(["meta", "request_id"])
    expect(segments("usage.units[0].count")).toEqual(["usage", "units", 0, "count"])
    expect(segments("[2].id")).toEqual([2, "id"])
    expect(segments("grid[1][10]")).toEqual(["grid", 1, 10])
    expect(segments("x-request-id")).toEqual(["x-request-id"])
  })

  test("malformed paths are rejected", () => {
    for (const bad of ["", ".a", "a.", "a..b", "a[x]", "a[", "a]", "a[-1]", "a.[0]", "a[0]b"]) {
      expect(isPath(bad), bad).toBe(false)
    }
    for (const good of ["a", "a.b", "a[0]", "[0]", "a[0][1].b", "usage.units[0].count"]) {
      expect(isPath(good), good).toBe(true)
    }
  })
})

describe("resolve", () => {
  const body = {
    meta: { request_id: "req_1", zero: 0, empty: "", gone: null },
    usage: { units: [{ count: 12 }, { count: 3.5 }] },
  }
  const at = (path: string) => resolve(body, segments(path))

  test("finds values, including falsy ones", () => {
    expect(at("meta.request_id")).toEqual({ found: true, value: "req_1" })
    expect(at("usage.units[1].count")).toEqual({ found: true, value: 3.5 })
    expect(at("meta.zero")).toEqual({ found: true, value: 0 })
    expect(at("meta.empty")).toEqual({ found: true, value: "" })
  })

  test("says where the walk stopped", () => {
    expect(at("meta.id")).toEqual({ found: false, missing: 'meta has no "id"' })
    expect(at("usage.units[2].count")).toEqual({ found: false, missing: "usage.units has no [2]" })
    expect(at("meta[0]")).toEqual({ found: false, missing: "meta is not an array" })
    expect(at("usage.units.count")).toEqual({
      found: false,
      missing: "usage.units is not an object",
    })
    expect(at("meta.gone.value")).toEqual({ found: false, missing: "meta.gone is null" })
    expect(at("meta.gone")).toEqual({ found: false, missing: "meta.gone is null" })
    expect(resolve("text", segments("a"))).toEqual({
      found: false,
      missing: "the response is not an object",
    })
  })

  test("inherited properties are not response fields", () => {
    expect(at("meta.toString")).toEqual({ found: false, missing: 'meta has no "toString"' })
  })
})
