/**
 * The mixed set of raw provider responses both pricers are measured on: every
 * fixture the adapter authors wrote for OpenAI, Anthropic, Google and
 * OpenRouter that its adapter accepts. Error bodies, stream chunks without
 * usage and settlement (generation-stats) bodies are rejected by their
 * adapter with `MalformedResponse`; they are listed as skipped, not priced.
 */
import { readdirSync, readFileSync } from "node:fs"
import { anthropic } from "@agentcost/adapter-anthropic"
import { google } from "@agentcost/adapter-google"
import { openai } from "@agentcost/adapter-openai"
import { openrouter } from "@agentcost/adapter-openrouter"
import { ProviderAdapter } from "@agentcost/core"

export const ADAPTERS: ReadonlyArray<ProviderAdapter.ProviderAdapter> = [
  openai(),
  anthropic(),
  google(),
  openrouter(),
]

export interface RawResponse {
  /** `provider/fixture`, e.g. `openai/chat-audio`. */
  readonly id: string
  readonly adapter: ProviderAdapter.ProviderAdapter
  readonly raw: unknown
}

export interface Skipped {
  readonly id: string
  /** The adapter's own `MalformedResponse` message. */
  readonly reason: string
}

const fixturesOf = (provider: string): URL =>
  new URL(`../../../adapters/${provider}/src/__fixtures__/`, import.meta.url)

/** Reads every JSON fixture of every adapter, in a stable order, and splits accepted from rejected. */
export const load = (): {
  readonly responses: Array<RawResponse>
  readonly skipped: Array<Skipped>
} => {
  const responses: Array<RawResponse> = []
  const skipped: Array<Skipped> = []
  for (const adapter of ADAPTERS) {
    const folder = fixturesOf(adapter.provider)
    const files = readdirSync(folder)
      .filter((file) => file.endsWith(".json"))
      .sort()
    for (const file of files) {
      const id = `${adapter.provider}/${file.slice(0, -".json".length)}`
      const raw: unknown = JSON.parse(readFileSync(new URL(file, folder), "utf8"))
      try {
        adapter.normalize(raw)
      } catch (error) {
        if (!(error instanceof ProviderAdapter.MalformedResponse)) throw error
        skipped.push({ id, reason: error.message })
        continue
      }
      responses.push({ id, adapter, raw })
    }
  }
  return { responses, skipped }
}
