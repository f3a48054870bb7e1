import { Ledger } from "@agentcost/core"
import { it } from "@effect/vitest"
import { Duration, Effect, Fiber, Sink, Stdio } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect } from "vitest"
import { watch } from "./settle.ts"

describe("settle --watch", () => {
  it.effect("reports a failed pass on stderr and runs the next one", () =>
    Effect.gen(function* () {
      const stderr: Array<string> = []
      const stdio = Stdio.layerTest({
        stderr: () =>
          Sink.forEachArray((chunks: ReadonlyArray<string | Uint8Array>) =>
            Effect.sync(() => {
              for (const chunk of chunks) stderr.push(String(chunk))
            }),
          ),
      })
      let passes = 0
      // The store is down for the first pass, back for the ones after.
      const pass = Effect.suspend(() =>
        ++passes === 1
          ? Effect.fail(
              new Ledger.LedgerError({ operation: "claim", reason: "connection refused" }),
            )
          : Effect.void,
      )
      const worker = yield* Effect.forkChild(
        watch(pass, Duration.seconds(30)).pipe(Effect.provide(stdio)),
      )
      yield* TestClock.adjust("61 seconds")
      expect(passes).toBe(3)
      expect(stderr.join("")).toContain(
        "pass failed: ledger claim: connection refused; next pass in 30s",
      )
      yield* Fiber.interrupt(worker)
    }),
  )
})
