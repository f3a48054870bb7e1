import { describe, expect, it } from "vitest"
import { formatOverheadTable, measureOverhead, median } from "./Overhead.ts"

/** A clock that only the variants move: each run costs what the variant says, settling what it deferred. */
const fakeClock = () => {
  let now = 0
  return {
    now: () => now,
    spend: (us: number) => async () => {
      now += us
    },
  }
}

describe("measureOverhead", () => {
  it("gives each variant's time per run and its ratio to the baseline, deferred work included", async () => {
    const clock = fakeClock()
    const rows = await measureOverhead(
      [
        { name: "bare", run: clock.spend(100) },
        { name: "attached", run: clock.spend(103), settle: clock.spend(20) },
      ],
      { rounds: 5, runsPerSample: 10, warmupRounds: 2, now: clock.now, order: (n) => n },
    )
    // 103 µs per run plus 20 µs of settling spread over the sample's 10 runs.
    expect(rows).toEqual([
      { name: "bare", usPerRun: 100, ratio: 1, totalRatio: 1, overheadUsPerRun: 0 },
      { name: "attached", usPerRun: 105, ratio: 1.05, totalRatio: 1.05, overheadUsPerRun: 5 },
    ])
  })

  it("runs every variant in every round, in the order it is given", async () => {
    const seen: Array<string> = []
    const clock = fakeClock()
    const variant = (name: string) => ({
      name,
      run: async () => {
        seen.push(name)
        await clock.spend(1)()
      },
    })
    await measureOverhead([variant("a"), variant("b"), variant("c")], {
      rounds: 2,
      runsPerSample: 1,
      now: clock.now,
      order: (names) => [...names].reverse(),
    })
    expect(seen).toEqual(["c", "b", "a", "c", "b", "a"])
  })

  it("refuses duplicate names and an empty list", async () => {
    const run = async () => undefined
    await expect(
      measureOverhead(
        [
          { name: "x", run },
          { name: "x", run },
        ],
        { rounds: 1, runsPerSample: 1 },
      ),
    ).rejects.toThrow("variant names must be unique")
    await expect(measureOverhead([], { rounds: 1, runsPerSample: 1 })).rejects.toThrow(
      "at least the baseline",
    )
  })

  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it("prints the ratios and the overhead per unit, aligned", () => {
    const table = formatOverheadTable(
      [
        { name: "bare", usPerRun: 300, ratio: 1, totalRatio: 1, overheadUsPerRun: 0 },
        { name: "middleware", usPerRun: 312, ratio: 1.04, totalRatio: 1.041, overheadUsPerRun: 12 },
      ],
      { unit: "call", unitsPerRun: 3 },
    )
    expect(table.split("\n")).toEqual([
      "variant     µs/run  median ratio  total ratio  µs/call",
      "bare           300        ×1.000       ×1.000     +0.0",
      "middleware     312        ×1.040       ×1.041     +4.0",
    ])
  })
})
