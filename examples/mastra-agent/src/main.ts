/**
 * agentcost with Mastra, no keys: a support agent with tools (several model
 * calls per ticket) answers tickets for three tenants at once, and a review
 * workflow suspends for a human approval and is resumed by a "second
 * process" (another AgentCost and another Mastra on the same stores), which
 * books to the same envelope. The models are the AI SDK's mock models,
 * reporting usage the way the OpenAI and Anthropic packages do; the adapters'
 * default price books price the calls. Prints the cost per tenant.
 */
import { anthropic } from "@agentcost/adapter-anthropic"
import { openai } from "@agentcost/adapter-openai"
import { AgentCost } from "@agentcost/core"
import { AgentCostExporter } from "@agentcost/mastra"
import { Agent } from "@mastra/core/agent"
import type { MastraModelConfig } from "@mastra/core/llm"
import { Mastra } from "@mastra/core/mastra"
import { RequestContext } from "@mastra/core/request-context"
import { InMemoryStore } from "@mastra/core/storage"
import { createTool } from "@mastra/core/tools"
import { createStep, createWorkflow } from "@mastra/core/workflows"
import { Observability } from "@mastra/observability"
import { MockLanguageModelV4 } from "ai/test"
import { z } from "zod"

type CallOptions = Parameters<MockLanguageModelV4["doGenerate"]>[0]
type Result = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>

let responses = 0
/**
 * Mastra bundles its own copy of the AI SDK's v4 model types, older than the
 * `ai` package's: the mock is a v4 model at runtime, the type copies drifted.
 */
const asMastraModel = (model: MockLanguageModelV4): MastraModelConfig =>
  model as unknown as MastraModelConfig

/** A reply with the usage @ai-sdk/openai reports: cached tokens inside the prompt, reasoning inside the completion. */
const openAiReply = (
  content: Result["content"],
  prompt: number,
  cached: number,
  completion: number,
  reasoning: number,
): Result => ({
  content,
  finishReason: content.some((part) => part.type === "tool-call")
    ? { unified: "tool-calls", raw: "tool_calls" }
    : { unified: "stop", raw: "stop" },
  usage: {
    inputTokens: {
      total: prompt,
      noCache: prompt - cached,
      cacheRead: cached,
      cacheWrite: undefined,
    },
    outputTokens: { total: completion, text: completion - reasoning, reasoning },
  },
  warnings: [],
  response: { id: `chatcmpl-demo${++responses}`, modelId: "gpt-6-sol", timestamp: new Date() },
})

/** The support model: looks the order up, then answers; longer tickets cost more. */
const supportModel = new MockLanguageModelV4({
  provider: "openai.chat",
  modelId: "gpt-6-sol",
  doGenerate: async (options: CallOptions) => {
    const turns = options.prompt.filter((message) => message.role === "assistant").length
    const words = JSON.stringify(options.prompt).length
    return turns === 0
      ? openAiReply(
          [
            {
              type: "tool-call",
              toolCallId: `call_${responses}`,
              toolName: "lookupOrder",
              input: JSON.stringify({ orderId: "A-1001" }),
            },
          ],
          words,
          0,
          40,
          0,
        )
      : openAiReply([{ type: "text", text: "Your order has shipped." }], words, 512, 180, 64)
  },
})

/** The reviewer: Anthropic's convention, input_tokens without the cache, which the SDK adds back. */
const reviewModel = new MockLanguageModelV4({
  provider: "anthropic.messages",
  modelId: "claude-sonnet-4-5",
  doGenerate: async () => ({
    content: [{ type: "text", text: "Approved wording." }],
    finishReason: { unified: "stop", raw: "end_turn" },
    usage: {
      inputTokens: { total: 1200 + 3000, noCache: 1200, cacheRead: 3000, cacheWrite: 0 },
      outputTokens: { total: 350, text: undefined, reasoning: undefined },
    },
    warnings: [],
    response: { id: `msg_demo${++responses}`, modelId: "claude-sonnet-4-5", timestamp: new Date() },
  }),
})

const lookupOrder = createTool({
  id: "lookupOrder",
  description: "Looks an order up",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => ({ orderId, status: "shipped" }),
})

const draft = createStep({
  id: "draft",
  inputSchema: z.object({ ticket: z.string() }),
  outputSchema: z.object({ text: z.string() }),
  execute: async ({ inputData, mastra, requestContext }) => ({
    text: (await mastra.getAgent("support").generate(inputData.ticket, { requestContext })).text,
  }),
})

const review = createStep({
  id: "review",
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ text: z.string() }),
  resumeSchema: z.object({ approved: z.boolean() }),
  execute: async ({ inputData, resumeData, suspend, mastra, requestContext }) => {
    if (resumeData === undefined) {
      await suspend({ reason: "a human approves refunds" })
      return { text: "" }
    }
    return {
      text: (await mastra.getAgent("reviewer").generate(inputData.text, { requestContext })).text,
    }
  },
})

/** One "process": an AgentCost on the shared store and a Mastra app whose observability books to it. */
const startProcess = async (storage: InMemoryStore) => {
  const agentcost = await AgentCost.create({
    store: "memory:mastra-demo",
    adapters: [openai(), anthropic()],
    handleSignals: false,
  })
  const costs = new AgentCostExporter({ agentcost })
  const mastra = new Mastra({
    agents: {
      support: new Agent({
        id: "support",
        name: "support",
        instructions: "Answer support tickets.",
        model: asMastraModel(supportModel),
        tools: { lookupOrder },
      }),
      reviewer: new Agent({
        id: "reviewer",
        name: "reviewer",
        instructions: "Review replies.",
        model: asMastraModel(reviewModel),
      }),
    },
    workflows: {
      refund: createWorkflow({
        id: "refund",
        inputSchema: z.object({ ticket: z.string() }),
        outputSchema: z.object({ text: z.string() }),
      })
        .then(draft)
        .then(review)
        .commit(),
    },
    storage,
    logger: false,
    observability: new Observability({
      configs: {
        default: {
          serviceName: "support-desk",
          exporters: [costs],
          // Copies the tenant, workflow type and envelope id onto every span.
          requestContextKeys: costs.requestContextKeys,
        },
      },
    }),
  })
  return { agentcost, costs, mastra }
}

const storage = new InMemoryStore()
const first = await startProcess(storage)

// Tickets for three tenants, at once; the tenant comes from the request context.
const tickets = [
  ["acme", "Where is my order A-1001?"],
  ["globex", "My order A-1001 has not arrived yet, and I need it for a launch on Friday."],
  ["initech", "Order status please."],
  ["acme", "Did order A-1001 ship?"],
] as const
await Promise.all(
  tickets.map(([tenantId, ticket]) =>
    first.mastra
      .getAgent("support")
      .generate(ticket, { requestContext: new RequestContext([["tenantId", tenantId]]) }),
  ),
)

// A refund workflow for globex suspends for approval; its envelope id travels in the request context.
const requestContext = new RequestContext()
requestContext.set("tenantId", "globex")
const envelope = await first.costs.openEnvelope(requestContext)
const run = await first.mastra.getWorkflow("refund").createRun()
const suspended = await run.start({ inputData: { ticket: "Refund order A-1001" }, requestContext })
await first.costs.flush()

// The "second process" resumes the run; Mastra restores the request context, envelope id included.
const second = await startProcess(storage)
const resumedRun = await second.mastra.getWorkflow("refund").createRun({ runId: run.runId })
const resumed = await resumedRun.resume({ step: "review", resumeData: { approved: true } })
await second.costs.flush()

const period = new Date().toISOString().slice(0, 7)
const report = await second.agentcost.report({ period, by: "tenant" })
const refund = await second.agentcost.envelope(envelope.envelopeId)
const calls = supportModel.doGenerateCalls.length + reviewModel.doGenerateCalls.length
const signals = first.costs.stats.signals + second.costs.stats.signals

console.log(`refund workflow: ${suspended.status} → ${resumed.status}, envelope ${refund?.status}`)
console.log(`model calls: ${calls}, signals booked: ${signals}`)
console.log(`cost per tenant, ${period} (USD):`)
for (const row of report.rows) console.log(`  ${row.key.padEnd(10)} ${row.total}`)
console.log(`  ${"total".padEnd(10)} ${report.total}`)

await first.agentcost.close()
await second.agentcost.close()
