/**
 * Turns canonical usage into cost, by the price book rules of DESIGN.md §3:
 * entry selection (user before shipped, specificity, endpoint, effective
 * date), tiers (first match, overlaid), surcharges (all matches, added),
 * fallbacks on the effective table, and the four pricing strategies.
 *
 * The core is a synchronous `Pricer` (the per-call hot path); the
 * `PricingRegistry` service exposes it to Effect programs.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { EstimateMethod } from "./CostSignal.ts"
import { ExactSum, price as exactPrice, type Price } from "./ExactSum.ts"
import type * as Money from "./Money.ts"
import { Decimal } from "./Money.ts"
import type {
  Capability,
  Condition,
  PriceBookFile,
  PriceEntry,
  Strategy,
  Tier,
} from "./PriceBook.ts"
import type { Usage } from "./Usage.ts"
import * as UsageModule from "./Usage.ts"

export class UnpricedModel extends Schema.TaggedError<UnpricedModel>()("UnpricedModel", {
  provider: Schema.String,
  model: Schema.String,
  endpoint: Schema.NullOr(Schema.String),
  at: Schema.String,
}) {
  override get message() {
    return `no price for ${this.provider}/${this.model}${this.endpoint ? ` (${this.endpoint})` : ""} at ${this.at}; add a price book entry (--prices FILE)`
  }
}

export class UnpricedUnit extends Schema.TaggedError<UnpricedUnit>()("UnpricedUnit", {
  priceRef: Schema.String,
  units: Schema.Array(Schema.String),
}) {
  override get message() {
    return `${this.priceRef} has no rate for ${this.units.join(", ")} and no fallback; add ${this.units.length > 1 ? "them" : "it"} to the entry (an explicit "0" is a price)`
  }
}

export class UnknownOutcomePrice extends Schema.TaggedError<UnknownOutcomePrice>()(
  "UnknownOutcomePrice",
  {
    priceRef: Schema.String,
  },
) {
  override get message() {
    return `${this.priceRef} is not in the loaded price books, so its outcome fee cannot be priced`
  }
}

export type Outcome = "succeeded" | "failed" | "unknown"

export interface PricingInput {
  readonly provider: string
  readonly model: string
  readonly endpoint?: string | null | undefined
  /** Call time, epoch milliseconds (prices are effective-dated). */
  readonly at: number
  readonly usage: Usage
  readonly serviceTier?: string | null | undefined
  readonly region?: string | null | undefined
  readonly attributes?: { readonly [key: string]: string } | undefined
  readonly capabilities?: ReadonlyArray<Capability> | undefined
}

export interface PricedUsage {
  readonly priceRef: string
  readonly strategy: Strategy
  readonly currency: string
  /** What is known at call time (for a pending COMPUTE_UNIT call: the estimate); a plain decimal string. */
  readonly baseCost: string
  readonly components: { readonly [component: string]: string }
  readonly fallbacks: ReadonlyArray<string>
  readonly pending: boolean
  readonly estimateMethod: EstimateMethod | null
  /** Units with no rate and no fallback; non-empty means the cost is a lower bound. */
  readonly unpricedUnits: ReadonlyArray<string>
}

interface Table {
  readonly rates: ReadonlyMap<string, Price>
  readonly fees: ReadonlyMap<string, Price>
}

interface CompiledTier extends Table {
  /** The entry's base table overlaid with this tier's, built once at load. */
  readonly effective: Table
  readonly when: Condition
}

interface CompiledEntry extends Table {
  readonly entry: PriceEntry
  readonly user: boolean
  readonly priceRef: string
  readonly match: RegExp | null
  readonly endpoint: string | null
  readonly validFrom: number
  readonly validTo: number
  readonly tiers: ReadonlyArray<CompiledTier>
  readonly surcharges: ReadonlyArray<CompiledTier>
}

const MILLION = new Decimal(1_000_000)
// Counted events that describe the call without a charge of their own unless
// an entry prices them (tool executions, retriever queries, plain requests).
const OBSERVED_ONLY = new Set(["tool_calls", "rag_queries", "requests"])
const FALLBACK: { readonly [unit: string]: string } = {
  reasoning_tokens: "output_tokens",
  cache_read_tokens: "input_tokens",
  cache_write_tokens: "input_tokens",
  cache_write_1h_tokens: "input_tokens",
  input_audio_tokens: "input_tokens",
  input_image_tokens: "input_tokens",
  output_audio_tokens: "output_tokens",
}
const DATE_SUFFIX = /^[-@](\d{4}-\d{2}-\d{2}|\d{8})$/

const compileTable = (rates: PriceEntry["rates"], fees: PriceEntry["fees"]): Table => ({
  // Rates are per million tokens: keep the per-token price, exact in decimal.
  rates: new Map(
    Object.entries(rates ?? {}).map(([unit, rate]) => [
      unit,
      exactPrice(new Decimal(rate).div(MILLION)),
    ]),
  ),
  fees: new Map(
    Object.entries(fees ?? {}).map(([unit, fee]) => [unit, exactPrice(new Decimal(fee))]),
  ),
})

const overlay = (base: Table, tier: Table): Table => ({
  rates: tier.rates.size === 0 ? base.rates : new Map([...base.rates, ...tier.rates]),
  fees: tier.fees.size === 0 ? base.fees : new Map([...base.fees, ...tier.fees]),
})

export const priceRefOf = (entry: PriceEntry): string =>
  `${entry.provider}/${entry.model}${entry.endpoint ? `#${entry.endpoint}` : ""}@${entry.validFrom}`

const compileTier = (tier: Tier, base: Table): CompiledTier => {
  const own = compileTable(tier.rates, tier.fees)
  return { when: tier.when, ...own, effective: overlay(base, own) }
}

const compile = (entry: PriceEntry, user: boolean): CompiledEntry => {
  const base = compileTable(entry.rates, entry.fees)
  return {
    ...base,
    entry,
    user,
    priceRef: priceRefOf(entry),
    match: entry.match === undefined ? null : new RegExp(entry.match),
    endpoint: entry.endpoint ?? null,
    validFrom: Date.parse(entry.validFrom),
    validTo: entry.validTo ? Date.parse(entry.validTo) : Number.POSITIVE_INFINITY,
    tiers: (entry.tiers ?? []).map((t) => compileTier(t, base)),
    surcharges: (entry.surcharges ?? []).map((t) => compileTier(t, base)),
  }
}

/** 3 exact id, 2 id + date suffix, 1 `match` regex, 0 no match. */
const specificity = (entry: CompiledEntry, model: string): number => {
  if (entry.entry.model === model) return 3
  if (
    model.startsWith(entry.entry.model) &&
    DATE_SUFFIX.test(model.slice(entry.entry.model.length))
  )
    return 2
  if (entry.match?.test(model)) return 1
  return 0
}

const capabilitiesOf = (input: PricingInput): ReadonlySet<string> => {
  const found = new Set<string>(input.capabilities ?? [])
  const usage = input.usage
  if (usage.reasoning_tokens) found.add("reasoning")
  if (usage.web_search_requests) found.add("web_search")
  if (usage.tool_calls) found.add("tool_use")
  if (usage.rag_queries) found.add("rag")
  return found
}

const holds = (
  when: Condition,
  input: PricingInput,
  capabilities: ReadonlySet<string>,
): boolean => {
  if (when.serviceTier && !when.serviceTier.includes(input.serviceTier ?? "")) return false
  if (when.region && !when.region.includes(input.region ?? "")) return false
  if (
    when.inputTokensAbove !== undefined &&
    !(UsageModule.inputTokens(input.usage) > when.inputTokensAbove)
  ) {
    return false
  }
  if (when.capability && !when.capability.some((c) => capabilities.has(c))) return false
  if (when.attributes) {
    for (const key in when.attributes)
      if (input.attributes?.[key] !== when.attributes[key]) return false
  }
  return true
}

/** The synchronous pricing core over a fixed set of price books. */
export class Pricer {
  readonly #byProvider = new Map<string, Array<CompiledEntry>>()
  readonly #byRef = new Map<string, CompiledEntry>()
  readonly #candidates = new Map<string, ReadonlyArray<CompiledEntry>>()

  /** `user` books win over `shipped` ones (the adapters' defaults). */
  constructor(books: {
    readonly user?: ReadonlyArray<PriceBookFile>
    readonly shipped?: ReadonlyArray<PriceBookFile>
  }) {
    const add = (book: PriceBookFile, user: boolean) => {
      for (const entry of book.entries) {
        const compiled = compile(entry, user)
        const list = this.#byProvider.get(entry.provider) ?? []
        list.push(compiled)
        this.#byProvider.set(entry.provider, list)
        if (!this.#byRef.has(compiled.priceRef)) this.#byRef.set(compiled.priceRef, compiled)
      }
    }
    for (const book of books.user ?? []) add(book, true)
    for (const book of books.shipped ?? []) add(book, false)
  }

  /** Entries that could price this model, best first; effective dating is applied per call. */
  #candidatesFor(
    provider: string,
    model: string,
    endpoint: string | null,
  ): ReadonlyArray<CompiledEntry> {
    const key = `${provider}\u0000${model}\u0000${endpoint ?? ""}`
    const cached = this.#candidates.get(key)
    if (cached) return cached
    const ranked = (this.#byProvider.get(provider) ?? [])
      .map((entry) => ({ entry, specificity: specificity(entry, model) }))
      .filter(
        ({ entry, specificity }) =>
          specificity > 0 && (entry.endpoint === null || entry.endpoint === endpoint),
      )
      .sort(
        (a, b) =>
          Number(b.entry.user) - Number(a.entry.user) ||
          b.specificity - a.specificity ||
          Number(b.entry.endpoint !== null) - Number(a.entry.endpoint !== null) ||
          b.entry.validFrom - a.entry.validFrom,
      )
      .map(({ entry }) => entry)
    this.#candidates.set(key, ranked)
    return ranked
  }

  /** The entry in force for a call, or `UnpricedModel`. */
  resolve(input: Pick<PricingInput, "provider" | "model" | "endpoint" | "at">): CompiledEntry {
    const endpoint = input.endpoint ?? null
    for (const entry of this.#candidatesFor(input.provider, input.model, endpoint)) {
      if (entry.validFrom <= input.at && input.at < entry.validTo) return entry
    }
    throw new UnpricedModel({
      provider: input.provider,
      model: input.model,
      endpoint,
      at: Number.isFinite(input.at) ? new Date(input.at).toISOString() : String(input.at),
    })
  }

  /** Prices a call; throws `UnpricedModel`. Units without a price are listed, not zeroed. */
  price(input: PricingInput): PricedUsage {
    const entry = this.resolve(input)
    const capabilities = capabilitiesOf(input)
    const tier = entry.tiers.find((t) => holds(t.when, input, capabilities))
    const table = tier ? tier.effective : entry
    const strategy = entry.entry.strategy
    const tokensOptional = strategy === "OUTCOME_BASED" || strategy === "COMPUTE_UNIT"
    const sums: Record<string, ExactSum> = {}
    const fallbacks: Array<string> = []
    const unpriced: Array<string> = []
    const total = new ExactSum()

    const sumOf = (component: string): ExactSum => (sums[component] ??= new ExactSum())
    const charge = (component: string, price: Price, count: number) => {
      sumOf(component).add(price, count)
      total.add(price, count)
    }

    for (const unit in input.usage) {
      const count = input.usage[unit]!
      if (UsageModule.isTokenUnit(unit)) {
        let rate = table.rates.get(unit)
        if (rate === undefined) {
          const fallback = FALLBACK[unit]
          rate = fallback === undefined ? undefined : table.rates.get(fallback)
          if (rate !== undefined) fallbacks.push(`${unit}->${fallback}`)
        }
        if (rate !== undefined) charge(unit, rate, count)
        else if (!tokensOptional) unpriced.push(unit)
        continue
      }
      const fee = table.fees.get(unit)
      if (fee !== undefined) charge(unit, fee, count)
      else if (!OBSERVED_ONLY.has(unit)) unpriced.push(unit)
    }
    const perCall = table.fees.get("per_call")
    if (perCall !== undefined) charge("per_call", perCall, 1)

    for (const surcharge of entry.surcharges) {
      if (!holds(surcharge.when, input, capabilities)) continue
      for (const [unit, rate] of surcharge.rates) {
        const count = input.usage[unit]
        if (count) charge(`surcharge:${unit}`, rate, count)
      }
      for (const [unit, fee] of surcharge.fees) {
        const count = unit === "per_call" ? 1 : input.usage[unit]
        if (count) charge(`surcharge:${unit}`, fee, count)
      }
    }

    let pending = unpriced.length > 0
    let estimateMethod: EstimateMethod | null = pending ? "unpriced" : null
    if (strategy === "OUTCOME_BASED" || strategy === "HYBRID") {
      pending = true
      estimateMethod ??= "outcome_fee"
    } else if (strategy === "COMPUTE_UNIT" && !input.usage.compute_units) {
      // Units are reported later: estimate from tokens when the entry says how.
      pending = true
      const perThousand = entry.entry.estimate?.compute_units_per_1k_tokens
      const fee = table.fees.get("compute_units")
      const tokens = UsageModule.totalTokens(input.usage)
      if (perThousand !== undefined && fee !== undefined && tokens > 0) {
        const estimate = new Decimal(perThousand).times(tokens).div(1000).times(fee.decimal)
        sumOf("compute_units").addDecimal(estimate)
        total.addDecimal(estimate)
        estimateMethod ??= "compute_units_per_1k_tokens"
      } else {
        estimateMethod ??= "none"
      }
    }

    const components: Record<string, string> = {}
    for (const component in sums) components[component] = sums[component]!.toString()
    return {
      priceRef: entry.priceRef,
      strategy,
      currency: entry.entry.currency,
      baseCost: total.toString(),
      components,
      fallbacks,
      pending,
      estimateMethod,
      unpricedUnits: unpriced,
    }
  }

  /**
   * The outcome fee of an OUTCOME_BASED/HYBRID entry; `unknown` falls back to
   * `failed` when the entry has no `unknown` price. Null for other strategies.
   */
  outcomeFee(priceRef: string, outcome: Outcome): Money.Money | null {
    const entry = this.#byRef.get(priceRef)
    if (!entry) throw new UnknownOutcomePrice({ priceRef })
    const outcomes = entry.entry.outcomes
    if (!outcomes) return null
    const amount =
      outcome === "succeeded"
        ? outcomes.succeeded
        : outcome === "failed"
          ? (outcomes.failed ?? "0")
          : (outcomes.unknown ?? outcomes.failed ?? "0")
    return { amount: new Decimal(amount), currency: entry.entry.currency }
  }

  /** The loaded entry behind a price ref (for display and settlement). */
  entry(priceRef: string): PriceEntry | undefined {
    return this.#byRef.get(priceRef)?.entry
  }
}

export interface PricingRegistryShape {
  readonly pricer: Pricer
  readonly price: (input: PricingInput) => Effect.Effect<PricedUsage, UnpricedModel | UnpricedUnit>
  readonly outcomeFee: (
    priceRef: string,
    outcome: Outcome,
  ) => Effect.Effect<Money.Money | null, UnknownOutcomePrice>
}

export class PricingRegistry extends Context.Service<PricingRegistry, PricingRegistryShape>()(
  "@agentcost/core/PricingRegistry",
) {
  static fromPricer(pricer: Pricer): PricingRegistryShape {
    return {
      pricer,
      price: Effect.fn("PricingRegistry.price")(function* (input: PricingInput) {
        const priced = yield* Effect.try({
          try: () => pricer.price(input),
          catch: (e) => e as UnpricedModel,
        })
        if (priced.unpricedUnits.length > 0) {
          return yield* new UnpricedUnit({
            priceRef: priced.priceRef,
            units: [...priced.unpricedUnits],
          })
        }
        return priced
      }),
      outcomeFee: Effect.fn("PricingRegistry.outcomeFee")(function* (
        priceRef: string,
        outcome: Outcome,
      ) {
        return yield* Effect.try({
          try: () => pricer.outcomeFee(priceRef, outcome),
          catch: (e) => e as UnknownOutcomePrice,
        })
      }),
    }
  }

  static layer(books: {
    readonly user?: ReadonlyArray<PriceBookFile>
    readonly shipped?: ReadonlyArray<PriceBookFile>
  }) {
    return Layer.succeed(PricingRegistry, PricingRegistry.fromPricer(new Pricer(books)))
  }
}
