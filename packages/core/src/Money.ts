/**
 * Exact decimal money. Every amount in agentcost is a `Decimal` from the clone
 * below (40 significant digits, banker's rounding): the decimal.js default of
 * 20 digits silently rounds long sums of per-token prices.
 */
import { Decimal as BaseDecimal } from "decimal.js"
import { Schema } from "effect"

export const Decimal = BaseDecimal.clone({
  precision: 40,
  rounding: BaseDecimal.ROUND_HALF_EVEN,
  toExpNeg: -1000,
  toExpPos: 1000,
})
export type Decimal = InstanceType<typeof Decimal>

export const ZERO: Decimal = new Decimal(0)

/** A non-negative or signed plain decimal string, never an exponent. */
const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/
const CURRENCY_PATTERN = /^[A-Z]{3}$/

export class InvalidAmount extends Schema.TaggedError<InvalidAmount>()("InvalidAmount", {
  value: Schema.String,
}) {
  override get message() {
    return `"${this.value}" is not a plain decimal amount (expected digits with an optional fraction, e.g. "0.000125")`
  }
}

export class CurrencyMismatch extends Schema.TaggedError<CurrencyMismatch>()("CurrencyMismatch", {
  left: Schema.String,
  right: Schema.String,
}) {
  override get message() {
    return `cannot combine ${this.left} and ${this.right} amounts; convert one currency first`
  }
}

export const isDecimalString = (value: string): boolean => DECIMAL_PATTERN.test(value)
export const isCurrency = (value: string): boolean => CURRENCY_PATTERN.test(value)

/** Parses a plain decimal string (or a finite integer) into a `Decimal`; throws `InvalidAmount`. */
export const decimal = (value: string | number | Decimal): Decimal => {
  if (value instanceof Decimal) return value
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidAmount({ value: String(value) })
    return new Decimal(value)
  }
  if (!DECIMAL_PATTERN.test(value)) throw new InvalidAmount({ value })
  return new Decimal(value)
}

/** The plain decimal string of an amount: no exponent, no trailing zeros, "0" for zero. */
export const format = (amount: Decimal): string => (amount.isZero() ? "0" : amount.toFixed())

/** Sums exactly. */
export const sum = (amounts: Iterable<Decimal>): Decimal => {
  let total = ZERO
  for (const amount of amounts) total = total.plus(amount)
  return total
}

export interface Money {
  readonly amount: Decimal
  readonly currency: string
}

export const make = (amount: string | number | Decimal, currency: string): Money => {
  if (!CURRENCY_PATTERN.test(currency)) throw new InvalidAmount({ value: `currency ${currency}` })
  return { amount: decimal(amount), currency }
}

export const add = (left: Money, right: Money): Money => {
  if (left.currency !== right.currency) {
    throw new CurrencyMismatch({ left: left.currency, right: right.currency })
  }
  return { amount: left.amount.plus(right.amount), currency: left.currency }
}

export const toJSON = (money: Money): { amount: string; currency: string } => ({
  amount: format(money.amount),
  currency: money.currency,
})

/** Rounds for presentation or an invoice boundary only; ledger amounts stay exact. */
export const round = (amount: Decimal, decimals: number): Decimal =>
  amount.toDecimalPlaces(decimals, Decimal.ROUND_HALF_EVEN)

/**
 * Splits `total` in proportion to `weights` by largest-remainder apportionment,
 * in steps of 10^-decimals. The shares sum to `total` exactly whenever `total`
 * itself has at most `decimals` decimal places (the default takes the larger of
 * the total's own places and 10). Ties go to the earlier weight, so the result
 * is deterministic. Zero total weight is an error: there is no fair split.
 */
export const apportion = (
  total: Decimal,
  weights: ReadonlyArray<Decimal | number | string>,
  decimals: number = Math.max(total.decimalPlaces(), 10),
): Array<Decimal> => {
  if (weights.length === 0) throw new RangeError("apportion: no weights to split across")
  const parsed = weights.map((w) => decimal(w))
  if (parsed.some((w) => w.isNegative()))
    throw new RangeError("apportion: weights must not be negative")
  const weightSum = sum(parsed)
  if (weightSum.isZero()) throw new RangeError("apportion: the weights sum to zero")
  const unit = new Decimal(10).pow(-decimals)
  const negative = total.isNegative()
  const magnitude = total.abs()
  // Work in whole units of 10^-decimals so the remainders are exact.
  const totalUnits = magnitude.div(unit).toDecimalPlaces(0, Decimal.ROUND_DOWN)
  const exact = parsed.map((w) => totalUnits.times(w).div(weightSum))
  const floors = exact.map((q) => q.toDecimalPlaces(0, Decimal.ROUND_DOWN))
  let left = totalUnits.minus(sum(floors)).toNumber()
  const order = exact
    .map((q, index) => ({ index, remainder: q.minus(floors[index]!) }))
    .sort((a, b) => b.remainder.comparedTo(a.remainder) || a.index - b.index)
  const units = floors.slice()
  for (let i = 0; left > 0; i++, left--) {
    const slot = order[i % order.length]!.index
    units[slot] = units[slot]!.plus(1)
  }
  // Whatever lies below 10^-decimals in the total goes to the largest weight
  // (the earliest on ties), never to a zero weight.
  const residue = magnitude.minus(totalUnits.times(unit))
  const shares = units.map((u) => u.times(unit))
  if (!residue.isZero()) {
    const largest = parsed.reduce((best, w, i) => (w.gt(parsed[best]!) ? i : best), 0)
    shares[largest] = shares[largest]!.plus(residue)
  }
  return negative ? shares.map((s) => s.negated()) : shares
}
