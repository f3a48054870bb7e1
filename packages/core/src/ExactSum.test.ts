import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ExactSum, price } from "./ExactSum.ts"
import * as Money from "./Money.ts"

/** What decimal.js alone gives for the same terms. */
const decimalSum = (terms: ReadonlyArray<readonly [Money.Decimal, number]>): string =>
  Money.format(Money.sum(terms.map(([rate, count]) => rate.times(count))))

const exactSum = (terms: ReadonlyArray<readonly [Money.Decimal, number]>): ExactSum => {
  const sum = new ExactSum()
  for (const [rate, count] of terms) sum.add(price(rate), count)
  return sum
}

// Per-million rates with up to 12 decimals, divided as the price book does:
// per-token scales up to 18, so products cross 2^53 often.
const rate = fc
  .tuple(fc.bigInt(0n, 10n ** 15n), fc.integer({ min: 0, max: 12 }))
  .map(([digits, scale]) => new Money.Decimal(`${digits}e-${scale}`).div(1_000_000))
const count = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  // Compute units are fractional: always the decimal path.
  fc.double({ min: 0, max: 1e6, noNaN: true }),
)

describe("ExactSum", () => {
  it("sums rate × count to exactly what decimal.js gives, on either side of 2^53", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(rate, count), { maxLength: 12 }), (terms) => {
        const sum = exactSum(terms)
        expect(sum.toString()).toBe(decimalSum(terms))
        expect(Money.format(sum.toDecimal())).toBe(decimalSum(terms))
      }),
      { numRuns: 2_000 },
    )
  })

  it("writes plain decimal strings: no exponent, no trailing zeros, 0 for nothing", () => {
    const sum = (rateText: string, n: number) => exactSum([[Money.decimal(rateText), n]]).toString()
    expect(new ExactSum().toString()).toBe("0")
    expect(sum("0.00000125", 800)).toBe("0.001")
    expect(sum("0.00000125", 3)).toBe("0.00000375")
    expect(sum("2.5", 4)).toBe("10")
    expect(sum("0", 1_000)).toBe("0")
    // Past 2^53 it is decimal.js's own result.
    expect(sum("0.000000000000000001", Number.MAX_SAFE_INTEGER)).toBe("0.009007199254740991")
    expect(sum("123456789.123", 1e9)).toBe("123456789123000000")
    expect(sum("3", 3_002_399_751_580_331)).toBe("9007199254740993")
    // Two safe terms whose sum is not: a double would round it to 2^53.
    const pair = exactSum([
      [Money.decimal("1"), Number.MAX_SAFE_INTEGER],
      [Money.decimal("1"), 2],
    ])
    expect(pair.toString()).toBe("9007199254740993")
  })

  it("keeps a rate that has no safe scaled form on the decimal path", () => {
    const long = Money.decimal("0.1234567890123456789")
    expect(Number.isNaN(price(long).units)).toBe(true)
    expect(exactSum([[long, 3]]).toString()).toBe("0.3703703670370370367")
  })
})
