/**
 * A Mastra app wired to the exporter: a support agent with two tools, and a
 * two-step workflow (draft, then review after an approval that suspends the
 * run) whose steps call the agent.
 */
import type { AgentCost } from "@agentcost/core"
import { Agent } from "@mastra/core/agent"
import type { MastraModelConfig } from "@mastra/core/llm"
import { Mastra } from "@mastra/core/mastra"
import { InternalSpans, type SpanType } from "@mastra/core/observability"
import { InMemoryStore } from "@mastra/core/storage"
import { createTool } from "@mastra/core/tools"
import { createStep, createWorkflow } from "@mastra/core/workflows"
import { Observability } from "@mastra/observability"
import type { MockLanguageModelV4 } from "ai/test"
import { z } from "zod"
import { AgentCostExporter, type AgentCostExporterOptions } from "../AgentCostExporter.ts"

const lookupOrder = createTool({
  id: "lookupOrder",
  description: "Looks an order up",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => ({ orderId, status: "shipped" }),
})

const refund = createTool({
  id: "refund",
  description: "Refunds an order",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => ({ orderId, refunded: true }),
})

const draft = createStep({
  id: "draft",
  inputSchema: z.object({ topic: z.string() }),
  outputSchema: z.object({ text: z.string() }),
  execute: async ({ inputData, mastra, requestContext }) => {
    const result = await mastra
      .getAgent("support")
      .generate(`draft: ${inputData.topic}`, { requestContext })
    return { text: result.text }
  },
})

const review = createStep({
  id: "review",
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ text: z.string() }),
  resumeSchema: z.object({ approved: z.boolean() }),
  execute: async ({ inputData, resumeData, suspend, mastra, requestContext }) => {
    if (requestContext.get("approval") === "required" && resumeData === undefined) {
      await suspend({})
      return { text: "" }
    }
    const result = await mastra
      .getAgent("support")
      .generate(`review: ${inputData.text}`, { requestContext })
    return { text: result.text }
  },
})

/**
 * Mastra bundles its own copy of the AI SDK's v4 model types, older than the
 * `ai` package's (no "interrupted" finish reason): the mock is a v4 model at
 * runtime, the two type copies just drifted.
 */
const asMastraModel = (model: MockLanguageModelV4): MastraModelConfig =>
  model as unknown as MastraModelConfig

export interface AppOptions extends Omit<AgentCostExporterOptions, "agentcost"> {
  readonly agentcost: AgentCost
  /** One model, or a primary and its fallbacks. */
  readonly model: MockLanguageModelV4 | ReadonlyArray<MockLanguageModelV4>
  /** Retries of each model in a list (default 0). */
  readonly maxRetries?: number | undefined
  /** Shared storage: a second app on the same storage resumes the first one's runs. */
  readonly storage?: InMemoryStore | undefined
  readonly excludeSpanTypes?: Array<SpanType> | undefined
  /** The agent keeps its model spans out of the trace (`tracingPolicy.internal`). */
  readonly internalModelSpans?: boolean | undefined
  readonly includeInternalSpans?: boolean | undefined
}

export const app = (options: AppOptions) => {
  const {
    agentcost,
    model,
    storage,
    excludeSpanTypes,
    internalModelSpans,
    includeInternalSpans,
    maxRetries,
    ...exporterOptions
  } = options
  const exporter = new AgentCostExporter({ agentcost, ...exporterOptions })
  const agent = new Agent({
    id: "support",
    name: "support",
    instructions: "Answer support tickets.",
    model: Array.isArray(model)
      ? model.map((m) => ({ model: asMastraModel(m), maxRetries: maxRetries ?? 0 }))
      : asMastraModel(model as MockLanguageModelV4),
    tools: { lookupOrder, refund },
    ...(internalModelSpans
      ? { options: { tracingPolicy: { internal: InternalSpans.MODEL } } }
      : {}),
  })
  const workflow = createWorkflow({
    id: "ticket-review",
    inputSchema: z.object({ topic: z.string() }),
    outputSchema: z.object({ text: z.string() }),
  })
    .then(draft)
    .then(review)
    .commit()
  const mastra = new Mastra({
    agents: { support: agent },
    workflows: { ticketReview: workflow },
    storage: storage ?? new InMemoryStore(),
    logger: false,
    observability: new Observability({
      configs: {
        default: {
          serviceName: "agentcost-test",
          exporters: [exporter],
          requestContextKeys: exporter.requestContextKeys,
          ...(excludeSpanTypes ? { excludeSpanTypes } : {}),
          ...(includeInternalSpans ? { includeInternalSpans } : {}),
        },
      },
    }),
  })
  return { mastra, exporter }
}
