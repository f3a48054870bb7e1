/**
 * A support agent on the Vercel AI SDK, attributed per tenant with
 * @agentcost/ai-sdk — no keys: the models are the SDK's own mocks, answering
 * with the usage the real provider packages report.
 *
 * Each ticket is one workflow run (`agentcost.run`): a `ToolLoopAgent` on an
 * OpenAI model looks up the order and answers (a tool loop: every step is
 * booked with its own usage), a Gemini model classifies the ticket
 * (structured output), and an Anthropic model streams a summary for the
 * ticket's history. One ticket meets an overloaded API and is retried: one
 * operation, two attempts, only the billed one costs. Then the per-tenant and
 * per-model cost is printed.
 */

import { agentcostMiddleware } from "@agentcost/ai-sdk"
import { AgentCost, type Ledger, type PriceBook } from "@agentcost/core"
import type {
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider"
import {
  APICallError,
  generateText,
  Output,
  stepCountIs,
  streamText,
  ToolLoopAgent,
  tool,
  wrapLanguageModel,
} from "ai"
import { convertArrayToReadableStream, MockLanguageModelV4 } from "ai/test"
import { z } from "zod"

/** The prices of the three models (USD per million tokens; a web search per request). */
const prices: PriceBook.PriceBookFile = {
  version: 1,
  entries: [
    {
      provider: "openai",
      model: "gpt-5.1",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: { input_tokens: "1.25", cache_read_tokens: "0.125", output_tokens: "10" },
    },
    {
      provider: "google",
      model: "gemini-2.5-flash",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: { input_tokens: "0.3", cache_read_tokens: "0.03", output_tokens: "2.5" },
    },
    {
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      validFrom: "2026-01-01",
      strategy: "TOKEN_BASED",
      currency: "USD",
      rates: {
        input_tokens: "3",
        cache_write_tokens: "3.75",
        cache_read_tokens: "0.3",
        output_tokens: "15",
      },
    },
  ],
}

let responses = 0
const nextId = (prefix: string) => `${prefix}${++responses}`

/** Usage as @ai-sdk/openai reports a Chat Completion: the cache is inside the prompt tokens. */
const openAiUsage = (prompt: number, cached: number, completion: number): LanguageModelV4Usage => ({
  inputTokens: {
    total: prompt,
    noCache: prompt - cached,
    cacheRead: cached,
    cacheWrite: undefined,
  },
  outputTokens: { total: completion, text: completion, reasoning: 0 },
  raw: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    prompt_tokens_details: { cached_tokens: cached },
  },
})

const reply = (
  usage: LanguageModelV4Usage,
  content: LanguageModelV4GenerateResult["content"],
  response: { id: string; modelId?: string },
): LanguageModelV4GenerateResult => ({
  content,
  finishReason: content.some((part) => part.type === "tool-call")
    ? { unified: "tool-calls", raw: "tool_calls" }
    : { unified: "stop", raw: "stop" },
  usage,
  response,
  warnings: [],
})

/** The agent's model: looks up the order on its first step, answers on its second. */
const overloadedOnce = new Set<string>()
const agentModel = new MockLanguageModelV4({
  provider: "openai.chat",
  modelId: "gpt-5.1",
  doGenerate: async (options: LanguageModelV4CallOptions) => {
    const prompt = JSON.stringify(options.prompt)
    const order = /order (\w+)/.exec(prompt)?.[1] ?? "unknown"
    const step = (options.prompt.length - 2) / 2
    if (order === "A-1002" && step === 0 && !overloadedOnce.has(order)) {
      overloadedOnce.add(order)
      throw new APICallError({
        message: "Overloaded",
        url: "https://api.openai.com/v1/chat/completions",
        requestBodyValues: {},
        statusCode: 529,
        responseHeaders: { "retry-after-ms": "10" },
        isRetryable: true,
      })
    }
    const response = { id: nextId("chatcmpl-"), modelId: "gpt-5.1-2025-11-13" }
    return step === 0
      ? reply(
          openAiUsage(2400, 2000, 40),
          [
            {
              type: "tool-call",
              toolCallId: `lookup-${order}`,
              toolName: "lookupOrder",
              input: JSON.stringify({ order }),
            },
          ],
          response,
        )
      : reply(
          openAiUsage(2600, 2400, 180),
          [{ type: "text", text: `Order ${order} ships tomorrow.` }],
          response,
        )
  },
})

/** The classifier: Gemini answering with JSON (structured output). */
const classifierModel = new MockLanguageModelV4({
  provider: "google.generative-ai",
  modelId: "gemini-2.5-flash",
  doGenerate: async () =>
    reply(
      {
        inputTokens: { total: 900, noCache: 900, cacheRead: 0, cacheWrite: undefined },
        outputTokens: { total: 30, text: 20, reasoning: 10 },
        raw: { promptTokenCount: 900, candidatesTokenCount: 20, thoughtsTokenCount: 10 },
      },
      [{ type: "text", text: '{"category":"shipping","urgent":false}' }],
      { id: nextId("gemini-") },
    ),
})

/** The summarizer: Claude streaming a summary, most of the history read from the prompt cache. */
const summaryModel = new MockLanguageModelV4({
  provider: "anthropic.messages",
  modelId: "claude-sonnet-4-5",
  doStream: async () => {
    const raw = {
      input_tokens: 150,
      cache_read_input_tokens: 6000,
      cache_creation_input_tokens: 500,
      output_tokens: 120,
    }
    return {
      stream: convertArrayToReadableStream([
        { type: "stream-start", warnings: [] },
        { type: "response-metadata", id: nextId("msg_"), modelId: "claude-sonnet-4-5-20250929" },
        { type: "text-start", id: "s" },
        { type: "text-delta", id: "s", delta: "Customer asked about shipping; answered." },
        { type: "text-end", id: "s" },
        {
          type: "finish",
          finishReason: { unified: "stop", raw: "end_turn" },
          usage: {
            inputTokens: { total: 6650, noCache: 150, cacheRead: 6000, cacheWrite: 500 },
            outputTokens: { total: 120, text: undefined, reasoning: undefined },
            raw,
          },
          providerMetadata: { anthropic: { usage: raw } },
        },
      ]),
    }
  },
})

const app = await AgentCost.create({
  store: "memory:examples-ai-sdk-agent",
  prices: [prices],
  handleSignals: false,
})
const middleware = agentcostMiddleware(app)
const agent = new ToolLoopAgent({
  model: wrapLanguageModel({ model: agentModel, middleware }),
  instructions: "You are a support agent. Look orders up before answering.",
  tools: {
    lookupOrder: tool({
      description: "Looks an order up",
      inputSchema: z.object({ order: z.string() }),
      execute: async ({ order }) => ({ order, status: "packed", ships: "tomorrow" }),
    }),
  },
  stopWhen: stepCountIs(4),
})
const classifier = wrapLanguageModel({ model: classifierModel, middleware })
const summarizer = wrapLanguageModel({ model: summaryModel, middleware })

const tickets = [
  { tenant: "acme", order: "A-1001" },
  { tenant: "acme", order: "A-1002" },
  { tenant: "globex", order: "G-2001" },
  { tenant: "initech", order: "I-3001" },
]

await Promise.all(
  tickets.map((ticket) =>
    app.run({ tenantId: ticket.tenant, workflowType: "support-ticket" }, async () => {
      const question = `Where is my order ${ticket.order}?`
      const answer = await agent.generate({ prompt: question })
      const { output } = await generateText({
        model: classifier,
        prompt: question,
        output: Output.object({ schema: z.object({ category: z.string(), urgent: z.boolean() }) }),
      })
      const summary = streamText({ model: summarizer, prompt: `${question}\n${answer.text}` })
      for await (const _ of summary.textStream);
      return { answer: answer.text, category: output.category }
    }),
  ),
)

const period = new Date().toISOString().slice(0, 7)
const byTenant = await app.report({ period, by: "tenant" })
const byModel = await app.report({ period, by: "model" })
await app.close()

const table = (title: string, report: Ledger.Report) => {
  console.log(`\n${title} (${report.period}, ${report.currency})`)
  for (const row of report.rows) console.log(`  ${row.key.padEnd(28)}${row.total.padStart(12)}`)
  console.log(`  ${"total".padEnd(28)}${report.total.padStart(12)}`)
}
console.log(
  `agentcost AI SDK example: ${tickets.length} tickets, ${responses} model responses booked one by one (one retried call), ${middleware.stats.unattributed} unattributed`,
)
table("Cost by tenant", byTenant)
table("Cost by model", byModel)
