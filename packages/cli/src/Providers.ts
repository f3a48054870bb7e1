/**
 * The provider adapters the CLI knows, by the name `--provider` takes. The one
 * place to add a provider: a factory here, nothing else in the CLI changes.
 */
import { anthropic } from "@agentcost/adapter-anthropic"
import { generic } from "@agentcost/adapter-generic"
import { google } from "@agentcost/adapter-google"
import { openai } from "@agentcost/adapter-openai"
import { openrouter } from "@agentcost/adapter-openrouter"
import type { PriceBook, ProviderAdapter } from "@agentcost/core"
import { Effect, Option } from "effect"
import * as Cli from "./Cli.ts"

const BUILT_IN: { readonly [name: string]: () => ProviderAdapter.ProviderAdapter } = {
  anthropic,
  google,
  openai,
  openrouter,
}

/** The generic adapter is configured per provider (`--adapter-config FILE`). */
export const GENERIC = "generic"

export const KNOWN: ReadonlyArray<string> = [...Object.keys(BUILT_IN), GENERIC].sort()

/** The adapter for `--provider`; an unknown name lists the known ones. */
export const adapterFor = (
  provider: string,
  adapterConfig: Option.Option<string>,
): Effect.Effect<ProviderAdapter.ProviderAdapter, unknown> =>
  Effect.gen(function* () {
    if (provider === GENERIC) {
      if (Option.isNone(adapterConfig)) {
        return yield* new Cli.BadInput({
          message: "--provider generic needs --adapter-config FILE (the generic adapter's mapping)",
        })
      }
      const file = adapterConfig.value
      // Throws InvalidGenericConfig naming the file and the config field.
      return yield* Cli.attempt(() => generic(file))
    }
    if (Option.isSome(adapterConfig)) {
      return yield* new Cli.BadInput({ message: "--adapter-config is only for --provider generic" })
    }
    const factory = Object.hasOwn(BUILT_IN, provider) ? BUILT_IN[provider] : undefined
    if (factory === undefined) {
      return yield* new Cli.BadInput({
        message: `unknown provider "${provider}" (known: ${KNOWN.join(", ")})`,
      })
    }
    return factory()
  })

/**
 * Shipped price books, the chosen adapter's first. All built-in books are
 * loaded because a router (OpenRouter) prices a call with the book of the
 * provider that served it.
 */
export const shippedPrices = (
  adapter: ProviderAdapter.ProviderAdapter,
): ReadonlyArray<PriceBook.PriceBookFile> => [
  adapter.defaultPrices,
  ...Object.entries(BUILT_IN)
    .filter(([name]) => name !== adapter.provider)
    .map(([, factory]) => factory().defaultPrices),
]
