import { describe, expect, it } from "vitest"
import * as Attempts from "./Attempts.ts"

describe("Attempts", () => {
  it("a call after a failed call in its scope is the failed call's next attempt", () => {
    const scope: Attempts.Scope = { failed: undefined }
    const attempt1 = Attempts.next(scope, "m1")
    expect(attempt1).toEqual({ operationId: "m1", attempt: 1 })
    Attempts.fail(scope, attempt1)
    const attempt2 = Attempts.next(scope, "m2")
    expect(attempt2).toEqual({ operationId: "m1", attempt: 2 })
    Attempts.fail(scope, attempt2)
    expect(Attempts.next(scope, "m3")).toEqual({ operationId: "m1", attempt: 3 })
    // m3 succeeded: the next call is a new operation.
    expect(Attempts.next(scope, "m4")).toEqual({ operationId: "m4", attempt: 1 })
  })

  it("scopes are independent", () => {
    const step1: Attempts.Scope = { failed: undefined }
    const step2: Attempts.Scope = { failed: undefined }
    Attempts.fail(step1, Attempts.next(step1, "a"))
    expect(Attempts.next(step2, "b")).toEqual({ operationId: "b", attempt: 1 })
    expect(Attempts.next(step1, "c")).toEqual({ operationId: "a", attempt: 2 })
  })

  it("operation ids are unique in the process", () => {
    const ids = Array.from({ length: 1000 }, Attempts.newOperationId)
    expect(new Set(ids).size).toBe(1000)
    expect(ids[0]).toMatch(/^op_[0-9a-f]{12}_[0-9a-z]+$/)
  })
})
