/**
 * A realistic price book (about 50 entries across providers, with tiers,
 * surcharges, endpoint entries, a price change and every strategy) and a
 * mixed, deterministic set of normalized calls to price with it.
 */
import { PriceBook, PricingRegistry, type ProviderAdapter, Usage } from "@agentcost/core"
import { normalizedCall } from "@agentcost/core/test"

type Entry = { readonly [field: string]: unknown }

const entry = (
  provider: string,
  model: string,
  rates: { readonly [unit: string]: string },
  more: Entry = {},
): Entry => ({
  provider,
  model,
  validFrom: "2026-01-01",
  strategy: "TOKEN_BASED",
  currency: "USD",
  ...(Object.keys(rates).length > 0 ? { rates } : {}),
  ...more,
})

/** input, cache read, output per million tokens. */
const text = (input: string, cacheRead: string, output: string) => ({
  input_tokens: input,
  cache_read_tokens: cacheRead,
  output_tokens: output,
})

/** Anthropic's buckets: input, cache read, 5-minute and 1-hour cache writes, output. */
const claude = (input: string, read: string, write: string, write1h: string, output: string) => ({
  input_tokens: input,
  cache_read_tokens: read,
  cache_write_tokens: write,
  cache_write_1h_tokens: write1h,
  output_tokens: output,
})

const openaiTiers = (flex: [string, string], priority: [string, string]) => ({
  tiers: [
    { when: { serviceTier: ["flex"] }, rates: { input_tokens: flex[0], output_tokens: flex[1] } },
    {
      when: { serviceTier: ["priority"] },
      rates: { input_tokens: priority[0], output_tokens: priority[1] },
    },
  ],
  fees: { web_search_requests: "0.01" },
  surcharges: [{ when: { capability: ["web_search"] }, fees: { per_call: "0.0025" } }],
})

const longContext = (input: string, output: string) => ({
  tiers: [
    { when: { inputTokensAbove: 200_000 }, rates: { input_tokens: input, output_tokens: output } },
  ],
})

export const book: PriceBook.PriceBookFile = PriceBook.decode(
  {
    version: 1,
    entries: [
      // OpenAI: a price change on gpt-5.1, service tiers, batch endpoint entries.
      entry("openai", "gpt-5.1", text("1.5", "0.15", "12"), {
        validFrom: "2025-11-13",
        validTo: "2026-01-01",
      }),
      entry(
        "openai",
        "gpt-5.1",
        text("1.25", "0.125", "10"),
        openaiTiers(["0.625", "5"], ["2.5", "20"]),
      ),
      entry("openai", "gpt-5.1", text("0.625", "0.0625", "5"), { endpoint: "batch" }),
      entry(
        "openai",
        "gpt-5",
        text("1.25", "0.125", "10"),
        openaiTiers(["0.625", "5"], ["2.5", "20"]),
      ),
      entry(
        "openai",
        "gpt-5-mini",
        text("0.25", "0.025", "2"),
        openaiTiers(["0.125", "1"], ["0.45", "3.6"]),
      ),
      entry(
        "openai",
        "gpt-5-nano",
        text("0.05", "0.005", "0.4"),
        openaiTiers(["0.025", "0.2"], ["0.1", "0.8"]),
      ),
      entry("openai", "gpt-4.1", text("2", "0.5", "8"), { fees: { web_search_requests: "0.025" } }),
      entry("openai", "gpt-4.1", text("1", "0.25", "4"), { endpoint: "batch" }),
      entry("openai", "gpt-4.1-mini", text("0.4", "0.1", "1.6")),
      entry("openai", "gpt-4.1-nano", text("0.1", "0.025", "0.4")),
      entry("openai", "gpt-4o", text("2.5", "1.25", "10")),
      entry("openai", "gpt-4o-mini", text("0.15", "0.075", "0.6")),
      entry("openai", "o3", text("2", "0.5", "8"), openaiTiers(["1", "4"], ["3.5", "14"])),
      entry(
        "openai",
        "o4-mini",
        text("1.1", "0.275", "4.4"),
        openaiTiers(["0.55", "2.2"], ["2", "8"]),
      ),
      entry("openai", "gpt-4o-audio-preview", {
        ...text("2.5", "1.25", "10"),
        input_audio_tokens: "40",
        output_audio_tokens: "80",
      }),
      entry("openai", "gpt-image-1", {
        input_tokens: "5",
        input_image_tokens: "10",
        output_tokens: "40",
      }),
      // Anthropic: cache writes by TTL, long context, data residency surcharge, web search.
      entry("anthropic", "claude-opus-4-1", claude("15", "1.5", "18.75", "30", "75")),
      entry("anthropic", "claude-opus-4-5", claude("5", "0.5", "6.25", "10", "25")),
      entry("anthropic", "claude-sonnet-4-5", claude("3", "0.3", "3.75", "6", "15"), {
        tiers: [
          {
            when: { inputTokensAbove: 200_000 },
            rates: claude("6", "0.6", "7.5", "12", "22.5"),
          },
        ],
        fees: { web_search_requests: "0.01" },
        surcharges: [
          {
            when: { region: ["eu", "us-only"] },
            rates: { input_tokens: "0.3", output_tokens: "1.5" },
          },
        ],
      }),
      entry(
        "anthropic",
        "claude-sonnet-4",
        claude("3", "0.3", "3.75", "6", "15"),
        longContext("6", "22.5"),
      ),
      entry("anthropic", "claude-haiku-4-5", claude("1", "0.1", "1.25", "2", "5"), {
        fees: { web_search_requests: "0.01" },
      }),
      entry("anthropic", "claude-3-5-haiku", claude("0.8", "0.08", "1", "1.6", "4")),
      entry("anthropic", "claude-sonnet-4-5", claude("1.5", "0.15", "1.875", "3", "7.5"), {
        endpoint: "batch",
      }),
      // Google: long-context tiers, grounding per request, audio input.
      entry("google", "gemini-2.5-pro", text("1.25", "0.125", "10"), {
        ...longContext("2.5", "15"),
        fees: { web_search_requests: "0.035" },
      }),
      entry(
        "google",
        "gemini-2.5-flash",
        { ...text("0.3", "0.03", "2.5"), input_audio_tokens: "1" },
        {
          fees: { web_search_requests: "0.035" },
        },
      ),
      entry("google", "gemini-2.5-flash-lite", text("0.1", "0.01", "0.4")),
      entry("google", "gemini-2.0-flash", text("0.1", "0.025", "0.4")),
      entry("google", "gemini-3-pro-preview", text("2", "0.2", "12"), longContext("4", "18")),
      // Mistral, with a `match` entry for the open-weight family.
      entry("mistral", "mistral-large", text("2", "0.2", "6")),
      entry("mistral", "mistral-medium", text("0.4", "0.04", "2")),
      entry("mistral", "mistral-small", text("0.1", "0.01", "0.3")),
      entry("mistral", "codestral", text("0.3", "0.03", "0.9")),
      entry("mistral", "open-mistral", text("0.15", "0.015", "0.15"), {
        match: "^open-(mistral|mixtral)-",
      }),
      // DeepSeek: off-peak discount selected by an adapter attribute.
      ...["deepseek-chat", "deepseek-reasoner"].map((model) =>
        entry("deepseek", model, text("0.56", "0.07", "1.68"), {
          tiers: [
            {
              when: { attributes: { time_window: "off_peak" } },
              rates: text("0.28", "0.035", "0.84"),
            },
          ],
        }),
      ),
      // xAI and Groq.
      entry("xai", "grok-4", text("3", "0.75", "15"), longContext("6", "30")),
      entry("xai", "grok-4-fast", text("0.2", "0.05", "0.5"), longContext("0.4", "1")),
      entry("groq", "llama-3.3-70b-versatile", text("0.59", "0.59", "0.79")),
      entry("groq", "openai/gpt-oss-120b", text("0.15", "0.075", "0.75")),
      // Bedrock: regional pricing as tiers, cross-region routing as a surcharge.
      entry("bedrock", "anthropic.claude-sonnet-4-5", claude("3", "0.3", "3.75", "6", "15"), {
        tiers: [
          {
            when: { region: ["eu-central-1", "ap-northeast-1"] },
            rates: claude("3.3", "0.33", "4.125", "6.6", "16.5"),
          },
        ],
        surcharges: [
          { when: { attributes: { routing: "cross-region" } }, fees: { per_call: "0.0001" } },
        ],
      }),
      entry("bedrock", "amazon.nova-pro", text("0.8", "0.2", "3.2")),
      entry("bedrock", "amazon.nova-lite", text("0.06", "0.015", "0.24")),
      // Compute-unit, outcome-based and hybrid pricing.
      ...["small", "large"].map((size, i) =>
        entry(
          "acme",
          `cu-${size}`,
          {},
          {
            strategy: "COMPUTE_UNIT",
            fees: { compute_units: i === 0 ? "0.0004" : "0.0011" },
            estimate: { compute_units_per_1k_tokens: i === 0 ? "1.5" : "2.25" },
          },
        ),
      ),
      entry(
        "acme",
        "support-resolver",
        {},
        {
          strategy: "OUTCOME_BASED",
          fees: { per_call: "0.01" },
          outcomes: { succeeded: "0.99", failed: "0.1" },
        },
      ),
      entry("acme", "research-agent", text("3", "0.3", "15"), {
        strategy: "HYBRID",
        fees: { x_structured_objects: "0.002" },
        outcomes: { succeeded: "0.5", failed: "0", unknown: "0.1" },
      }),
      entry("acme", "embed-1", { input_tokens: "0.02" }),
      entry("acme", "rerank-1", { input_tokens: "0" }, { fees: { requests: "0.002" } }),
    ],
  },
  "bench book",
)

/** A call to price and, for the float baseline, the price ref a plain Map lookup would use. */
export interface BenchCall {
  readonly provider: string
  readonly call: ProviderAdapter.NormalizedCall
  readonly at: number
  readonly baselineKey: string
}

/** Park–Miller: a fixed sequence, so every run prices the same calls. */
const random = (seed: number) => {
  let state = seed
  return () => {
    state = (state * 48271) % 2147483647
    return state / 2147483647
  }
}

/** Models that carry a date suffix in responses, as providers report them. */
const SERVED_AS: { readonly [model: string]: string } = {
  "gpt-5.1": "gpt-5.1-2025-11-13",
  "gpt-4.1": "gpt-4.1-2025-04-14",
  "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
  "claude-haiku-4-5": "claude-haiku-4-5-20251001",
}

export const makeCalls = (count: number): ReadonlyArray<BenchCall> => {
  const next = random(20_260_101)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]!
  const tokens = (max: number) => Math.floor(next() ** 2 * max)
  const priced = book.entries.filter((e) => e.validTo === undefined)
  const calls: Array<BenchCall> = []
  while (calls.length < count) {
    const e = pick(priced)
    const model =
      e.match !== undefined
        ? `open-mixtral-${pick(["8x7b", "8x22b"])}`
        : next() < 0.5
          ? (SERVED_AS[e.model] ?? e.model)
          : e.model
    const rates = e.rates ?? {}
    const longContext = next() < 0.05
    const usage = Usage.make({
      input_tokens: (longContext ? 180_000 : 0) + tokens(20_000) + 1,
      cache_read_tokens: "cache_read_tokens" in rates ? tokens(40_000) : 0,
      cache_write_tokens: "cache_write_tokens" in rates && next() < 0.3 ? tokens(8_000) : 0,
      output_tokens: tokens(4_000) + 1,
      reasoning_tokens: /^(o3|o4|gpt-5|deepseek-reasoner|claude-opus|grok-4)/.test(e.model)
        ? tokens(6_000)
        : 0,
      input_audio_tokens: "input_audio_tokens" in rates ? tokens(3_000) : 0,
      web_search_requests:
        e.fees?.web_search_requests !== undefined && next() < 0.2 ? 1 + tokens(4) : 0,
      tool_calls: next() < 0.3 ? 1 + tokens(3) : 0,
      compute_units: e.strategy === "COMPUTE_UNIT" && next() < 0.5 ? 10 + next() * 500 : 0,
      requests: e.fees?.requests !== undefined ? 1 : 0,
      x_structured_objects: e.fees?.x_structured_objects !== undefined ? tokens(10) : 0,
    })
    calls.push({
      provider: e.provider,
      at: Date.parse("2026-01-01T00:00:00Z") + Math.floor(next() * 300 * 86_400_000),
      baselineKey: PricingRegistry.priceRefOf(e),
      call: normalizedCall(model, usage, {
        endpoint: e.endpoint ?? "chat.completions",
        serviceTier:
          e.provider === "openai" ? pick(["default", "default", "flex", "priority"]) : null,
        region:
          e.provider === "bedrock" || e.provider === "anthropic"
            ? pick(["us-east-1", "eu-central-1", "eu"])
            : null,
        attributes: e.provider === "deepseek" && next() < 0.4 ? { time_window: "off_peak" } : {},
        providerRequestId: `req_${calls.length}`,
      }),
    })
  }
  return calls
}
