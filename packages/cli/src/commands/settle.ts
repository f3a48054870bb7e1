/**
 * `agentcost settle [--watch] [--json]`: settles due envelopes against the
 * providers' settlement sources (core's `Settlement`: claims, retries with
 * backoff, adjust to target). Envelopes still pending keep their last error,
 * listed with `--json`.
 *
 * Also the store services every writing command shares (`services`).
 */
import {
  type CostEnvelope,
  EnvelopeTracker,
  Ledger,
  PriceBook,
  PricingRegistry,
  type ProviderAdapter,
  Settlement,
  WriteBuffer,
} from "@agentcost/core"
import { layerForStore } from "@agentcost/ledger-sql"
import { Duration, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Cli from "../Cli.ts"
import * as Providers from "../Providers.ts"

export interface ServicesOptions {
  readonly store: string
  readonly prices: ReadonlyArray<string>
  readonly adapterConfig?: Option.Option<string> | undefined
  readonly worker?: string | undefined
  readonly batchSize?: number | undefined
  readonly capacity?: number | undefined
  readonly flushIntervalMs?: number | undefined
  /** Told what each successful ledger write inserted (ingest counts the new signals). */
  readonly onWrite?: ((result: Ledger.WriteResult) => void) | undefined
}

/** The store's ledger, its writes reported to `onWrite`. */
const observedLedger = (store: string, onWrite: (result: Ledger.WriteResult) => void) =>
  Layer.effect(
    Ledger.Ledger,
    Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      return {
        ...ledger,
        write: (batch: Ledger.WriteBatch) =>
          ledger.write(batch).pipe(Effect.tap((result) => Effect.sync(() => onWrite(result)))),
      }
    }),
  ).pipe(Layer.provide(layerForStore(store)))

/** Every built-in adapter, and the generic one when it is configured. */
const adapters = (adapterConfig: Option.Option<string>) =>
  Effect.forEach(
    Providers.KNOWN.filter((name) => name !== Providers.GENERIC || Option.isSome(adapterConfig)),
    (name) =>
      Providers.adapterFor(name, name === Providers.GENERIC ? adapterConfig : Option.none()),
  )

/**
 * The core services on a store: ledger, write-behind buffer, pricing (the
 * user's books before the adapters' shipped ones), envelope tracker and
 * settlement with the adapters' settlement sources.
 */
export const services = (options: ServicesOptions) =>
  Effect.gen(function* () {
    const all: ReadonlyArray<ProviderAdapter.ProviderAdapter> = yield* adapters(
      options.adapterConfig ?? Option.none(),
    )
    const user = yield* Effect.forEach(options.prices, (file) =>
      Cli.attempt(() => PriceBook.load(file)),
    )
    return Settlement.Settlement.layer({
      sources: all.flatMap((a) => (a.settlement ? [a.settlement] : [])),
      worker: options.worker,
    }).pipe(
      Layer.provideMerge(EnvelopeTracker.EnvelopeTracker.layer({ adapters: all })),
      Layer.provideMerge(
        WriteBuffer.WriteBuffer.layer({
          batchSize: options.batchSize,
          capacity: options.capacity,
          flushIntervalMs: options.flushIntervalMs,
        }),
      ),
      Layer.provideMerge(
        PricingRegistry.PricingRegistry.layer({ user, shipped: all.map((a) => a.defaultPrices) }),
      ),
      Layer.provideMerge(
        options.onWrite
          ? observedLedger(options.store, options.onWrite)
          : layerForStore(options.store),
      ),
    )
  })

/**
 * Store commands fail with whatever core, the store or the input raised, and
 * `Cli.run` turns it into one stderr line and an exit code; widened to
 * `unknown` (as `price` does) so a command's type names no error class.
 */
export const anyError = (error: unknown): unknown => error

/** A flag for the user's price books (outcome fees are priced from them). */
export const pricesFlag = Flag.File("prices").pipe(
  Flag.atLeast(0),
  Flag.withDescription(
    "a price book JSON file; repeat for several. Its entries win over the shipped prices",
  ),
)

interface PendingEnvelope {
  readonly envelope_id: string
  readonly settlement: CostEnvelope.SettlementState
  readonly attempts: number
  readonly error: string | null
  readonly next_attempt_at: string | null
}

/** One settlement run: passes until nothing more is claimed, then what is still pending. */
const settleOnce = Effect.gen(function* () {
  const settlement = yield* Settlement.Settlement
  const ledger = yield* Ledger.Ledger
  const envelopes: Array<Settlement.EnvelopeSettlement> = []
  let claimed = 0
  let adjustments = 0
  // An envelope that fails waits for its next attempt time, so passes end.
  for (let pass = 0; pass < 1000; pass++) {
    const summary = yield* settlement.settleDue
    claimed += summary.claimed
    adjustments += summary.adjustments
    envelopes.push(...summary.envelopes)
    if (summary.claimed === 0) break
  }
  const pending: Array<PendingEnvelope> = (yield* ledger.findEnvelopes({ kind: "pending" })).map(
    (e) => ({
      envelope_id: e.envelope_id,
      settlement: e.settlement,
      attempts: e.settlement_attempts,
      error: e.settlement_error,
      next_attempt_at: e.next_settlement_at,
    }),
  )
  return {
    claimed,
    settled: envelopes.filter((e) => e.settled).length,
    adjustments,
    envelopes,
    pending,
  }
})

const render = (result: Effect.Success<typeof settleOnce>): string => {
  const lines = [
    `settled ${result.settled} of ${result.claimed} due envelope${result.claimed === 1 ? "" : "s"}, ${result.adjustments} adjustment${result.adjustments === 1 ? "" : "s"} written`,
  ]
  for (const e of result.pending) {
    lines.push(
      `  pending ${e.envelope_id} (${e.settlement}${e.attempts > 0 ? `, ${e.attempts} attempt${e.attempts === 1 ? "" : "s"}` : ""})${e.error ? `: ${e.error}` : ""}`,
    )
  }
  return lines.join("\n")
}

const config = {
  ...Cli.storeFlags,
  watch: Flag.Boolean("watch").pipe(
    Flag.withDescription("keep settling every --interval until interrupted"),
    Flag.withDefault(false),
  ),
  interval: Flag.Int("interval").pipe(
    Flag.withMetavar("SECONDS"),
    Flag.withDescription("seconds between passes with --watch (default 30)"),
    Flag.withDefault(30),
  ),
  worker: Flag.String("worker").pipe(
    Flag.withDescription("this worker's name in claims (default: random per process)"),
    Flag.optional,
  ),
  prices: pricesFlag,
  adapterConfig: Flag.File("adapter-config").pipe(
    Flag.withDescription("the generic adapter's mapping, to settle its cost-by-job lookups"),
    Flag.optional,
  ),
} as const

/**
 * `--watch`: a pass every `interval`, for good. A pass that fails (the store
 * restarting, a network blip) is reported on stderr and the next pass runs:
 * a settlement worker outlives transient faults.
 */
export const watch = <E extends { readonly message: string }, R>(
  pass: Effect.Effect<void, E, R>,
  interval: Duration.Duration,
) =>
  pass.pipe(
    Effect.catch((error) =>
      Cli.note(
        `agentcost settle: pass failed: ${error.message}; next pass in ${Duration.format(interval)}`,
      ),
    ),
    Effect.andThen(Effect.sleep(interval)),
    Effect.forever,
  )

export const settle = Command.make(
  "settle",
  config,
  Effect.fn("agentcost.settle")(function* (options) {
    if (options.interval < 1) {
      return yield* new Cli.BadInput({
        message: `--interval: must be at least 1, got ${options.interval}`,
      })
    }
    const layer = yield* services({
      store: options.store,
      prices: options.prices,
      adapterConfig: options.adapterConfig,
      worker: Option.getOrUndefined(options.worker),
    })
    const report = (result: Effect.Success<typeof settleOnce>) =>
      options.json ? Cli.printJson(result) : Cli.print(render(result))
    const pass = settleOnce.pipe(Effect.flatMap(report))
    yield* (options.watch ? watch(pass, Duration.seconds(options.interval)) : pass).pipe(
      Effect.provide(layer),
    )
  }, Effect.mapError(anyError)),
).pipe(
  Command.withDescription(
    "Settle due envelopes against the providers' cost APIs: write the adjustment to the settled amount, keep what is still pending with its last error.",
  ),
  Command.withExamples([
    { command: "agentcost settle", description: "one run over everything due" },
    {
      command: "agentcost settle --watch --interval 60 --store postgres://db/agentcost",
      description: "a settlement worker (run several: claims keep them apart)",
    },
  ]),
)
