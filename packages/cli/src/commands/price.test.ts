import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { CostSignal } from "@agentcost/core"
import { describe, expect, it } from "vitest"
import { main } from "../index.ts"
import { runInProcess } from "../testing.ts"

const fixture = (name: string) => fileURLToPath(new URL(`../__fixtures__/${name}`, import.meta.url))
const adapterFixture = (adapter: string, name: string) =>
  fileURLToPath(
    new URL(`../../../../adapters/${adapter}/src/__fixtures__/${name}`, import.meta.url),
  )

const RESPONSE = fixture("openai-chat.json")
const BOOK = fixture("prices.json")
const run = (args: ReadonlyArray<string>, stdin?: string) =>
  runInProcess(main, ["price", ...args], { stdin })

/** The one JSON line of a `--json` run, decoded against the signal contract. */
const signalOf = (result: { exitCode: number; stdout: string; stderr: string }) => {
  expect(result.stderr).toBe("")
  expect(result.exitCode).toBe(0)
  const lines = result.stdout.split("\n")
  expect(lines).toHaveLength(2)
  expect(lines[1]).toBe("")
  return CostSignal.decode(JSON.parse(lines[0]!))
}

const tempFile = (name: string, text: string): string => {
  const path = join(mkdtempSync(join(tmpdir(), "agentcost-price-")), name)
  writeFileSync(path, text)
  return path
}

describe("agentcost price --json", () => {
  // usage: prompt 2000 incl. 800 cached, completion 500 incl. 200 reasoning (OpenAI counts
  // cache inside prompt_tokens and reasoning inside completion_tokens), so the disjoint
  // buckets are input 1200, cache_read 800, output 300, reasoning 200.
  // January book: 1200 × 1.25/1M + 800 × 0.125/1M + 300 × 10/1M + 200 × 10/1M (reasoning
  // falls back to the output rate) = 0.0015 + 0.0001 + 0.003 + 0.002 = 0.0066.
  it("prints one cost signal priced by the user's book at the response's own time", async () => {
    const signal = signalOf(
      await run(["--provider", "openai", "--prices", BOOK, "--json", RESPONSE]),
    )
    expect(signal).toMatchObject({
      signal_id: "openai:chatcmpl-B9x2",
      provider: "openai",
      model: "gpt-5.1-2025-11-13",
      endpoint: "chat.completions",
      strategy: "TOKEN_BASED",
      usage: {
        input_tokens: 1200,
        cache_read_tokens: 800,
        output_tokens: 300,
        reasoning_tokens: 200,
      },
      base_cost: "0.0066",
      currency: "USD",
      cost_source: "local",
      pending_cost: false,
      estimate_method: null,
      cost_components: {
        input_tokens: "0.0015",
        cache_read_tokens: "0.0001",
        output_tokens: "0.003",
        reasoning_tokens: "0.002",
      },
      fallbacks: ["reasoning_tokens->output_tokens"],
      provider_request_id: "chatcmpl-B9x2",
      attempt: 1,
      attempt_outcome: "succeeded",
      price_ref: "openai/gpt-5.1@2026-01-01",
      observed_at: "2026-11-03T10:00:00.000Z",
    })
  })

  // December book: 1200 × 2.5/1M + 800 × 0.25/1M + 300 × 20/1M + 200 × 20/1M
  // = 0.003 + 0.0002 + 0.006 + 0.004 = 0.0132.
  it("--at is the call time: the entry in force then prices it", async () => {
    const args = ["--provider", "openai", "--prices", BOOK, "--json"]
    const december = signalOf(await run([...args, "--at", "2026-12-15T08:00:00Z", RESPONSE]))
    expect(december.price_ref).toBe("openai/gpt-5.1@2026-12-01")
    expect(december.base_cost).toBe("0.0132")
    expect(december.observed_at).toBe("2026-12-15T08:00:00.000Z")

    const dateOnly = signalOf(await run([...args, "--at", "2026-12-01", RESPONSE]))
    expect(dateOnly.observed_at).toBe("2026-12-01T00:00:00.000Z")
    expect(dateOnly.price_ref).toBe("openai/gpt-5.1@2026-12-01")
  })

  it("reads the response from stdin when FILE is absent or -", async () => {
    const body = readFileSync(RESPONSE, "utf8")
    const args = ["--provider", "openai", "--prices", BOOK, "--json"]
    expect(signalOf(await run(args, body)).base_cost).toBe("0.0066")
    expect(signalOf(await run([...args, "-"], body)).base_cost).toBe("0.0066")
  })

  it("a model no book prices is pending with an unknown cost, never $0", async () => {
    const body = readFileSync(RESPONSE, "utf8").replace("gpt-5.1-2025-11-13", "gpt-nonexistent-9")
    const signal = signalOf(await run(["--provider", "openai", "--json"], body))
    expect(signal.base_cost).toBeNull()
    expect(signal.pending_cost).toBe(true)
    expect(signal.estimate_method).toBe("unpriced")
    expect(signal.price_ref).toBeNull()
    expect(signal.pricing_error).toMatch(/^no price for openai\/gpt-nonexistent-9 /)
  })

  it("without --prices, the adapter's shipped book prices the call", async () => {
    const body = readFileSync(RESPONSE, "utf8").replace("gpt-5.1-2025-11-13", "gpt-4.1-2025-04-14")
    const signal = signalOf(await run(["--provider", "openai", "--json"], body))
    expect(signal.price_ref).toMatch(/^openai\/gpt-4\.1@/)
    expect(signal.pending_cost).toBe(false)
  })
})

describe("agentcost price (breakdown)", () => {
  it("shows each component as units × rate, the entry, its source, fallbacks and pending", async () => {
    const result = await run(["--provider", "openai", "--prices", BOOK, RESPONSE])
    expect(result.exitCode).toBe(0)
    expect(result.stderr).toBe("")
    expect(result.stdout.split("\n")).toEqual([
      "call       openai · gpt-5.1-2025-11-13 · chat.completions",
      "signal     openai:chatcmpl-B9x2",
      "at         2026-11-03T10:00:00.000Z",
      "price      openai/gpt-5.1@2026-01-01 (TOKEN_BASED, USD)",
      `source     test book, January prices [--prices ${BOOK}]`,
      "attributes service_tier=default",
      "uses       reasoning",
      "",
      "  input_tokens       1200 × 1.25/1M                    0.0015",
      "  cache_read_tokens  800 × 0.125/1M                    0.0001",
      "  output_tokens      300 × 10/1M                       0.003",
      "  reasoning_tokens   200 × 10/1M (output_tokens rate)  0.002",
      "  total                                                0.0066 USD",
      "",
      "fallbacks  reasoning_tokens->output_tokens",
      "pending    no",
      "",
    ])
  })

  it("an unpriced model says why and that the cost is unknown", async () => {
    const body = readFileSync(RESPONSE, "utf8").replace("gpt-5.1-2025-11-13", "gpt-nonexistent-9")
    const result = await run(["--provider", "openai"], body)
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split("\n")
    expect(lines).toContain("price      none found")
    expect(lines).toContain("  total                    unknown")
    expect(lines).toContain(
      "pending    yes: unpriced (no price entry applies (see unpriced); the cost is unknown, not zero)",
    )
    expect(lines.find((l) => l.startsWith("unpriced   "))).toMatch(
      /^unpriced {3}no price for openai\/gpt-nonexistent-9 \(chat\.completions\) at 2026-11-03T10:00:00\.000Z/,
    )
  })
})

describe("agentcost price input errors", () => {
  it("a malformed response exits 2 naming the source and the field", async () => {
    const body = JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1793700000,
      model: "gpt-5.1",
      choices: [],
      usage: { prompt_tokens: "12", completion_tokens: 3 },
    })
    const result = await run(["--provider", "openai"], body)
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(
      /^agentcost price: stdin: openai response: usage\.prompt_tokens: .+\n$/,
    )
  })

  it("invalid JSON names the file and line", async () => {
    const file = tempFile("response.json", '{\n  "id": "x",\n  "usage": {,}\n}')
    const result = await run(["--provider", "openai", file])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(new RegExp(`^agentcost price: ${file}:3: invalid JSON \\(`))
  })

  it("an unknown provider lists the known ones", async () => {
    const result = await run(["--provider", "mistral", RESPONSE])
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        'agentcost price: unknown provider "mistral" (known: anthropic, generic, google, openai, openrouter)\n',
    })
  })

  it("a bad price book names the file and the field, and nothing is printed", async () => {
    const book = tempFile(
      "bad-prices.json",
      JSON.stringify({
        version: 1,
        entries: [
          {
            provider: "openai",
            model: "gpt-5.1",
            validFrom: "2026-01-01",
            strategy: "TOKEN_BASED",
            currency: "USD",
            rates: { input_tokens: "-1" },
          },
        ],
      }),
    )
    const result = await run(["--provider", "openai", "--prices", book, RESPONSE])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(
      new RegExp(`^agentcost price: ${book}: entries\\[0\\]\\.rates\\.input_tokens: .+\\n$`),
    )
  })

  it("a bad --at is named", async () => {
    const result = await run(["--provider", "openai", "--at", "last tuesday", RESPONSE])
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        'agentcost price: --at: "last tuesday" is not an ISO 8601 date or timestamp (e.g. 2026-11-03T10:00:00Z)\n',
    })
  })

  it("--provider is required", async () => {
    const result = await run([RESPONSE])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(
      /^agentcost price: .*--provider.* \(see agentcost price --help\)\n$/,
    )
  })

  it("--adapter-config is refused for a built-in provider", async () => {
    const result = await run(["--provider", "openai", "--adapter-config", BOOK, RESPONSE])
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr: "agentcost price: --adapter-config is only for --provider generic\n",
    })
  })

  it("--provider generic needs --adapter-config", async () => {
    const result = await run(["--provider", "generic", RESPONSE])
    expect(result).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        "agentcost price: --provider generic needs --adapter-config FILE (the generic adapter's mapping)\n",
    })
  })
})

describe("agentcost price with each adapter's own fixtures", () => {
  it("anthropic: disjoint cache buckets priced by the shipped book, at now (no timestamp in the body)", async () => {
    const before = Date.now()
    const signal = signalOf(
      await run(["--provider", "anthropic", "--json", adapterFixture("anthropic", "cache.json")]),
    )
    const observed = Date.parse(signal.observed_at)
    expect(observed).toBeGreaterThanOrEqual(before)
    expect(observed).toBeLessThanOrEqual(Date.now())
    expect(signal.provider).toBe("anthropic")
    expect(signal.price_ref).toMatch(/^anthropic\//)
    expect(signal.usage.cache_read_tokens).toBeGreaterThan(0)
    expect(Object.keys(signal.cost_components)).toContain("cache_read_tokens")
  })

  it("openrouter: the provider-reported cost is the cost, the local estimate beside it", async () => {
    const signal = signalOf(
      await run(["--provider", "openrouter", "--json", adapterFixture("openrouter", "plain.json")]),
    )
    expect(signal.cost_source).toBe("provider")
    expect(signal.base_cost).toBe("0.0003387")
    expect(signal.cost_components.provider_reported).toBe("0.0003387")
  })

  it("google: a Gemini response priced by the shipped book", async () => {
    const signal = signalOf(
      await run(["--provider", "google", "--json", adapterFixture("google", "generate.json")]),
    )
    expect(signal.provider).toBe("google")
    expect(signal.price_ref).toMatch(/^google\//)
    expect(signal.pending_cost).toBe(false)
  })

  // resolvly.config.json prices x_resolved_tasks at 0.99 each (OUTCOME_BASED); the
  // response resolved 2 tasks, so the known cost is 2 × 0.99 = 1.98 and the outcome
  // fee is still pending. closed_at_ms 1793781000000 is 2026-11-04T08:30:00Z.
  it("generic: --adapter-config maps the response and supplies the prices", async () => {
    const config = adapterFixture("generic", "resolvly.config.json")
    const response = adapterFixture("generic", "resolvly.response.json")
    const signal = signalOf(
      await run(["--provider", "generic", "--adapter-config", config, "--json", response]),
    )
    expect(signal).toMatchObject({
      signal_id: "resolvly:conv_7Hq2LmX9aB4tR8vK",
      provider: "resolvly",
      provider_account: "ws_acme_eu",
      model: "resolve-agent-v3",
      strategy: "OUTCOME_BASED",
      usage: { x_resolved_tasks: 2, requests: 1 },
      base_cost: "1.98",
      cost_components: { x_resolved_tasks: "1.98" },
      pending_cost: true,
      estimate_method: "outcome_fee",
      price_ref: "resolvly/resolve-agent-v3@2026-09-01",
      observed_at: "2026-11-04T08:30:00.000Z",
    })
  })

  it("generic: the breakdown says the prices come from the adapter config", async () => {
    const config = adapterFixture("generic", "resolvly.config.json")
    const response = adapterFixture("generic", "resolvly.response.json")
    const result = await run(["--provider", "generic", "--adapter-config", config, response])
    expect(result.exitCode).toBe(0)
    const lines = result.stdout.split("\n")
    expect(lines).toContain(
      `source     Resolvly outcome plan, read 2026-09-01 [--adapter-config ${config}]`,
    )
    expect(lines).toContain("  x_resolved_tasks  2 × 0.99  1.98")
    expect(lines).toContain(
      "pending    yes: outcome_fee (the outcome fee is booked when the run's business outcome is known)",
    )
  })

  it("generic: a config error names the config file and field, exit 2", async () => {
    const config = tempFile(
      "bad.config.json",
      JSON.stringify({ provider: "acme", model: "m", usage: { tokens_in: "u.in" } }),
    )
    const result = await run(["--provider", "generic", "--adapter-config", config, RESPONSE])
    expect(result.exitCode).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toMatch(
      new RegExp(`^agentcost price: ${config}: usage\\.tokens_in: .+\\n$`),
    )
  })
})
