import { type AnyExportedSpan, SpanType, TracingEventType } from "@mastra/core/observability"
import { RequestContext } from "@mastra/core/request-context"
import { InMemoryStore } from "@mastra/core/storage"
import { APICallError } from "ai"
import { describe, expect, it } from "vitest"
import { app } from "./__fixtures__/mastra.ts"
import { callCount, promptText, scriptedModel, stepOf } from "./__fixtures__/models.ts"
import { openAiChat } from "./__fixtures__/providers.ts"
import { setup, storeName } from "./__fixtures__/setup.ts"
import { AgentCostExporter } from "./AgentCostExporter.ts"

const context = (entries: Record<string, string>): RequestContext => {
  const requestContext = new RequestContext()
  for (const [key, value] of Object.entries(entries)) requestContext.set(key, value)
  return requestContext
}

/**
 * The support agent's tool loop on gpt-6-sol ($2 input, $0.5 cached, $8 output per million):
 * 1. looks the order up: 1000 prompt (200 cached) + 100 completion
 *    → 800 × 2 + 200 × 0.5 + 100 × 8 = 1600 + 100 + 800 = $2500 per million
 * 2. refunds it and checks it again (two tools at once): 1500 prompt + 50 completion
 *    → 1500 × 2 + 50 × 8 = 3000 + 400 = $3400 per million
 * 3. answers: 2000 prompt + 300 completion (100 reasoning, at the output rate)
 *    → 2000 × 2 + 300 × 8 = 4000 + 2400 = $6400 per million
 * One ticket: $12300 per million = $0.0123.
 */
const ticketModel = () =>
  scriptedModel("openai.chat", "gpt-6-sol", (options) => {
    switch (stepOf(options)) {
      case 0:
        return {
          ...openAiChat({ prompt_tokens: 1000, cached_tokens: 200, completion_tokens: 100 }),
          toolCalls: [{ toolName: "lookupOrder", input: { orderId: "A-1" } }],
        }
      case 1:
        return {
          ...openAiChat({ prompt_tokens: 1500, completion_tokens: 50 }),
          toolCalls: [
            { toolName: "refund", input: { orderId: "A-1" } },
            { toolName: "lookupOrder", input: { orderId: "A-1" } },
          ],
        }
      default:
        return {
          ...openAiChat({ prompt_tokens: 2000, completion_tokens: 300, reasoning_tokens: 100 }),
          text: "Refunded.",
          modelId: "gpt-6-sol-2026-09-22",
        }
    }
  })

describe("AgentCostExporter: agents", () => {
  it.each(["generate", "stream"] as const)(
    "books each model call of a tool loop once (%s): no double counting with model_step or model_generation",
    async (mode) => {
      const t = await setup()
      const model = ticketModel()
      const { mastra, exporter } = app({ agentcost: t.agentcost, model })
      const agent = mastra.getAgent("support")
      const requestContext = context({ tenantId: "acme" })
      if (mode === "generate") await agent.generate("refund order A-1", { requestContext })
      else await (await agent.stream("refund order A-1", { requestContext })).getFullOutput()
      await exporter.flush()

      const signals = await t.signals()
      expect(callCount(model)).toBe(3)
      expect(signals).toHaveLength(3)
      expect(exporter.stats).toEqual({ signals: 3, unreported: 0, unattributed: 0, errors: 0 })
      // Tool executions counted on the call that requested them (observed, not charged).
      expect(signals.map((s) => s.usage.tool_calls)).toEqual([1, 2, undefined])
      expect(signals.map((s) => s.model)).toEqual([
        "gpt-6-sol",
        "gpt-6-sol",
        "gpt-6-sol-2026-09-22",
      ])
      expect(new Set(signals.map((s) => s.envelope_id)).size).toBe(1)
      expect(await t.byTenant()).toEqual({ acme: "0.0123" })
      const [envelope] = await t.envelopes()
      expect(envelope).toMatchObject({
        tenant_id: "acme",
        workflow_type: "support",
        status: "succeeded",
      })
      await t.agentcost.close()
    },
  )

  it("takes the workflow type from the request context", async () => {
    const t = await setup()
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: ticketModel() })
    await mastra.getAgent("support").generate("refund", {
      requestContext: context({ tenantId: "acme", workflowType: "refunds" }),
    })
    await exporter.flush()
    expect((await t.envelopes())[0]?.workflow_type).toBe("refunds")
    await t.agentcost.close()
  })

  it("books into the envelope of agentcost.run, which waits for the calls and finalizes it", async () => {
    const t = await setup()
    const { mastra } = app({ agentcost: t.agentcost, model: ticketModel() })
    let envelopeId = ""
    await t.agentcost.run({ tenantId: "initech", workflowType: "chat" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      // The request context names another tenant: the active envelope wins.
      return mastra
        .getAgent("support")
        .generate("refund", { requestContext: context({ tenantId: "acme" }) })
    })
    // No exporter.flush(): run() waited for the three calls begun in its envelope.
    const envelopes = await t.envelopes()
    expect(envelopes).toHaveLength(1)
    expect(envelopes[0]).toMatchObject({ envelope_id: envelopeId, status: "succeeded" })
    expect(await t.byTenant()).toEqual({ initech: "0.0123" })
    await t.agentcost.close()
  })

  it("books a fallback model's call under the fallback's provider; the failed attempt bills nothing", async () => {
    const t = await setup()
    const overloaded = scriptedModel("anthropic.messages", "claude-sonnet-4-5", () => {
      throw new APICallError({
        message: "Overloaded",
        url: "https://api.anthropic.com/v1/messages",
        requestBodyValues: {},
        statusCode: 529,
        isRetryable: false,
      })
    })
    const fallback = scriptedModel("openai.chat", "gpt-6-sol", () => ({
      ...openAiChat({ prompt_tokens: 1000, completion_tokens: 100 }),
      text: "ok",
    }))
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: [overloaded, fallback] })
    await mastra
      .getAgent("support")
      .generate("hi", { requestContext: context({ tenantId: "acme" }) })
    await exporter.flush()
    const signals = await t.signals()
    expect(callCount(overloaded)).toBe(1)
    expect(signals).toHaveLength(1)
    expect(signals[0]).toMatchObject({ provider: "openai", model: "gpt-6-sol" })
    // 1000 × $2 + 100 × $8 = $2800 per million.
    expect(await t.byTenant()).toEqual({ acme: "0.0028" })
    await t.agentcost.close()
  })

  it("books a call retried after a refused attempt once: the refused attempt bills nothing", async () => {
    const t = await setup()
    let attempts = 0
    const flaky = scriptedModel("openai.chat", "gpt-6-sol", () => {
      if (++attempts === 1) {
        throw new APICallError({
          message: "Rate limited",
          url: "https://api.openai.com/v1/chat/completions",
          requestBodyValues: {},
          statusCode: 429,
          isRetryable: true,
        })
      }
      return { ...openAiChat({ prompt_tokens: 1000, completion_tokens: 100 }), text: "ok" }
    })
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: [flaky], maxRetries: 1 })
    await mastra
      .getAgent("support")
      .generate("hi", { requestContext: context({ tenantId: "acme" }) })
    await exporter.flush()
    expect(callCount(flaky)).toBe(2)
    expect(await t.signals()).toHaveLength(1)
    // 1000 × $2 + 100 × $8 = $2800 per million.
    expect(await t.byTenant()).toEqual({ acme: "0.0028" })
    await t.agentcost.close()
  })

  it("finalizes a run whose every model failed as failed, with nothing booked", async () => {
    const t = await setup()
    const down = scriptedModel("openai.chat", "gpt-6-sol", () => {
      throw new APICallError({
        message: "Bad gateway",
        url: "https://api.openai.com/v1/chat/completions",
        requestBodyValues: {},
        statusCode: 502,
        isRetryable: false,
      })
    })
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: [down] })
    await mastra
      .getAgent("support")
      .generate("hi", { requestContext: context({ tenantId: "acme" }) })
      .catch(() => undefined)
    await exporter.flush()
    expect(await t.signals()).toHaveLength(0)
    expect((await t.envelopes())[0]).toMatchObject({ tenant_id: "acme", status: "failed" })
    await t.agentcost.close()
  })

  it("books a call that reports no usage as an unknown cost (x_usage_unreported), never $0", async () => {
    const t = await setup()
    const silent = scriptedModel("openai.chat", "gpt-6-sol", () => ({
      usage: {
        inputTokens: {
          total: undefined,
          noCache: undefined,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      },
      providerMetadata: undefined,
      text: "ok",
    }))
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: silent })
    await mastra
      .getAgent("support")
      .generate("hi", { requestContext: context({ tenantId: "acme" }) })
    await exporter.flush()
    const signals = await t.signals()
    expect(signals).toHaveLength(1)
    expect(signals[0]?.usage).toEqual({ x_usage_unreported: 1 })
    expect(signals[0]?.estimate_method).toBe("unpriced")
    expect(exporter.stats).toMatchObject({ signals: 1, unreported: 1 })
    await t.agentcost.close()
  })

  it("books a run without a tenant to the unattributed account by default", async () => {
    const t = await setup()
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: ticketModel() })
    await mastra.getAgent("support").generate("refund")
    await exporter.flush()
    expect(await t.byTenant()).toEqual({ unattributed: "0.0123" })
    await t.agentcost.close()
  })

  it("with onUnattributed: throw, books nothing for a run without a tenant and reports it", async () => {
    const t = await setup()
    const errors: Array<unknown> = []
    const { mastra, exporter } = app({
      agentcost: t.agentcost,
      model: ticketModel(),
      onUnattributed: "throw",
      onError: (error) => errors.push(error),
    })
    await mastra.getAgent("support").generate("refund")
    await exporter.flush()
    expect(await t.signals()).toHaveLength(0)
    expect(exporter.stats).toMatchObject({ signals: 0, unattributed: 3 })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      _tag: "UnattributedRun",
      message: expect.stringContaining('no tenant in the request context (key "tenantId")'),
    })
    await expect(exporter.openEnvelope(new RequestContext())).rejects.toMatchObject({
      _tag: "UnattributedRun",
    })
    await t.agentcost.close()
  })

  it("reports a config that excludes the spans it books", async () => {
    const t = await setup()
    const errors: Array<unknown> = []
    app({
      agentcost: t.agentcost,
      model: ticketModel(),
      excludeSpanTypes: [SpanType.MODEL_CHUNK, SpanType.MODEL_INFERENCE],
      onError: (error) => errors.push(error),
    })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      _tag: "ExcludedSpanType",
      message: expect.stringContaining("excludes model_inference"),
    })
    await t.agentcost.close()
  })

  it("still counts tools when model_step spans are excluded", async () => {
    const t = await setup()
    const { mastra, exporter } = app({
      agentcost: t.agentcost,
      model: ticketModel(),
      excludeSpanTypes: [SpanType.MODEL_STEP, SpanType.MODEL_CHUNK],
    })
    await mastra
      .getAgent("support")
      .generate("refund", { requestContext: context({ tenantId: "acme" }) })
    await exporter.flush()
    const signals = await t.signals()
    expect(signals.map((s) => s.usage.tool_calls)).toEqual([1, 2, undefined])
    expect(await t.byTenant()).toEqual({ acme: "0.0123" })
    await t.agentcost.close()
  })
})

describe("AgentCostExporter: model calls Mastra keeps out of the trace", () => {
  it("books their rolled-up usage unpriced (pending), never dropped, and says how to price it", async () => {
    const t = await setup()
    const errors: Array<unknown> = []
    const { mastra, exporter } = app({
      agentcost: t.agentcost,
      model: ticketModel(),
      internalModelSpans: true,
      onError: (error) => errors.push(error),
    })
    const requestContext = context({ tenantId: "acme" })
    await mastra.getAgent("support").generate("refund", { requestContext })
    await mastra.getAgent("support").generate("refund", { requestContext })
    await exporter.flush()
    const signals = await t.signals()
    // One signal per run: the three calls' usage, summed by Mastra onto the agent_run span.
    expect(signals).toHaveLength(2)
    expect(signals[0]).toMatchObject({
      provider: "mastra",
      model: "internal",
      estimate_method: "unpriced",
      usage: {
        input_tokens: 800 + 1500 + 2000,
        cache_read_tokens: 200,
        output_tokens: 100 + 50 + 200,
        reasoning_tokens: 100,
        tool_calls: 3,
      },
    })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      _tag: "HiddenModelCalls",
      message: expect.stringContaining("includeInternalSpans: true"),
    })
    await t.agentcost.close()
  })

  it("finalizes the envelope it opens for a run span that ends here without having started (rebuilt by a durable engine)", async () => {
    const t = await setup()
    const exporter = new AgentCostExporter({ agentcost: t.agentcost, onError: () => undefined })
    const rebuilt = {
      id: "span-rebuilt",
      traceId: "trace-rebuilt",
      name: "agent run: 'support'",
      type: SpanType.AGENT_RUN,
      entityId: "support",
      startTime: new Date(0),
      endTime: new Date(0),
      isEvent: false,
      isRootSpan: true,
      metadata: { tenantId: "acme" },
      attributes: { internalUsage: { inputTokens: 1000, outputTokens: 100 } },
    } as unknown as AnyExportedSpan
    exporter.onTracingEvent({ type: TracingEventType.SPAN_ENDED, exportedSpan: rebuilt })
    await exporter.flush()
    const envelopes = await t.envelopes()
    expect(envelopes).toHaveLength(1)
    expect(envelopes[0]).toMatchObject({ tenant_id: "acme", status: "succeeded" })
    expect((await t.signals()).map((s) => s.envelope_id)).toEqual([envelopes[0]!.envelope_id])
    await t.agentcost.close()
  })

  it("with includeInternalSpans: true, books each hidden call priced, once", async () => {
    const t = await setup()
    const model = ticketModel()
    const { mastra, exporter } = app({
      agentcost: t.agentcost,
      model,
      internalModelSpans: true,
      includeInternalSpans: true,
    })
    await mastra
      .getAgent("support")
      .generate("refund", { requestContext: context({ tenantId: "acme" }) })
    await exporter.flush()
    expect(await t.signals()).toHaveLength(callCount(model))
    expect(exporter.stats).toEqual({ signals: 3, unreported: 0, unattributed: 0, errors: 0 })
    expect(await t.byTenant()).toEqual({ acme: "0.0123" })
    await t.agentcost.close()
  })
})

/**
 * The review workflow: `draft` and `review` each run the support agent once
 * (three calls, $0.0123 each run), so a workflow run costs $0.0246.
 */
describe("AgentCostExporter: workflows", () => {
  it("books both steps' agent runs to ONE envelope for the workflow run", async () => {
    const t = await setup()
    const model = ticketModel()
    const { mastra, exporter } = app({ agentcost: t.agentcost, model })
    const run = await mastra.getWorkflow("ticketReview").createRun()
    const result = await run.start({
      inputData: { topic: "refund" },
      requestContext: context({ tenantId: "globex" }),
    })
    await exporter.flush()
    expect(result.status).toBe("success")
    expect(callCount(model)).toBe(6)
    expect(await t.signals()).toHaveLength(6)
    const envelopes = await t.envelopes()
    expect(envelopes).toHaveLength(1)
    expect(envelopes[0]).toMatchObject({
      tenant_id: "globex",
      workflow_type: "ticket-review",
      status: "succeeded",
    })
    expect(await t.byTenant()).toEqual({ globex: "0.0246" })
    await t.agentcost.close()
  })

  it("keeps the envelope open while suspended; a resume in another process books to it", async () => {
    const name = storeName()
    const first = await setup(name)
    const second = await setup(name)
    const storage = new InMemoryStore()
    const before = app({ agentcost: first.agentcost, model: ticketModel(), storage })
    const requestContext = context({ tenantId: "acme", approval: "required" })
    const envelope = await before.exporter.openEnvelope(requestContext)
    expect(requestContext.get("agentcostEnvelopeId")).toBe(envelope.envelopeId)

    const run = await before.mastra.getWorkflow("ticketReview").createRun()
    const suspended = await run.start({ inputData: { topic: "refund" }, requestContext })
    await before.exporter.flush()
    expect(suspended.status).toBe("suspended")
    expect((await first.agentcost.envelope(envelope.envelopeId))?.status).toBe("open")
    expect(await first.byTenant()).toEqual({ acme: "0.0123" })

    // Another AgentCost and another Mastra on the same stores; Mastra restores the request context.
    const after = app({ agentcost: second.agentcost, model: ticketModel(), storage })
    const resumedRun = await after.mastra
      .getWorkflow("ticketReview")
      .createRun({ runId: run.runId })
    const resumed = await resumedRun.resume({ step: "review", resumeData: { approved: true } })
    await after.exporter.flush()
    expect(resumed.status).toBe("success")

    const envelopes = await second.envelopes()
    expect(envelopes).toHaveLength(1)
    expect(envelopes[0]).toMatchObject({
      envelope_id: envelope.envelopeId,
      tenant_id: "acme",
      status: "succeeded",
    })
    const signals = await second.signals()
    expect(signals).toHaveLength(6)
    expect(signals.every((s) => s.envelope_id === envelope.envelopeId)).toBe(true)
    expect(new Set(signals.map((s) => s.signal_id)).size).toBe(6)
    expect(await second.byTenant()).toEqual({ acme: "0.0246" })
    await first.agentcost.close()
    await second.agentcost.close()
  })

  it("resumes into the same envelope in the same process without openEnvelope", async () => {
    const t = await setup()
    const { mastra, exporter } = app({ agentcost: t.agentcost, model: ticketModel() })
    const run = await mastra.getWorkflow("ticketReview").createRun()
    await run.start({
      inputData: { topic: "refund" },
      requestContext: context({ tenantId: "acme", approval: "required" }),
    })
    await exporter.flush()
    expect((await t.envelopes())[0]?.status).toBe("open")
    await run.resume({ step: "review", resumeData: { approved: true } })
    await exporter.flush()
    const envelopes = await t.envelopes()
    expect(envelopes).toHaveLength(1)
    expect(envelopes[0]?.status).toBe("succeeded")
    expect(await t.byTenant()).toEqual({ acme: "0.0246" })
    await t.agentcost.close()
  })
})

describe("AgentCostExporter: concurrency", () => {
  /**
   * Tenant k (1…10) asks with usage proportional to k:
   * 1. 1000k prompt + 10k completion, one tool → 2000k + 80k = $2080k per million
   * 2. 500k prompt + 20k completion → 1000k + 160k = $1160k per million
   * A run costs $3240k per million; ten runs per tenant cost $0.0324 × k.
   */
  it("attributes 100 concurrent runs of 10 tenants without crossing tenants", async () => {
    const t = await setup()
    const model = scriptedModel("openai.chat", "gpt-6-sol", (options) => {
      const k = Number(/tenant-(\d+)/.exec(promptText(options))?.[1])
      return stepOf(options) === 0
        ? {
            ...openAiChat({ prompt_tokens: 1000 * k, completion_tokens: 10 * k }),
            toolCalls: [{ toolName: "lookupOrder", input: { orderId: `A-${k}` } }],
          }
        : { ...openAiChat({ prompt_tokens: 500 * k, completion_tokens: 20 * k }), text: "ok" }
    })
    const { mastra, exporter } = app({ agentcost: t.agentcost, model })
    const agent = mastra.getAgent("support")
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const k = (i % 10) + 1
        const requestContext = context({ tenantId: `tenant-${k}` })
        const prompt = `tenant-${k}: where is my order?`
        if (i % 2 === 0) await agent.generate(prompt, { requestContext })
        else await (await agent.stream(prompt, { requestContext })).getFullOutput()
      }),
    )
    await exporter.flush()
    expect(callCount(model)).toBe(200)
    expect(await t.signals()).toHaveLength(200)
    const envelopes = await t.envelopes()
    expect(envelopes).toHaveLength(100)
    expect(envelopes.every((e) => e.status === "succeeded")).toBe(true)
    const expected: Record<string, string> = {}
    for (let k = 1; k <= 10; k++) expected[`tenant-${k}`] = String((324 * k) / 10_000)
    expect(await t.byTenant()).toEqual(expected)
    await t.agentcost.close()
  })
})
