import type { AgentCost, CostSignal } from "@agentcost/core"
import { InMemoryCache } from "@langchain/core/caches"
import { BaseCallbackHandler } from "@langchain/core/callbacks/base"
import { Document } from "@langchain/core/documents"
import { ModelAbortError } from "@langchain/core/errors"
import { AIMessage, HumanMessage, type StandardMessageStructure } from "@langchain/core/messages"
import { ChatPromptTemplate } from "@langchain/core/prompts"
import { RunnableLambda } from "@langchain/core/runnables"
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons"
import { fakeModel } from "@langchain/core/testing"
import { FakeRetriever } from "@langchain/core/utils/testing"
import { createAgent, modelFallbackMiddleware, tool } from "langchain"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import * as z from "zod"
import {
  abortedStreamPartial,
  anthropicTwoSteps,
  ask,
  clock,
  geminiTwoSteps,
  nestedAgents,
  openaiThreeSteps,
  retryMiddleware,
  runTenants,
  TENANT_RUNS_TOTALS,
  tenantRunsModel,
  totals as totalsOf,
  weather,
} from "./__fixtures__/Agents.ts"
import * as Messages from "./__fixtures__/Messages.ts"
import {
  ChunkStreamingModel,
  createAgentCost,
  PERIOD,
  TokenUsageLLM,
} from "./__fixtures__/Models.ts"
import {
  type AgentCostCallbackHandler,
  createAgentCostHandler,
  registerAgentCostHandler,
} from "./AgentCostCallbackHandler.ts"
import { UnattributedCall } from "./Attribution.ts"
import { UNREPORTED_USAGE_UNIT } from "./Call.ts"

let agentcost: AgentCost
let signals: Array<CostSignal.CostSignal>
let handler: AgentCostCallbackHandler

beforeEach(async () => {
  agentcost = await createAgentCost()
  signals = []
  handler = createAgentCostHandler(agentcost, { onSignal: (s) => signals.push(s) })
})

afterEach(async () => {
  expect(handler.runsInFlight).toBe(0)
  await agentcost.close()
})

const totals = (by: "tenant" | "workflow" = "tenant") => totalsOf(agentcost, by)

/** A spy on the runs of failed model calls (their ids are the retried operation's id). */
const failedRuns = () => {
  const ids: Array<string> = []
  const spy = BaseCallbackHandler.fromMethods({
    handleLLMError: (_error, runId) => {
      ids.push(runId)
    },
  })
  spy.awaitHandlers = true
  return { ids, spy }
}

describe("createAgent with two tools and several steps", () => {
  it("books every model call of the loop to the active envelope before invoke resolves", async () => {
    const model = openaiThreeSteps()
    const agent = createAgent({ model, tools: [weather, clock] })

    await agentcost.run({ tenantId: "acme", workflowType: "concierge" }, async (envelope) => {
      const result = await agent.invoke(ask("Weather and time in Paris?"), {
        callbacks: [handler],
      })
      expect(result.messages.at(-1)?.text).toBe("Sunny, 10:00")
      // Booked before invoke resolved: nothing is in flight, the report has it.
      expect(envelope.active.inflight).toBe(0)
      await agentcost.flush()
      // gpt-5.4: input $2.5/M, cache read $0.25/M, output $15/M (reasoning falls back to output).
      // call 1: 400 in + 800 cached + (50 out + 100 reasoning) = 0.001 + 0.0002 + 0.00225 = 0.00345
      // call 2: 300 in + 1200 cached + 80 out                 = 0.00075 + 0.0003 + 0.0012 = 0.00225
      // call 3: 300 in + 1500 cached + 200 out                = 0.00075 + 0.000375 + 0.003 = 0.004125
      expect(await totals()).toEqual({ acme: "0.009825" })
    })

    expect(signals.map((s) => [s.signal_id, s.usage, s.attempt, s.capabilities])).toEqual([
      [
        "openai:chatcmpl-1",
        { input_tokens: 400, cache_read_tokens: 800, output_tokens: 50, reasoning_tokens: 100 },
        1,
        ["tool_use"],
      ],
      // Each tool run is counted on the model call that reads its result.
      [
        "openai:chatcmpl-2",
        { input_tokens: 300, cache_read_tokens: 1200, output_tokens: 80, tool_calls: 1 },
        1,
        ["tool_use"],
      ],
      [
        "openai:chatcmpl-3",
        { input_tokens: 300, cache_read_tokens: 1500, output_tokens: 200, tool_calls: 1 },
        1,
        [],
      ],
    ])
    expect(new Set(signals.map((s) => s.operation_id)).size).toBe(3)
    expect(signals.every((s) => s.tenant_id === "acme" && s.workflow_type === "concierge")).toBe(
      true,
    )
    expect(await totals("workflow")).toEqual({ concierge: "0.009825" })
    expect(handler.stats).toEqual({
      recorded: 3,
      unattributed: 0,
      unreportedUsage: 0,
      failedAttempts: 0,
      unbookedEvents: 0,
      errors: 0,
    })
  })

  it("Anthropic shapes, tenant from config.metadata: one envelope per root run, finalized at its end", async () => {
    const model = anthropicTwoSteps()
    const agent = createAgent({ model, tools: [weather] })

    await agent.invoke(ask("Weather in Oslo?"), {
      callbacks: [handler],
      metadata: { agentcost_tenant_id: "globex", agentcost_workflow_type: "triage" },
    })

    // claude-sonnet-4-5: input $3/M, cache read $0.3/M, 5m write $3.75/M, 1h write $6/M, output $15/M.
    // call 1: 100×3 + 2000×0.3 + 200×3.75 + 300×6 + 50×15 = 4200 → 0.0042
    // call 2: 150×3 + 2500×0.3 + 80×15                   = 2400 → 0.0024
    expect(await totals()).toEqual({ globex: "0.0066" })
    expect(signals.map((s) => s.signal_id)).toEqual(["anthropic:msg_01", "anthropic:msg_02"])
    const envelopeIds = new Set(signals.map((s) => s.envelope_id))
    expect(envelopeIds.size).toBe(1)
    const envelope = await agentcost.envelope([...envelopeIds][0]!)
    expect([envelope?.tenant_id, envelope?.workflow_type, envelope?.status]).toEqual([
      "globex",
      "triage",
      "succeeded",
    ])
  })

  it("Google shapes: the thoughts ChatGoogleGenerativeAI leaves out of output_tokens are booked", async () => {
    const model = geminiTwoSteps()
    const agent = createAgent({ model, tools: [weather] })

    await agentcost.run({ tenantId: "initech" }, () =>
      agent.invoke(ask("Weather in Rome?"), { callbacks: [handler] }),
    )

    // gemini-2.5-flash: input $0.3/M, cache read $0.03/M, output $2.5/M (reasoning → output).
    // call 1: 600×0.3 + 400×0.03 + (50 + 200 thoughts)×2.5 = 180 + 12 + 625 = 817 → 0.000817
    // call 2: 200×0.3 + 1000×0.03 + 100×2.5               = 60 + 30 + 250 = 340 → 0.00034
    expect(await totals()).toEqual({ initech: "0.001157" })
    expect(signals.map((s) => [s.provider, s.model, s.usage.reasoning_tokens])).toEqual([
      ["google", "gemini-2.5-flash", 200],
      ["google", "gemini-2.5-flash", undefined],
    ])
  })
})

describe("tenants", () => {
  it("onUnattributed 'record' books to the unattributed account and counts it", async () => {
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-u", prompt: 1000, completion: 100 }),
    )
    await model.invoke("hi", { callbacks: [handler] })
    // 1000×2.5 + 100×15 = 4000 → 0.004
    expect(await totals()).toEqual({ unattributed: "0.004" })
    expect(handler.stats.unattributed).toBe(1)
    expect(signals[0]?.tenant_id).toBeNull()
  })

  it("onUnattributed 'throw' fails the call before the model is called", async () => {
    const strict = createAgentCostHandler(agentcost, { onUnattributed: "throw" })
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-t", prompt: 1, completion: 1 }),
    )
    const originalError = console.error
    console.error = () => undefined // LangChain logs a raised handler error before rethrowing it
    try {
      await expect(model.invoke("hi", { callbacks: [strict] })).rejects.toThrow(UnattributedCall)
    } finally {
      console.error = originalError
    }
    expect(model.callCount).toBe(0)
    expect(strict.runsInFlight).toBe(0)
    // With a tenant the same handler books normally.
    await model.invoke("hi", { callbacks: [strict], metadata: { agentcost_tenant_id: "acme" } })
    expect(Object.keys(await totals())).toEqual(["acme"])
  })

  it("a root run that fails finalizes its metadata envelope as failed, with what it booked", async () => {
    const model = fakeModel()
      .respond(
        Messages.openai({
          id: "chatcmpl-before",
          prompt: 1000,
          completion: 100,
          tools: [{ name: "weather", args: { city: "Kyiv" }, id: "call_k" }],
        }),
      )
      .respond(new Error("400 context too long"))
    const agent = createAgent({ model, tools: [weather] })
    await expect(
      agent.invoke(ask("Weather in Kyiv?"), {
        callbacks: [handler],
        metadata: { agentcost_tenant_id: "umbrella" },
      }),
    ).rejects.toThrow("400 context too long")
    expect(await totals()).toEqual({ umbrella: "0.004" })
    const envelope = await agentcost.envelope(signals[0]!.envelope_id!)
    expect(envelope?.status).toBe("failed")
  })

  it("usage that does not add up is reported and booked as unreported, not dropped", async () => {
    const errors: Array<unknown> = []
    const reporting = createAgentCostHandler(agentcost, {
      onSignal: (s) => signals.push(s),
      onError: (error) => errors.push(error),
    })
    const model = fakeModel().respond(
      new AIMessage<StandardMessageStructure>({
        content: "x",
        id: "chatcmpl-bad",
        response_metadata: { model_provider: "openai", model_name: "gpt-5.4" },
        usage_metadata: {
          input_tokens: 10,
          output_tokens: 1,
          total_tokens: 11,
          input_token_details: { cache_read: 50 },
        },
      }),
    )
    await agentcost.run({ tenantId: "acme" }, () => model.invoke("hi", { callbacks: [reporting] }))
    expect(String(errors[0])).toContain("usage_metadata.input_token_details")
    expect(signals.map((s) => [s.signal_id, s.usage, s.pending_cost])).toEqual([
      ["openai:chatcmpl-bad", { [UNREPORTED_USAGE_UNIT]: 1 }, true],
    ])
    expect(reporting.stats).toMatchObject({ errors: 1, unreportedUsage: 1, recorded: 1 })
  })

  it("the active envelope wins over metadata", async () => {
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-a", prompt: 10, completion: 1 }),
    )
    await agentcost.run({ tenantId: "from-run" }, () =>
      model.invoke("hi", {
        callbacks: [handler],
        metadata: { agentcost_tenant_id: "from-metadata" },
      }),
    )
    expect(signals.map((s) => s.tenant_id)).toEqual(["from-run"])
  })

  it("100 concurrent agent runs for 10 tenants: no cross-attribution", async () => {
    const agent = createAgent({ model: tenantRunsModel(), tools: [weather, clock] })

    await runTenants(agentcost, (input, config) =>
      agent.invoke(input, { ...config, callbacks: [handler] }),
    )

    expect(await totals()).toEqual(TENANT_RUNS_TOTALS)
    expect(signals).toHaveLength(300)
    expect(handler.stats.errors).toBe(0)
  })
})

describe("retries and fallbacks: attempts of one operation", () => {
  it("a model that fails once then succeeds (createAgent retry middleware)", async () => {
    const { ids, spy } = failedRuns()
    const model = fakeModel()
      .respond(new Error("529 overloaded"))
      .respond(Messages.openai({ id: "chatcmpl-r", prompt: 1000, completion: 100, content: "ok" }))
    const agent = createAgent({
      model,
      tools: [weather],
      middleware: [retryMiddleware()],
    })
    await agentcost.run({ tenantId: "acme" }, () =>
      agent.invoke(ask("hi"), { callbacks: [handler, spy] }),
    )
    // The failed attempt reported no usage: nothing billed for it, the retry is attempt 2.
    expect(signals.map((s) => [s.operation_id, s.attempt, s.attempt_outcome])).toEqual([
      [ids[0], 2, "succeeded"],
    ])
    expect(await totals()).toEqual({ acme: "0.004" })
    expect(handler.stats.failedAttempts).toBe(1)
  })

  it("a fallback model (createAgent fallback middleware) is attempt 2 of the primary's operation", async () => {
    const { ids, spy } = failedRuns()
    const primary = fakeModel().alwaysThrow(new Error("500 from primary"))
    const fallback = fakeModel().respond(
      Messages.anthropic({ id: "msg_fb", input: 1000, output: 100, content: "from fallback" }),
    )
    const agent = createAgent({
      model: primary,
      tools: [weather],
      middleware: [modelFallbackMiddleware(fallback)],
    })
    await agentcost.run({ tenantId: "acme" }, () =>
      agent.invoke(ask("hi"), { callbacks: [handler, spy] }),
    )
    expect(signals.map((s) => [s.provider, s.operation_id, s.attempt])).toEqual([
      ["anthropic", ids[0], 2],
    ])
    // 1000×3 + 100×15 = 4500 → 0.0045
    expect(await totals()).toEqual({ acme: "0.0045" })
  })

  it("withFallbacks and withRetry around a chain: the retry boundary is found through the runtime parent ids", async () => {
    const { ids, spy } = failedRuns()
    const prompt = ChatPromptTemplate.fromMessages([["human", "{question}"]])
    // The retried runnable is prompt | model: each attempt is a new sequence run,
    // so only the RunnableRetry ancestor (reached through handleChainStart's
    // runtime parentRunId argument) groups the attempts.
    const flaky = fakeModel()
      .respond(new Error("timeout"))
      .respond(Messages.openai({ id: "chatcmpl-rt", prompt: 100, completion: 10 }))
    await agentcost.run({ tenantId: "acme" }, () =>
      prompt
        .pipe(flaky)
        .withRetry({ stopAfterAttempt: 2 })
        .invoke({ question: "q" }, { callbacks: [handler, spy] }),
    )
    const primary = fakeModel().alwaysThrow(new Error("down"))
    const backup = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-fb", prompt: 100, completion: 10 }),
    )
    await agentcost.run({ tenantId: "acme" }, () =>
      primary.withFallbacks([backup]).invoke("q", { callbacks: [handler, spy] }),
    )
    expect(signals.map((s) => [s.signal_id, s.operation_id, s.attempt])).toEqual([
      ["openai:chatcmpl-rt", ids[0], 2],
      ["openai:chatcmpl-fb", ids[1], 2],
    ])
  })

  it("a failed attempt that still reported usage (an aborted stream) is booked as failed", async () => {
    const model = fakeModel()
      .respond(new ModelAbortError("aborted", abortedStreamPartial()))
      .respond(Messages.openai({ id: "chatcmpl-ok", prompt: 1000, completion: 100 }))
    await agentcost.run({ tenantId: "acme" }, () =>
      model.withRetry({ stopAfterAttempt: 2 }).invoke("q", { callbacks: [handler] }),
    )
    expect(signals.map((s) => [s.signal_id, s.attempt, s.attempt_outcome])).toEqual([
      ["openai:chatcmpl-aborted", 1, "failed"],
      ["openai:chatcmpl-ok", 2, "succeeded"],
    ])
    expect(signals[0]?.operation_id).toBe(signals[1]?.operation_id)
    // tenant_pays_all: 1000×2.5 + 40×15 = 3100, plus 1000×2.5 + 100×15 = 4000 → 0.0071
    expect(await totals()).toEqual({ acme: "0.0071" })
  })
})

describe("call kinds", () => {
  it("streaming: usage arriving over several chunks", async () => {
    const model = new ChunkStreamingModel({
      chunks: Messages.anthropicStreamChunks({
        id: "msg_stream",
        model: "claude-sonnet-4-5-20250929",
        input: 40,
        cacheRead: 1000,
        cacheWrite1h: 60,
        output: 15,
      }),
    })
    await agentcost.run({ tenantId: "acme" }, async () => {
      for await (const _chunk of await model.stream("hi", { callbacks: [handler] })) {
        // consume
      }
    })
    // LangChain sums message_start's output count (1) into the delta's 15: 16 output tokens.
    // 40×3 + 1000×0.3 + 60×6 + 16×15 = 120 + 300 + 360 + 240 = 1020 → 0.00102
    expect(await totals()).toEqual({ acme: "0.00102" })
    expect(signals[0]?.signal_id).toBe("anthropic:msg_stream")
  })

  it("batch calls: one signal per prompt", async () => {
    const model = fakeModel()
    for (let i = 1; i <= 5; i++) {
      model.respond(Messages.openai({ id: `chatcmpl-b${i}`, prompt: 100, completion: 10 }))
    }
    await agentcost.run({ tenantId: "acme" }, async () => {
      await model.batch(["a", "b", "c"], { callbacks: [handler] })
      await model.generate([[new HumanMessage("d")], [new HumanMessage("e")]], {
        callbacks: [handler],
      })
    })
    expect(signals).toHaveLength(5)
    // 5 × (100×2.5 + 10×15) = 5 × 400 → 0.002
    expect(await totals()).toEqual({ acme: "0.002" })
  })

  it("text-completion LLMs: a batch's usage is booked once, on the first prompt's run", async () => {
    const llm = new TokenUsageLLM({ promptTokens: 100, completionTokens: 10 })
    await agentcost.run({ tenantId: "acme" }, () =>
      llm.generate(["a", "b", "c"], { callbacks: [handler] }),
    )
    expect(signals.map((s) => s.usage)).toEqual([{ input_tokens: 300, output_tokens: 30 }])
    // 300×2.5 + 30×15 = 1200 → 0.0012
    expect(await totals()).toEqual({ acme: "0.0012" })
  })

  it("cached generations cost nothing and leave nothing in flight", async () => {
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-c", prompt: 100, completion: 10 }),
    )
    model.cache = new InMemoryCache()
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      await model.invoke("same", { callbacks: [handler] })
      await model.invoke("same", { callbacks: [handler] })
      expect(envelope.active.inflight).toBe(0)
    })
    expect(model.callCount).toBe(1)
    expect(signals).toHaveLength(1)
  })

  it("a call without usage is booked as pending and listed as unpriced, never as $0", async () => {
    const model = fakeModel().respond(
      new AIMessage({
        content: "no usage",
        response_metadata: { model_provider: "openai", model_name: "gpt-5.4" },
      }),
    )
    await agentcost.run({ tenantId: "acme" }, () => model.invoke("hi", { callbacks: [handler] }))
    expect(signals[0]?.pending_cost).toBe(true)
    expect(signals[0]?.usage).toEqual({ [UNREPORTED_USAGE_UNIT]: 1 })
    const report = await agentcost.report({ period: PERIOD, by: "tenant" })
    expect(report.unpriced.map((u) => u.signal_id)).toEqual([signals[0]?.signal_id])
    expect(handler.stats.unreportedUsage).toBe(1)
  })

  it("retriever runs: rag_queries on the model call that reads the documents", async () => {
    const retriever = new FakeRetriever({ output: [new Document({ pageContent: "doc" })] })
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-rag", prompt: 1000, completion: 100 }),
    )
    const chain = RunnableLambda.from(async (question: string) => {
      const docs = await retriever.invoke(question)
      return `${docs.map((d) => d.pageContent).join("\n")}\n${question}`
    }).pipe(model)
    await agentcost.run({ tenantId: "acme" }, () => chain.invoke("q", { callbacks: [handler] }))
    expect(signals.map((s) => [s.usage, s.capabilities])).toEqual([
      [{ input_tokens: 1000, output_tokens: 100, rag_queries: 1 }, []],
    ])
    // 1000×2.5 + 100×15 = 4000 → 0.004, plus one query at $0.001 → 0.005
    expect(await totals()).toEqual({ acme: "0.005" })
  })

  it("a tool run no model call follows is booked with the root's last model", async () => {
    const finish = tool(async () => "filed", {
      name: "file_ticket",
      description: "File the ticket and stop",
      schema: z.object({}),
      returnDirect: true,
    })
    const model = fakeModel().respond(
      Messages.openai({
        id: "chatcmpl-f",
        prompt: 100,
        completion: 10,
        tools: [{ name: "file_ticket", args: {}, id: "call_f" }],
      }),
    )
    const agent = createAgent({ model, tools: [finish] })
    await agentcost.run({ tenantId: "acme" }, () =>
      agent.invoke(ask("file it"), { callbacks: [handler] }),
    )
    expect(signals.map((s) => [s.model, s.usage])).toEqual([
      ["gpt-5.4-2026-03-05", { input_tokens: 100, output_tokens: 10 }],
      ["gpt-5.4-2026-03-05", { tool_calls: 1 }],
    ])
    expect(await totals()).toEqual({ acme: "0.0004" })
  })
})

describe("nested agents", () => {
  it("an agent used as a tool of another: one envelope, each loop counts its own tools", async () => {
    const outer = nestedAgents()

    await agentcost.run({ tenantId: "acme" }, () =>
      outer.invoke(ask("What is the answer?"), { callbacks: [handler] }),
    )

    expect(signals.map((s) => [s.signal_id, s.usage.tool_calls])).toEqual([
      ["openai:chatcmpl-out1", undefined],
      ["anthropic:msg_in1", undefined],
      // the inner loop's lookup, not the research tool it runs inside
      ["anthropic:msg_in2", 1],
      // the research tool, not the inner agent's lookup
      ["openai:chatcmpl-out2", 1],
    ])
    expect(new Set(signals.map((s) => s.envelope_id)).size).toBe(1)
    // outer: 500×2.5 + 20×15 = 1550, 700×2.5 + 50×15 = 2500
    // inner: 300×3 + 30×15 = 1350, 400×3 + 40×15 = 1800 → 7200 → 0.0072
    expect(await totals()).toEqual({ acme: "0.0072" })
  })
})

describe("registration", () => {
  it("registered once, the handler sees runs started without callbacks", async () => {
    // LangChain keeps configure hooks in its async-local context: register in
    // a context of its own so other tests do not inherit the handler.
    const storage = AsyncLocalStorageProviderSingleton.getInstance()
    await storage.run({}, async () => {
      registerAgentCostHandler(handler)
      const model = fakeModel().respond(
        Messages.openai({ id: "chatcmpl-g", prompt: 100, completion: 10 }),
      )
      await agentcost.run({ tenantId: "acme" }, () => model.invoke("hi"))
    })
    expect(signals.map((s) => s.signal_id)).toEqual(["openai:chatcmpl-g"])
  })
})
