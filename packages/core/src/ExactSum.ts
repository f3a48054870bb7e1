/**
 * Exact sums of price × count, for the pricing hot path. A price is kept as a
 * scaled integer beside its decimal ($1.25 per million tokens is 125 × 10⁻⁸
 * per token); while every product and sum stays a safe integer (below 2⁵³)
 * the arithmetic is integer arithmetic on doubles — exact, and several times
 * cheaper than decimal.js. The first step that would not fit (or a count
 * that is not whole) moves the sum to decimal.js, so the result is always the
 * decimal one.
 */
import { Decimal, format } from "./Money.ts"

export interface Price {
  readonly decimal: Decimal
  /** `decimal` × 10^scale, or NaN when that is not a safe integer. */
  readonly units: number
  readonly scale: number
}

// Powers of ten a double holds exactly.
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

export const price = (decimal: Decimal): Price => {
  const scale = decimal.decimalPlaces()
  const units = scale < POW10.length ? decimal.times(POW10[scale]!).toNumber() : Number.NaN
  return { decimal, units: Number.isSafeInteger(units) ? units : Number.NaN, scale }
}

/** A safe integer scaled by 10^scale as a plain decimal string, as `Money.format` writes it. */
const formatScaled = (units: number, scale: number): string => {
  if (units === 0) return "0"
  let digits = String(Math.abs(units))
  if (scale > 0) {
    if (digits.length <= scale) digits = "0".repeat(scale - digits.length + 1) + digits
    const point = digits.length - scale
    let end = digits.length
    while (end > point && digits.charCodeAt(end - 1) === 48) end--
    digits =
      end > point ? `${digits.slice(0, point)}.${digits.slice(point, end)}` : digits.slice(0, point)
  }
  return units < 0 ? `-${digits}` : digits
}

export class ExactSum {
  #units = 0
  #scale = 0
  #decimal: Decimal | null = null

  /** Adds `price × count`. */
  add(price: Price, count: number): void {
    if (this.#decimal === null && Number.isInteger(count)) {
      let product = price.units * count
      let units = this.#units
      let scale = this.#scale
      if (price.scale > scale) {
        units *= POW10[price.scale - scale] ?? Number.NaN
        scale = price.scale
      } else if (price.scale < scale) {
        product *= POW10[scale - price.scale] ?? Number.NaN
      }
      const sum = units + product
      // A product or sum past 2^53 comes out at or past it, so unsafe: never silently rounded.
      if (
        Number.isSafeInteger(product) &&
        Number.isSafeInteger(units) &&
        Number.isSafeInteger(sum)
      ) {
        this.#units = sum
        this.#scale = scale
        return
      }
    }
    this.addDecimal(price.decimal.times(count))
  }

  addDecimal(amount: Decimal): void {
    this.#decimal = this.toDecimal().plus(amount)
  }

  toDecimal(): Decimal {
    return this.#decimal ?? new Decimal(`${this.#units}e-${this.#scale}`)
  }

  /** The plain decimal string (`Money.format`). */
  toString(): string {
    return this.#decimal === null ? formatScaled(this.#units, this.#scale) : format(this.#decimal)
  }
}
