/**
 * A cost signal as a person reads it: each cost component as units × rate,
 * the price entry and where its prices come from, fallbacks, and why a cost
 * is pending or unpriced. Rates are recovered exactly from the components
 * (component ÷ units), so the lines always multiply out to what was booked.
 */
import { type CostSignal, Money, type PriceBook, Usage } from "@agentcost/core"

export interface PriceOrigin {
  /** The entry behind `price_ref`, when the pricer has one. */
  readonly entry: PriceBook.PriceEntry | undefined
  /** Where the entry was loaded from: `--prices FILE`, `--adapter-config FILE`, `shipped default`. */
  readonly from: string
}

const PENDING_REASON: { readonly [method: string]: string } = {
  outcome_fee: "the outcome fee is booked when the run's business outcome is known",
  compute_units_per_1k_tokens:
    "compute units are reported later; estimated from tokens until settled",
  provider_lookup: "the provider's cost is looked up at settlement",
  unpriced: "part of the usage has no price (see unpriced); the total is a lower bound",
  none: "nothing is known until settlement (no estimate in the price entry)",
}

const FALLBACK_PATTERN = /^(.+)->(.+)$/

/** `1200 × 1.25/1M` for token units, `3 × 0.01` for counted units. */
const quantity = (unit: string, count: number, amount: Money.Decimal): string => {
  const perUnit = amount.div(count)
  return Usage.isTokenUnit(unit)
    ? `${count} × ${Money.format(perUnit.times(1_000_000))}/1M`
    : `${count} × ${Money.format(perUnit)}`
}

const describe = (signal: CostSignal.CostSignal, component: string, amount: string): string => {
  const value = Money.decimal(amount)
  if (component === "provider_reported") return "reported by the provider"
  if (component === "local_estimate") return "local price book, for comparison"
  if (component === "per_call" || component === "surcharge:per_call") return "1 call"
  const unit = component.startsWith("surcharge:") ? component.slice("surcharge:".length) : component
  const count = signal.usage[unit]
  if (count === undefined || count === 0) {
    return unit === "compute_units" ? "estimated from tokens (compute_units_per_1k_tokens)" : ""
  }
  const fallback = signal.fallbacks
    .map((f) => FALLBACK_PATTERN.exec(f))
    .find((m) => m?.[1] === unit)?.[2]
  const rate = value.isZero() ? `${count} × 0` : quantity(unit, count, value)
  return fallback === undefined ? rate : `${rate} (${fallback} rate)`
}

const table = (rows: ReadonlyArray<readonly [string, string, string]>): Array<string> => {
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map(([name, how, amount]) =>
    `  ${name.padEnd(widths[0]!)}  ${how.padEnd(widths[1]!)}  ${amount}`.trimEnd(),
  )
}

export const render = (signal: CostSignal.CostSignal, origin: PriceOrigin): string => {
  const lines: Array<string> = []
  const field = (name: string, value: string) => lines.push(`${name.padEnd(10)} ${value}`)

  field(
    "call",
    [signal.provider, signal.model, signal.endpoint].filter((part) => part !== null).join(" · "),
  )
  field("signal", signal.signal_id)
  if (signal.provider_account !== null) field("account", signal.provider_account)
  field("at", signal.observed_at)
  if (signal.price_ref === null) {
    field("price", "none found")
  } else {
    field("price", `${signal.price_ref} (${signal.strategy}, ${signal.currency})`)
    field("source", origin.entry?.source ? `${origin.entry.source} [${origin.from}]` : origin.from)
  }
  const conditions = Object.entries(signal.attributes ?? {}).map(([k, v]) => `${k}=${v}`)
  if (conditions.length > 0) field("attributes", conditions.join(", "))
  if (signal.capabilities && signal.capabilities.length > 0) {
    field("uses", signal.capabilities.join(", "))
  }

  const rows: Array<readonly [string, string, string]> = Object.entries(signal.cost_components).map(
    ([component, amount]) => [component, describe(signal, component, amount), amount],
  )
  // Usage no component charges: observed-only events (tool calls), or units
  // without a price, which the "unpriced" line names.
  if (signal.cost_source === "local") {
    for (const unit in signal.usage) {
      if (!(unit in signal.cost_components)) rows.push([unit, `${signal.usage[unit]}`, "-"])
    }
  }
  rows.push([
    "total",
    "",
    signal.base_cost === null ? "unknown" : `${signal.base_cost} ${signal.currency}`,
  ])
  lines.push("", ...table(rows), "")

  if (signal.fallbacks.length > 0) field("fallbacks", signal.fallbacks.join(", "))
  const reason =
    signal.base_cost === null
      ? "no price entry applies (see unpriced); the cost is unknown, not zero"
      : signal.estimate_method === null
        ? ""
        : (PENDING_REASON[signal.estimate_method] ?? "")
  field("pending", signal.pending_cost ? `yes: ${signal.estimate_method} (${reason})` : "no")
  if (signal.pricing_error) field("unpriced", signal.pricing_error)
  return lines.join("\n")
}
