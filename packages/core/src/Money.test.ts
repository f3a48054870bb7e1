import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { scaledToString, stringToScaled } from "./__fixtures__/scaledDecimal.ts"
import * as Money from "./Money.ts"

const PLAIN = /^-?\d+(\.\d+)?$/

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (error) {
    return error
  }
  throw new Error("expected a throw")
}

const formatAll = (amounts: ReadonlyArray<Money.Decimal>) => amounts.map(Money.format)

describe("Money.sum", () => {
  it("sums 10,000 random per-call costs exactly (the integer-scaled sum)", () => {
    // A per-token price with 20 decimal places (up to $0.0001/token) times a
    // count up to 10M: each cost has ~23 significant digits and the sum ~27,
    // more than decimal.js's default 20, so only the 40-digit clone is exact.
    const call = fc.tuple(fc.bigInt(0n, 10n ** 16n), fc.integer({ min: 0, max: 10_000_000 }))
    fc.assert(
      fc.property(fc.array(call, { minLength: 10_000, maxLength: 10_000 }), (calls) => {
        const costs = calls.map(([price, count]) =>
          Money.decimal(scaledToString(price, 20)).times(count),
        )
        const expected = calls.reduce((acc, [price, count]) => acc + price * BigInt(count), 0n)
        expect(Money.format(Money.sum(costs))).toBe(scaledToString(expected, 20))
      }),
      // Shrinking 10,000-element arrays takes minutes; the first counterexample is enough.
      { numRuns: 10, endOnFailure: true },
    )
  })

  it("keeps digits that a 20-digit decimal would round away", () => {
    // 12345678901234567890.1 has 21 significant digits; + 0.00000000000000000001 is 41.
    const total = Money.sum([
      Money.decimal("12345678901234567890"),
      Money.decimal("0.1"),
      Money.decimal("0.00000000000000000001"),
    ])
    expect(Money.format(total)).toBe("12345678901234567890.10000000000000000001")
  })

  it("is zero for no amounts", () => {
    expect(Money.format(Money.sum([]))).toBe("0")
  })
})

describe("Money.format", () => {
  it("never emits an exponent for tiny and huge amounts", () => {
    expect(Money.format(Money.decimal("0.000000000000000000000000000001"))).toBe(
      "0.000000000000000000000000000001",
    )
    expect(Money.format(new Money.Decimal("1e-30"))).toBe("0.000000000000000000000000000001")
    expect(Money.format(new Money.Decimal("1e30"))).toBe("1000000000000000000000000000000")
    // JS prints these two numbers with an exponent ("1e-7", "1e+21").
    expect(Money.format(Money.decimal(1e-7))).toBe("0.0000001")
    expect(Money.format(Money.decimal(1e21))).toBe("1000000000000000000000")
    expect(Money.format(Money.decimal("1.25").div(1_000_000))).toBe("0.00000125")
  })

  it("drops trailing zeros and prints zero (and negative zero) as 0", () => {
    expect(Money.format(Money.decimal("1.50"))).toBe("1.5")
    expect(Money.format(Money.decimal("0.000"))).toBe("0")
    expect(Money.format(new Money.Decimal(-0))).toBe("0")
    expect(Money.format(Money.decimal("-0.0066"))).toBe("-0.0066")
  })

  it("prints any scaled integer as the same plain decimal (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 36n), 10n ** 36n),
        fc.integer({ min: 0, max: 60 }),
        (value, scale) => {
          const expected = scaledToString(value, scale)
          const formatted = Money.format(Money.decimal(expected))
          expect(formatted).toMatch(PLAIN)
          expect(formatted).toBe(expected)
        },
      ),
    )
  })
})

describe("Money.decimal / make", () => {
  it("rejects exponents, blanks and non-finite numbers with InvalidAmount", () => {
    for (const value of ["1e-6", "", " 1", "1.", ".5", "0x10", "1,5"]) {
      const error = thrown(() => Money.decimal(value))
      expect(error).toBeInstanceOf(Money.InvalidAmount)
      expect((error as Money.InvalidAmount).message).toContain(`"${value}"`)
    }
    expect(thrown(() => Money.decimal(Number.NaN))).toBeInstanceOf(Money.InvalidAmount)
    expect(thrown(() => Money.decimal(Number.POSITIVE_INFINITY))).toBeInstanceOf(
      Money.InvalidAmount,
    )
  })

  it("rejects a currency that is not an ISO 4217 code", () => {
    expect(thrown(() => Money.make("1", "usd"))).toBeInstanceOf(Money.InvalidAmount)
    expect(thrown(() => Money.make("1", "US"))).toBeInstanceOf(Money.InvalidAmount)
    expect(Money.toJSON(Money.make("0.00010", "USD"))).toEqual({
      amount: "0.0001",
      currency: "USD",
    })
  })
})

describe("Money.add", () => {
  it("adds amounts of one currency exactly", () => {
    const total = Money.add(Money.make("0.1", "USD"), Money.make("0.2", "USD"))
    expect(Money.toJSON(total)).toEqual({ amount: "0.3", currency: "USD" })
  })

  it("refuses to add two currencies, naming both", () => {
    const error = thrown(() => Money.add(Money.make("1", "USD"), Money.make("1", "EUR")))
    expect(error).toBeInstanceOf(Money.CurrencyMismatch)
    expect(error).toMatchObject({ _tag: "CurrencyMismatch", left: "USD", right: "EUR" })
    expect((error as Money.CurrencyMismatch).message).toBe(
      "cannot combine USD and EUR amounts; convert one currency first",
    )
  })
})

describe("Money.round", () => {
  it("rounds half to even, only when asked", () => {
    expect(Money.format(Money.round(Money.decimal("0.125"), 2))).toBe("0.12")
    expect(Money.format(Money.round(Money.decimal("0.135"), 2))).toBe("0.14")
    expect(Money.format(Money.round(Money.decimal("-0.125"), 2))).toBe("-0.12")
  })
})

describe("Money.apportion", () => {
  const split = (total: string, weights: ReadonlyArray<number | string>, decimals?: number) =>
    formatAll(
      decimals === undefined
        ? Money.apportion(Money.decimal(total), weights)
        : Money.apportion(Money.decimal(total), weights, decimals),
    )

  it("gives the leftover unit to the earliest of equal remainders", () => {
    // 1 / 3 at 10 places: 0.3333333333 each, one unit of 1e-10 left -> first weight.
    expect(split("1", [1, 1, 1])).toEqual(["0.3333333334", "0.3333333333", "0.3333333333"])
    // 10 cents / 3: 3 each, 1 cent left -> first weight.
    expect(split("0.10", [1, 1, 1], 2)).toEqual(["0.04", "0.03", "0.03"])
  })

  it("gives leftover units to the largest remainders first", () => {
    // 5 cents over 1:1:2 -> exact 1.25, 1.25, 2.5 cents; floors 1, 1, 2; the 0.5 remainder wins.
    expect(split("0.05", [1, 1, 2], 2)).toEqual(["0.01", "0.01", "0.03"])
    // 1 unit over 1:2 -> exact 1/3, 2/3; the larger remainder (2/3) gets it.
    expect(split("1", [1, 2], 0)).toEqual(["0", "1"])
  })

  it("is deterministic: the same inputs give the same shares", () => {
    const weights = [3, 1, 4, 1, 5, 9, 2, 6]
    expect(split("0.0000001", weights)).toEqual(split("0.0000001", weights))
  })

  it("splits a negative total (a refund) with the same shares, negated", () => {
    expect(split("-0.10", [1, 1, 1], 2)).toEqual(["-0.04", "-0.03", "-0.03"])
  })

  it("keeps zero-weight shares at zero", () => {
    expect(split("0.07", [0, 1, 0], 2)).toEqual(["0", "0.07", "0"])
  })

  it("rejects zero total weight, negative weights and no weights", () => {
    const zero = thrown(() => split("1", [0, 0]))
    expect(zero).toBeInstanceOf(RangeError)
    expect((zero as Error).message).toBe("apportion: the weights sum to zero")
    expect((thrown(() => split("1", [1, -1])) as Error).message).toBe(
      "apportion: weights must not be negative",
    )
    expect((thrown(() => split("1", [])) as Error).message).toBe(
      "apportion: no weights to split across",
    )
  })

  it("keeps digits below the step: the shares still sum to the total", () => {
    // 1.00005 at 2 places: 100 cents split 25/75, the 0.00005 below a cent is kept.
    const shares = split("1.00005", [1, 3], 2)
    expect(Money.format(Money.sum(shares.map(Money.decimal)))).toBe("1.00005")
  })

  // The part of the total below 10^-decimals goes to the largest weight.
  it("gives the part below the step to the largest share", () => {
    expect(split("1.00005", [1, 3], 2)).toEqual(["0.25", "0.75005"])
  })

  // A tenant that used nothing never pays, not even the part below the step.
  it("never gives the part below the step to a zero weight", () => {
    expect(split("1.00005", [0, 1], 2)).toEqual(["0", "1.00005"])
  })

  it("shares always sum exactly to the total (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 20n), 10n ** 20n),
        fc.integer({ min: 0, max: 12 }),
        fc
          .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 25 })
          .filter((weights) => weights.some((w) => w > 0)),
        fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
        (scaledTotal, scale, weights, decimals) => {
          const total = scaledToString(scaledTotal, scale)
          const shares =
            decimals === undefined
              ? Money.apportion(Money.decimal(total), weights)
              : Money.apportion(Money.decimal(total), weights, decimals)
          expect(shares).toHaveLength(weights.length)
          // Summed in BigInt, not with the code under test.
          const sum = shares.reduce(
            (acc, share) => acc + stringToScaled(Money.format(share), 40),
            0n,
          )
          expect(scaledToString(sum, 40)).toBe(Money.format(Money.decimal(total)))
          shares.forEach((share, i) => {
            if (weights[i] === 0) expect(share.isZero()).toBe(true)
            if (scaledTotal < 0n) expect(share.isPositive() && !share.isZero()).toBe(false)
            else expect(share.isNegative() && !share.isZero()).toBe(false)
          })
        },
      ),
      { numRuns: 500 },
    )
  })

  it("every share is within one step of its exact proportion (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 10n ** 12n),
        fc
          .array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 10 })
          .filter((weights) => weights.some((w) => w > 0)),
        (cents, weights) => {
          // A whole number of cents split in cents: share_i * W is within W cents of cents * w_i.
          const shares = Money.apportion(Money.decimal(scaledToString(cents, 2)), weights, 2)
          const weightSum = BigInt(weights.reduce((a, b) => a + b, 0))
          shares.forEach((share, i) => {
            const shareCents = stringToScaled(Money.format(share), 2)
            const distance = shareCents * weightSum - cents * BigInt(weights[i]!)
            expect(distance > -weightSum && distance < weightSum).toBe(true)
          })
        },
      ),
      { numRuns: 300 },
    )
  })
})
