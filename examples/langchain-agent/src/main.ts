/**
 * A LangChain support agent (`createAgent`, two tools, several steps) serving
 * three tenants, with every model call attributed by `@agentcost/langchain`:
 *
 * - acme and globex run inside `agentcost.run({ tenantId })`;
 * - initech's requests come from a queue worker that only knows the tenant,
 *   so it passes it in `config.metadata` and the handler opens the envelope;
 * - globex's primary model fails and the fallback model answers: one
 *   operation, two attempts, the failed one not billed;
 * - umbrella's agent lists the `createAgent` middleware
 *   (`@agentcost/langchain/agent`) instead of passing the handler: the
 *   cheaper way for `createAgent` agents, same attribution.
 *
 * The models are LangChain's `fakeModel()` answering in the shapes ChatOpenAI
 * and ChatAnthropic produce (usage, cache reads, request ids): no keys, no
 * network. Prices come from the adapters' default price books.
 */
import { anthropic } from "@agentcost/adapter-anthropic"
import { openai } from "@agentcost/adapter-openai"
import { AgentCost } from "@agentcost/core"
import { createAgentCostHandler } from "@agentcost/langchain"
import { agentcostMiddleware } from "@agentcost/langchain/agent"
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  type StandardMessageStructure,
  ToolMessage,
} from "@langchain/core/messages"
import { fakeModel } from "@langchain/core/testing"
import { createAgent, modelFallbackMiddleware, tool } from "langchain"
import * as z from "zod"

let ids = 0

/** The step of the loop: how many tool results the model has seen. */
const step = (messages: Array<BaseMessage>) =>
  messages.filter((m) => ToolMessage.isInstance(m)).length

const nextAction = (messages: Array<BaseMessage>) =>
  step(messages) === 0
    ? [
        {
          name: "lookup_order",
          args: { order: "A-1042" },
          id: `call_${++ids}`,
          type: "tool_call" as const,
        },
      ]
    : step(messages) === 1
      ? [
          {
            name: "refund",
            args: { order: "A-1042", amount: 49 },
            id: `call_${++ids}`,
            type: "tool_call" as const,
          },
        ]
      : []

/** What ChatOpenAI returns for a gpt-5.4 Chat Completions call. */
const openaiAnswer = (messages: Array<BaseMessage>) => {
  const prompt = 1800 + 600 * step(messages)
  const cached = 1024 * step(messages)
  const completion = 120
  return new AIMessage<StandardMessageStructure>({
    content: step(messages) === 2 ? "Refunded $49 for order A-1042." : "",
    tool_calls: nextAction(messages),
    id: `chatcmpl-demo${++ids}`,
    response_metadata: { model_provider: "openai", model_name: "gpt-5.4-2026-03-05" },
    usage_metadata: {
      input_tokens: prompt,
      output_tokens: completion,
      total_tokens: prompt + completion,
      input_token_details: { cache_read: cached },
      output_token_details: { reasoning: 40 },
    },
  })
}

/** What ChatAnthropic returns for a claude-sonnet-4-5 call with prompt caching. */
const anthropicAnswer = (messages: Array<BaseMessage>) => {
  const usage = {
    input_tokens: 300,
    cache_creation_input_tokens: step(messages) === 0 ? 2000 : 0,
    cache_read_input_tokens: step(messages) === 0 ? 0 : 2000 + 500 * step(messages),
    output_tokens: 150,
  }
  const input =
    usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
  const body = { id: `msg_demo${++ids}`, model: "claude-sonnet-4-5-20250929", usage }
  return new AIMessage<StandardMessageStructure>({
    content: step(messages) === 2 ? "Refunded $49 for order A-1042." : "",
    tool_calls: nextAction(messages),
    id: body.id,
    response_metadata: { ...body, model_provider: "anthropic" },
    usage_metadata: {
      input_tokens: input,
      output_tokens: usage.output_tokens,
      total_tokens: input + usage.output_tokens,
      input_token_details: {
        cache_creation: usage.cache_creation_input_tokens,
        cache_read: usage.cache_read_input_tokens,
      },
    },
  })
}

/** A fake model that answers every call with `answer` (LangChain's fakeModel queues one response per call). */
const mockModel = (answer: (messages: Array<BaseMessage>) => AIMessage, calls: number) => {
  const model = fakeModel()
  for (let i = 0; i < calls; i++) model.respond(answer)
  return model
}

const lookupOrder = tool(async ({ order }) => `${order}: delivered damaged, $49`, {
  name: "lookup_order",
  description: "Look an order up",
  schema: z.object({ order: z.string() }),
})
const refund = tool(async ({ order, amount }) => `refunded $${amount} for ${order}`, {
  name: "refund",
  description: "Refund an order",
  schema: z.object({ order: z.string(), amount: z.number() }),
})

const agentcost = await AgentCost.create({
  store: "memory:",
  adapters: [openai(), anthropic()],
  handleSignals: false,
})
const handler = createAgentCostHandler(agentcost)

const supportAgent = createAgent({
  model: mockModel(openaiAnswer, 3 * 4),
  tools: [lookupOrder, refund],
})
const unreliable = fakeModel().alwaysThrow(new Error("529 overloaded"))
const failoverAgent = createAgent({
  model: unreliable,
  tools: [lookupOrder, refund],
  middleware: [modelFallbackMiddleware(mockModel(anthropicAnswer, 3 * 2))],
})

const middleware = agentcostMiddleware(agentcost)
const middlewareAgent = createAgent({
  model: mockModel(openaiAnswer, 3),
  tools: [lookupOrder, refund],
  middleware: [middleware],
})

const ticket = (text: string) => ({ messages: [new HumanMessage(text)] })
const workflowType = "support-ticket"

await Promise.all([
  agentcost.run({ tenantId: "acme", workflowType }, () =>
    supportAgent.invoke(ticket("My order A-1042 arrived broken"), { callbacks: [handler] }),
  ),
  agentcost.run({ tenantId: "acme", workflowType }, () =>
    supportAgent.invoke(ticket("Refund A-1042 please"), { callbacks: [handler] }),
  ),
  agentcost.run({ tenantId: "globex", workflowType }, () =>
    failoverAgent.invoke(ticket("A-1042 is damaged"), { callbacks: [handler] }),
  ),
  agentcost.run({ tenantId: "globex", workflowType }, () =>
    failoverAgent.invoke(ticket("Where is my refund for A-1042?"), { callbacks: [handler] }),
  ),
  // A queue worker: no envelope active, the tenant travels in the metadata.
  supportAgent.invoke(ticket("A-1042 never arrived"), {
    callbacks: [handler],
    metadata: { agentcost_tenant_id: "initech", agentcost_workflow_type: workflowType },
  }),
  supportAgent.invoke(ticket("Cancel A-1042"), {
    callbacks: [handler],
    metadata: { agentcost_tenant_id: "initech", agentcost_workflow_type: workflowType },
  }),
  agentcost.run({ tenantId: "umbrella", workflowType }, () =>
    middlewareAgent.invoke(ticket("Refund A-1042, it arrived broken")),
  ),
])

const period = new Date().toISOString().slice(0, 7)
const report = await agentcost.report({ period, by: "tenant" })
const models = await agentcost.report({ period, by: "model" })
await agentcost.close()

console.log(`LangChain support agent, ${period}: cost per tenant (USD)`)
for (const row of report.rows) console.log(`  ${row.key.padEnd(12)} ${row.total.padStart(12)}`)
console.log(`  ${"total".padEnd(12)} ${report.total.padStart(12)}`)
console.log("by model:")
for (const row of models.rows) console.log(`  ${row.key.padEnd(28)} ${row.total.padStart(12)}`)
const stats = handler.stats
console.log(
  `handler: ${stats.recorded} calls booked, ${stats.failedAttempts} failed attempts, ${stats.unattributed} unattributed, ${stats.errors} errors`,
)
console.log(
  `middleware: ${middleware.stats.recorded} calls booked, ${middleware.stats.errors} errors`,
)

// Run in CI: fail loudly if attribution went wrong.
const tenants = report.rows.map((row) => row.key).sort()
if (
  tenants.join() !== "acme,globex,initech,umbrella" ||
  report.rows.some((row) => !(Number(row.total) > 0)) ||
  report.unpriced.length > 0 ||
  stats.errors > 0 ||
  stats.recorded !== 18 ||
  middleware.stats.recorded !== 3 ||
  middleware.stats.errors > 0
) {
  console.error(
    "unexpected attribution:",
    JSON.stringify({ report, stats, middleware: middleware.stats }),
  )
  process.exit(1)
}
