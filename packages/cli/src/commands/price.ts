/**
 * `agentcost price --provider P [--prices FILE]... [--at ISO] [FILE|stdin]`:
 * prices one raw provider response (the JSON body the provider's HTTP API
 * returned) with the named adapter and the price books, without a store.
 */
import { CostSignal, PriceBook, PricingRegistry, ProviderAdapter } from "@agentcost/core"
import { Clock, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Breakdown from "../Breakdown.ts"
import * as Cli from "../Cli.ts"
import * as Providers from "../Providers.ts"

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/** `--at`: an ISO date or timestamp (UTC unless it says otherwise), as epoch ms. */
const parseAt = (at: Option.Option<string>): Effect.Effect<number | undefined, Cli.BadInput> =>
  Option.match(at, {
    onNone: () => Effect.succeed(undefined),
    onSome: (text) => {
      // A timestamp without a zone would be read in the machine's zone: pin it to UTC.
      const zoned = /T[^Z+-]*$/.test(text) ? `${text}Z` : text
      const time = Date.parse(zoned)
      return ISO_TIME.test(text) && !Number.isNaN(time)
        ? Effect.succeed(time)
        : Effect.fail(
            new Cli.BadInput({
              message: `--at: "${text}" is not an ISO 8601 date or timestamp (e.g. 2026-11-03T10:00:00Z)`,
            }),
          )
    },
  })

const config = {
  provider: Flag.String("provider").pipe(
    Flag.withMetavar("P"),
    Flag.withDescription(`the provider whose response this is: ${Providers.KNOWN.join(", ")}`),
  ),
  prices: Flag.File("prices").pipe(
    Flag.atLeast(0),
    Flag.withDescription(
      "a price book JSON file; repeat for several. Its entries win over the adapter's shipped prices",
    ),
  ),
  at: Flag.String("at").pipe(
    Flag.withMetavar("ISO"),
    Flag.withDescription("the call time (default: the response's own timestamp, else now)"),
    Flag.optional,
  ),
  adapterConfig: Flag.File("adapter-config").pipe(
    Flag.withDescription("the generic adapter's mapping (only with --provider generic)"),
    Flag.optional,
  ),
  json: Cli.json,
  file: Argument.String("file").pipe(
    Argument.withDescription("the raw response JSON; stdin when absent or -"),
    Argument.optional,
  ),
} as const

export const price = Command.make(
  "price",
  config,
  Effect.fn("agentcost.price")(function* (options) {
    const adapter = yield* Providers.adapterFor(options.provider, options.adapterConfig)
    const files = options.prices
    const user = yield* Effect.forEach(files, (file) => Cli.attempt(() => PriceBook.load(file)))
    const at = yield* parseAt(options.at)
    const input = yield* Cli.readInput(options.file)
    const raw = yield* Cli.parseJson(input)
    const call = yield* Cli.attempt(() => adapter.normalize(raw)).pipe(
      Effect.mapError((error) =>
        error instanceof ProviderAdapter.MalformedResponse
          ? new Cli.BadInput({ message: `${input.source}: ${error.message}` })
          : error,
      ),
    )
    const pricer = new PricingRegistry.Pricer({ user, shipped: Providers.shippedPrices(adapter) })
    const now = yield* Clock.currentTimeMillis
    const signal = CostSignal.fromCall(pricer, adapter.provider, call, { at }, now)
    if (options.json) return yield* Cli.printJson(CostSignal.encode(signal))

    const ref = signal.price_ref
    const file = files.find((_, i) =>
      user[i]!.entries.some((entry) => PricingRegistry.priceRefOf(entry) === ref),
    )
    const from =
      file !== undefined
        ? `--prices ${file}`
        : Option.isSome(options.adapterConfig)
          ? `--adapter-config ${options.adapterConfig.value}`
          : "shipped default"
    yield* Cli.print(
      Breakdown.render(signal, { entry: ref === null ? undefined : pricer.entry(ref), from }),
    )
  }),
).pipe(
  Command.withDescription(
    "Price one raw provider response (the JSON the provider's HTTP API returned) and show the breakdown, or print its cost signal with --json.",
  ),
  Command.withExamples([
    { command: "agentcost price --provider openai response.json", description: "breakdown" },
    {
      command: "curl ... | agentcost price --provider anthropic --prices my-prices.json --json",
      description: "one cost signal as JSON",
    },
  ]),
)
