import { describe, expect, it } from "vitest"
import { benchRow, formatBenchTable } from "./Bench.ts"

describe("bench report", () => {
  it("turns a batch task's mean latency into operations per second", () => {
    // 1000 operations per call, 2 ms per call -> 500,000 ops/s.
    const task = { name: "price", result: { state: "completed", latency: { mean: 2 } } }
    expect(benchRow(task, 1000)).toEqual({ name: "price", opsPerSecond: 500_000 })
  })

  it("refuses a task without a measurement", () => {
    expect(() => benchRow({ name: "broken", result: { state: "errored" } })).toThrow(
      'bench task "broken" has no measurement (state errored)',
    )
  })

  it("prints name, ops/s and the ratio to the baseline, aligned", () => {
    const table = formatBenchTable(
      [
        { name: "baseline", opsPerSecond: 20_000_000 },
        { name: "Pricer.price", opsPerSecond: 500_000 },
        { name: "fast", opsPerSecond: 400_000_000 },
      ],
      "baseline",
    )
    expect(table.split("\n")).toEqual([
      "name                ops/s  ×baseline",
      "baseline       20,000,000      1.00×",
      "Pricer.price      500,000     0.025×",
      "fast          400,000,000      20.0×",
    ])
    expect(() => formatBenchTable([], "baseline")).toThrow('no bench row named "baseline"')
  })
})
