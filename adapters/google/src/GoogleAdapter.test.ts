import { readFileSync } from "node:fs"
import { CostSignal, PriceBook, PricingRegistry } from "@agentcost/core"
import { malformedResponse } from "@agentcost/core/test"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { defaultPrices } from "./DefaultPrices.ts"
import { google } from "./GoogleAdapter.ts"
import { mergeStreamChunks } from "./StreamChunks.ts"

// biome-ignore lint/suspicious/noExplicitAny: tests reshape fixtures freely
type Json = Record<string, any>

/** A fresh copy of a fixture, so a test may change it. */
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}.json`, import.meta.url), "utf8"))

const adapter = google()
const pricer = new PricingRegistry.Pricer({ shipped: [defaultPrices] })
const DEC_2026 = Date.parse("2026-12-01T12:00:00Z")

/** Prices at `at`, or at the response's own timestamp when `at` is null. */
const signal = (raw: unknown, at: number | null = DEC_2026, using = pricer) =>
  CostSignal.fromCall(using, "google", adapter.normalize(raw), at === null ? {} : { at }, DEC_2026)

const malformed = (raw: unknown) => malformedResponse(adapter, raw)

describe("google().normalize", () => {
  it("maps a generateContent response", () => {
    expect(adapter.normalize(fixture("generate"))).toEqual({
      model: "gemini-2.5-flash",
      endpoint: "generateContent",
      usage: { input_tokens: 1450, output_tokens: 320 },
      serviceTier: null,
      region: null,
      attributes: {},
      capabilities: [],
      providerRequestId: "mGBBaNuQKbWnz7IPx9-kiQ4",
      providerAccount: null,
      providerReportedCost: null,
      observedAt: null,
    })
    const priced = signal(fixture("generate"))
    // 1450 × $0.30/M = 0.000435; 320 × $2.50/M = 0.0008; total 0.001235
    expect(priced.base_cost).toBe("0.001235")
    expect(priced.cost_components).toEqual({ input_tokens: "0.000435", output_tokens: "0.0008" })
    expect(priced.price_ref).toBe("google/gemini-2.5-flash@2025-01-01")
    expect(priced.signal_id).toBe("google:mGBBaNuQKbWnz7IPx9-kiQ4")
  })

  it("folds a stream's chunks: the last usageMetadata, function calls from every chunk", () => {
    const call = adapter.normalize(fixture("stream-chunks"))
    expect(call.endpoint).toBe("streamGenerateContent")
    expect(call.model).toBe("gemini-2.5-flash-lite")
    expect(call.usage).toEqual({ input_tokens: 812, output_tokens: 46, tool_calls: 1 })
    expect(call.capabilities).toEqual(["tool_use"])
    // 812 × $0.10/M = 0.0000812; 46 × $0.40/M = 0.0000184; total 0.0000996
    expect(signal(fixture("stream-chunks")).base_cost).toBe("0.0000996")
  })

  it("prices the final chunk alone too (its usage is cumulative), without earlier chunks' function calls", () => {
    const chunks = fixture("stream-chunks") as unknown as Array<Json>
    const call = adapter.normalize(chunks[2])
    expect(call.usage).toEqual({ input_tokens: 812, output_tokens: 46 })
    expect(call.endpoint).toBe("generateContent")
  })

  it("mergeStreamChunks keeps every part of a candidate", () => {
    const merged = mergeStreamChunks(fixture("stream-chunks") as unknown as Array<unknown>)
    expect(merged.responseId).toBe("Q2lDaL7xN5yWz7IP6P2Z2Qw")
    expect((merged.usageMetadata as Json).candidatesTokenCount).toBe(46)
    expect(merged.candidates).toEqual([
      {
        index: 0,
        content: {
          role: "model",
          parts: [
            { functionCall: { name: "get_order_status", args: { order_id: "A-1001" } } },
            { text: "Checking the order status now." },
            { text: "" },
          ],
        },
      },
    ])
  })

  it("takes the cache out of promptTokenCount (which includes it), cached audio in its own bucket", () => {
    expect(adapter.normalize(fixture("cached-audio")).usage).toEqual({
      input_tokens: 4000, // 20000 text − 16000 cached
      input_audio_tokens: 6000, // 30000 audio − 24000 cached
      cache_read_tokens: 16000,
      x_cache_read_audio_tokens: 24000,
      output_tokens: 600,
    })
    const priced = signal(fixture("cached-audio"))
    // Gemini 2.5 Flash: 4000 × $0.30/M = 0.0012; 6000 × $1/M (audio) = 0.006;
    // 16000 × $0.03/M = 0.00048; 24000 × $0.10/M (cached audio) = 0.0024; 600 × $2.50/M = 0.0015
    expect(priced.base_cost).toBe("0.01158")
    expect(priced.cost_components).toEqual({
      input_tokens: "0.0012",
      input_audio_tokens: "0.006",
      cache_read_tokens: "0.00048",
      x_cache_read_audio_tokens: "0.0024",
      output_tokens: "0.0015",
    })
    expect(priced.fallbacks).toEqual([])
  })

  it("keeps thoughtsTokenCount (separate from candidatesTokenCount) as reasoning", () => {
    const call = adapter.normalize(fixture("thinking"))
    expect(call.usage).toEqual({ input_tokens: 2300, output_tokens: 410, reasoning_tokens: 1900 })
    expect(call.capabilities).toEqual(["reasoning"])
    const priced = signal(fixture("thinking"))
    // Gemini 3 Pro: 2300 × $2/M = 0.0046; 410 × $12/M = 0.00492; 1900 × $12/M (thinking is output) = 0.0228
    expect(priced.base_cost).toBe("0.03232")
    expect(priced.fallbacks).toEqual(["reasoning_tokens->output_tokens"])
  })

  it("counts functionCall parts as tool calls", () => {
    const call = adapter.normalize(fixture("tool-use"))
    expect(call.usage).toEqual({
      input_tokens: 3100,
      output_tokens: 95,
      reasoning_tokens: 150,
      tool_calls: 2,
    })
    expect(call.capabilities).toEqual(["reasoning", "tool_use"])
    // Gemini 2.5 Pro: 3100 × $1.25/M = 0.003875; 95 × $10/M = 0.00095; 150 × $10/M = 0.0015
    expect(signal(fixture("tool-use")).base_cost).toBe("0.006325")
  })

  it("counts Google Search queries and adds tool-use prompt tokens to input (Gemini 3: per query)", () => {
    const call = adapter.normalize(fixture("grounding"))
    expect(call.usage).toEqual({
      input_tokens: 1695, // 45 prompt + 1650 search results fed back (toolUsePromptTokenCount)
      output_tokens: 380,
      reasoning_tokens: 220,
      web_search_requests: 2,
    })
    expect(call.capabilities).toEqual(["reasoning", "web_search"])
    const priced = signal(fixture("grounding"))
    // Gemini 3 Flash: 1695 × $0.50/M = 0.0008475; 380 × $3/M = 0.00114; 220 × $3/M = 0.00066;
    // 2 queries × $0.014 = 0.028; total 0.0306475
    expect(priced.base_cost).toBe("0.0306475")
    expect(priced.cost_components).toEqual({
      input_tokens: "0.0008475",
      output_tokens: "0.00114",
      reasoning_tokens: "0.00066",
      web_search_requests: "0.028",
    })
  })

  it("charges Gemini 2.5 grounding once per grounded prompt, whatever the number of queries", () => {
    const body = fixture("grounding")
    body.modelVersion = "gemini-2.5-flash"
    const priced = signal(body)
    // 1695 × $0.30/M = 0.0005085; 380 × $2.50/M = 0.00095; 220 × $2.50/M = 0.00055;
    // queries $0 each; $35 / 1000 grounded prompts = 0.035 once; total 0.0370085
    expect(priced.base_cost).toBe("0.0370085")
    expect(priced.cost_components).toMatchObject({
      web_search_requests: "0",
      "surcharge:per_call": "0.035",
    })
  })

  it("reads a Vertex AI response: trafficType as an attribute, createTime as the call time", () => {
    const call = adapter.normalize(fixture("vertex-traffic-type"))
    expect(call.attributes).toEqual({ traffic_type: "ON_DEMAND_FLEX" })
    expect(call.observedAt).toBe("2026-11-30T08:15:02.374Z")
    const priced = signal(fixture("vertex-traffic-type"), null)
    expect(priced.observed_at).toBe("2026-11-30T08:15:02.374Z")
    expect(priced.attributes).toEqual({ traffic_type: "ON_DEMAND_FLEX" })
    // the default book has no Flex rates: 900 × $0.30/M = 0.00027; 150 × $2.50/M = 0.000375
    expect(priced.base_cost).toBe("0.000645")
  })

  it("lets a user book price Flex traffic through an attributes tier", () => {
    const flex = PriceBook.decode({
      version: 1,
      entries: [
        {
          provider: "google",
          model: "gemini-2.5-flash",
          validFrom: "2026-06-01",
          strategy: "TOKEN_BASED",
          currency: "USD",
          rates: { input_tokens: "0.3", cache_read_tokens: "0.03", output_tokens: "2.5" },
          tiers: [
            {
              when: { attributes: { traffic_type: "ON_DEMAND_FLEX" } },
              rates: { input_tokens: "0.15", cache_read_tokens: "0.015", output_tokens: "1.25" },
            },
          ],
        },
      ],
    })
    const withFlex = new PricingRegistry.Pricer({ user: [flex], shipped: [defaultPrices] })
    const priced = signal(fixture("vertex-traffic-type"), DEC_2026, withFlex)
    // 900 × $0.15/M = 0.000135; 150 × $1.25/M = 0.0001875
    expect(priced.base_cost).toBe("0.0003225")
    expect(priced.price_ref).toBe("google/gemini-2.5-flash@2026-06-01")
  })

  it("prices a prompt above 200k tokens (cache included) at the long-context tier", () => {
    expect(adapter.normalize(fixture("long-context")).usage).toEqual({
      input_tokens: 150000,
      cache_read_tokens: 100000,
      output_tokens: 4000,
      reasoning_tokens: 1000,
    })
    // 250000 > 200000 → Gemini 2.5 Pro long context: 150000 × $2.50/M = 0.375;
    // 100000 × $0.25/M = 0.025; 4000 × $15/M = 0.06; 1000 × $15/M = 0.015
    expect(signal(fixture("long-context")).base_cost).toBe("0.475")

    const atLimit = fixture("long-context")
    atLimit.usageMetadata.promptTokenCount = 200000
    atLimit.usageMetadata.promptTokensDetails[0].tokenCount = 200000
    // 200000 is not above 200000: 100000 × $1.25/M = 0.125; 100000 × $0.125/M = 0.0125;
    // 4000 × $10/M = 0.04; 1000 × $10/M = 0.01
    expect(signal(atLimit).base_cost).toBe("0.1875")
  })

  it("splits prompt modalities: audio at its own rate, images at the text rate", () => {
    expect(adapter.normalize(fixture("audio-image")).usage).toEqual({
      input_tokens: 120,
      input_image_tokens: 1290,
      input_audio_tokens: 3200,
      output_tokens: 210,
    })
    const priced = signal(fixture("audio-image"))
    // Gemini 3.1 Flash-Lite: 120 × $0.25/M = 0.00003; 1290 × $0.25/M = 0.0003225 (image → text rate);
    // 3200 × $0.50/M (audio) = 0.0016; 210 × $1.50/M = 0.000315; total 0.0022675
    expect(priced.base_cost).toBe("0.0022675")
    expect(priced.fallbacks).toEqual(["input_image_tokens->input_tokens"])
  })

  it("prices Gemini 3.6 Flash at its introductory rate until 2027-01-01", () => {
    const body = fixture("generate")
    body.modelVersion = "gemini-3.6-flash"
    const december = signal(body, Date.parse("2026-12-31T23:59:59Z"))
    // 1450 × $0.75/M = 0.0010875; 320 × $3.75/M = 0.0012
    expect(december.base_cost).toBe("0.0022875")
    const january = signal(body, Date.parse("2027-01-01T00:00:00Z"))
    // 1450 × $1.50/M = 0.002175; 320 × $7.50/M = 0.0024
    expect(january.base_cost).toBe("0.004575")
    expect(january.price_ref).toBe("google/gemini-3.6-flash@2027-01-01")
  })

  it("records an unknown model as pending with no cost, never $0", () => {
    const body = fixture("generate")
    body.modelVersion = "gemini-1.0-ultra"
    const priced = signal(body)
    expect(priced.base_cost).toBeNull()
    expect(priced.pending_cost).toBe(true)
    expect(priced.estimate_method).toBe("unpriced")
    expect(priced.pricing_error).toBe(
      "no price for google/gemini-1.0-ultra (generateContent) at 2026-12-01T12:00:00.000Z; add a price book entry (--prices FILE)",
    )
  })

  it("takes the account from the call's hint, else from the adapter's options", () => {
    const withDefault = google({ providerAccount: "projects/acme-prod" })
    expect(withDefault.normalize(fixture("generate")).providerAccount).toBe("projects/acme-prod")
    expect(
      withDefault.normalize(fixture("generate"), { providerAccount: "projects/acme-eu" })
        .providerAccount,
    ).toBe("projects/acme-eu")
  })
})

describe("google().normalize rejects what is not a priceable response", () => {
  it("quotes an error body, also inside a stream", () => {
    const error = malformed(fixture("error"))
    expect(error.field).toBe("error")
    expect(error.message).toBe(
      'google response: error: the API returned an error, not a response: {"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}',
    )
    const chunks = fixture("stream-chunks") as unknown as Array<unknown>
    chunks.splice(1, 0, fixture("error"))
    expect(malformed(chunks).field).toBe("[1].error")
  })

  it("rejects a chunk without usage and a stream none of whose chunks has it", () => {
    const chunk = fixture("generate")
    delete chunk.usageMetadata
    expect(malformed(chunk).message).toBe(
      "google response: usageMetadata: missing: pass the whole response, the final chunk of a stream, or all of its chunks",
    )
    expect(malformed([chunk]).message).toBe(
      "google response: usageMetadata: no chunk of the stream carries it; pass the stream's chunks up to the final one",
    )
  })

  it("rejects cache counts above their totals", () => {
    const overPrompt = fixture("cached-audio")
    overPrompt.usageMetadata.cachedContentTokenCount = 60000
    expect(malformed(overPrompt).message).toBe(
      "google response: usageMetadata.cachedContentTokenCount: 60000 exceeds promptTokenCount (50000), which includes the cache",
    )
    const overAudio = fixture("cached-audio")
    overAudio.usageMetadata.cacheTokensDetails = [
      { modality: "TEXT", tokenCount: 9000 },
      { modality: "AUDIO", tokenCount: 31000 },
    ]
    expect(malformed(overAudio).message).toBe(
      "google response: usageMetadata.cacheTokensDetails: cached AUDIO tokens (31000) exceed the prompt's (30000)",
    )
    const overText = fixture("cached-audio")
    overText.usageMetadata.cacheTokensDetails = [
      { modality: "TEXT", tokenCount: 24000 },
      { modality: "AUDIO", tokenCount: 16000 },
    ]
    expect(malformed(overText).message).toBe(
      "google response: usageMetadata.cachedContentTokenCount: cached text tokens (24000) exceed the prompt's text tokens (20000)",
    )
    const overDetails = fixture("cached-audio")
    overDetails.usageMetadata.promptTokensDetails[1].tokenCount = 31000
    expect(malformed(overDetails).message).toBe(
      "google response: usageMetadata.promptTokensDetails: modality counts sum to 51000, more than promptTokenCount (50000)",
    )
  })

  it("names the field of a count that is not a whole non-negative number", () => {
    const cases: Array<[(body: Json) => void, string]> = [
      [
        (b) => (b.usageMetadata.promptTokenCount = "1450"),
        'usageMetadata.promptTokenCount: expected a number, got "1450"',
      ],
      [
        (b) => (b.usageMetadata.candidatesTokenCount = -1),
        "usageMetadata.candidatesTokenCount: expected a whole non-negative count, got -1",
      ],
      [
        (b) => (b.usageMetadata.thoughtsTokenCount = Number.NaN),
        "usageMetadata.thoughtsTokenCount: expected a number, got NaN",
      ],
      [
        (b) => (b.usageMetadata.promptTokensDetails[0].tokenCount = 14.5),
        "usageMetadata.promptTokensDetails[0].tokenCount: expected a whole non-negative count, got 14.5",
      ],
      [
        (b) => (b.usageMetadata.candidatesTokensDetails = { modality: "TEXT" }),
        'usageMetadata.candidatesTokensDetails: expected an array, got {"modality":"TEXT"}',
      ],
    ]
    for (const [change, expected] of cases) {
      const body = fixture("generate")
      change(body)
      expect(malformed(body).message).toBe(`google response: ${expected}`)
    }
  })

  it("names a missing or mistyped structural field", () => {
    expect(malformed(42).message).toBe("google response: expected an object, got 42")
    const noModel = fixture("generate")
    delete noModel.modelVersion
    expect(malformed(noModel).message).toBe("google response: modelVersion: missing")
    const badTime = fixture("vertex-traffic-type")
    badTime.createTime = "yesterday"
    expect(malformed(badTime).message).toBe(
      'google response: createTime: not a timestamp: "yesterday"',
    )
    const badParts = fixture("tool-use")
    badParts.candidates[0].content.parts = "functionCall"
    expect(malformed(badParts).message).toBe(
      'google response: candidates[0].content.parts: expected an array, got "functionCall"',
    )
    const badQuery = fixture("grounding")
    badQuery.candidates[0].groundingMetadata.webSearchQueries = [7]
    expect(malformed(badQuery).message).toBe(
      "google response: candidates[0].groundingMetadata.webSearchQueries[0]: expected a string, got 7",
    )
  })
})

describe("google usage buckets are disjoint", () => {
  it("every reported token lands in exactly one bucket", () => {
    const count = fc.integer({ min: 0, max: 2_000_000 })
    const part = (max: number, share: number) => (max === 0 ? 0 : share % (max + 1))
    fc.assert(
      fc.property(
        fc.tuple(count, count, count, count, count, count),
        fc.tuple(count, count, count, count, count),
        (
          [text, audio, image, cachedTextShare, cachedAudioShare, cachedImageShare],
          [toolUse, toolAudioShare, output, outputAudioShare, thoughts],
        ) => {
          const cachedText = part(text, cachedTextShare)
          const cachedAudio = part(audio, cachedAudioShare)
          const cachedImage = part(image, cachedImageShare)
          const toolAudio = part(toolUse, toolAudioShare)
          const outputAudio = part(output, outputAudioShare)
          const prompt = text + audio + image
          const cached = cachedText + cachedAudio + cachedImage
          const body = fixture("generate")
          body.usageMetadata = {
            promptTokenCount: prompt,
            cachedContentTokenCount: cached,
            toolUsePromptTokenCount: toolUse,
            candidatesTokenCount: output,
            thoughtsTokenCount: thoughts,
            promptTokensDetails: [
              { modality: "TEXT", tokenCount: text },
              { modality: "AUDIO", tokenCount: audio },
              { modality: "IMAGE", tokenCount: image },
            ],
            cacheTokensDetails: [
              { modality: "TEXT", tokenCount: cachedText },
              { modality: "AUDIO", tokenCount: cachedAudio },
              { modality: "IMAGE", tokenCount: cachedImage },
            ],
            toolUsePromptTokensDetails: [{ modality: "AUDIO", tokenCount: toolAudio }],
            candidatesTokensDetails: [{ modality: "AUDIO", tokenCount: outputAudio }],
          }
          const usage = adapter.normalize(body).usage
          const bucket = (unit: string) => usage[unit] ?? 0
          const inputs = [
            "input_tokens",
            "input_audio_tokens",
            "input_image_tokens",
            "cache_read_tokens",
            "x_cache_read_audio_tokens",
          ]
          expect(inputs.reduce((sum, unit) => sum + bucket(unit), 0)).toBe(prompt + toolUse)
          expect(bucket("cache_read_tokens") + bucket("x_cache_read_audio_tokens")).toBe(cached)
          expect(bucket("input_audio_tokens")).toBe(audio - cachedAudio + toolAudio)
          expect(bucket("output_tokens") + bucket("output_audio_tokens")).toBe(output)
          expect(bucket("output_audio_tokens")).toBe(outputAudio)
          expect(bucket("reasoning_tokens")).toBe(thoughts)
        },
      ),
    )
  })
})
