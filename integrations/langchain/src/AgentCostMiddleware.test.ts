import type { AgentCost, CostSignal } from "@agentcost/core"
import { ModelAbortError } from "@langchain/core/errors"
import { AIMessage } from "@langchain/core/messages"
import { fakeModel } from "@langchain/core/testing"
import { type AgentMiddleware, createAgent, modelFallbackMiddleware, toolStrategy } from "langchain"
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
import { createAgentCost, PERIOD, reportingAs } from "./__fixtures__/Models.ts"
import { createAgentCostHandler } from "./AgentCostCallbackHandler.ts"
import { type AgentCostMiddleware, agentcostMiddleware } from "./AgentCostMiddleware.ts"
import { UnattributedCall } from "./Attribution.ts"
import { UNREPORTED_USAGE_UNIT } from "./Call.ts"

let agentcost: AgentCost
let signals: Array<CostSignal.CostSignal>
let middleware: AgentCostMiddleware

beforeEach(async () => {
  agentcost = await createAgentCost()
  signals = []
  middleware = agentcostMiddleware(agentcost, { onSignal: (s) => signals.push(s) })
})

afterEach(async () => {
  await agentcost.close()
})

const totals = (by: "tenant" | "workflow" = "tenant") => totalsOf(agentcost, by)

describe("createAgent with two tools and several steps", () => {
  it("books every model call of the loop to the active envelope before invoke resolves", async () => {
    const agent = createAgent({
      model: openaiThreeSteps(),
      tools: [weather, clock],
      middleware: [middleware],
    })

    await agentcost.run({ tenantId: "acme", workflowType: "concierge" }, async (envelope) => {
      const result = await agent.invoke(ask("Weather and time in Paris?"))
      expect(result.messages.at(-1)?.text).toBe("Sunny, 10:00")
      // Booked before invoke resolved: nothing is in flight, the report has it.
      expect(envelope.active.inflight).toBe(0)
      // gpt-5.4: input $2.5/M, cache read $0.25/M, output $15/M (reasoning falls back to output).
      // call 1: 400 in + 800 cached + (50 out + 100 reasoning) = 0.001 + 0.0002 + 0.00225 = 0.00345
      // call 2: 300 in + 1200 cached + 80 out                 = 0.00075 + 0.0003 + 0.0012 = 0.00225
      // call 3: 300 in + 1500 cached + 200 out                = 0.00075 + 0.000375 + 0.003 = 0.004125
      expect(await totals()).toEqual({ acme: "0.009825" })
    })

    expect(signals.map((s) => [s.signal_id, s.usage, s.attempt, s.capabilities])).toEqual([
      // The tool calls the model asked for count on the call that asked; every
      // call was offered the tools.
      [
        "openai:chatcmpl-1",
        {
          input_tokens: 400,
          cache_read_tokens: 800,
          output_tokens: 50,
          reasoning_tokens: 100,
          tool_calls: 1,
        },
        1,
        ["tool_use"],
      ],
      [
        "openai:chatcmpl-2",
        { input_tokens: 300, cache_read_tokens: 1200, output_tokens: 80, tool_calls: 1 },
        1,
        ["tool_use"],
      ],
      [
        "openai:chatcmpl-3",
        { input_tokens: 300, cache_read_tokens: 1500, output_tokens: 200 },
        1,
        ["tool_use"],
      ],
    ])
    expect(signals.map((s) => [s.provider, s.model, s.endpoint])).toEqual(
      Array(3).fill(["openai", "gpt-5.4-2026-03-05", "chat.completions"]),
    )
    expect(new Set(signals.map((s) => s.operation_id)).size).toBe(3)
    expect(signals.every((s) => s.tenant_id === "acme" && s.workflow_type === "concierge")).toBe(
      true,
    )
    expect(await totals("workflow")).toEqual({ concierge: "0.009825" })
    expect(middleware.stats).toEqual({
      recorded: 3,
      unattributed: 0,
      unreportedUsage: 0,
      failedAttempts: 0,
      errors: 0,
    })
  })

  it("Google shapes: provider and requested model from the model's ls params, thoughts booked", async () => {
    const model = geminiTwoSteps()
    const agent = createAgent({ model, tools: [weather], middleware: [middleware] })

    await agentcost.run({ tenantId: "initech" }, () => agent.invoke(ask("Weather in Rome?")))

    // gemini-2.5-flash: input $0.3/M, cache read $0.03/M, output $2.5/M (reasoning → output).
    // call 1: 600×0.3 + 400×0.03 + (50 + 200 thoughts)×2.5 = 180 + 12 + 625 = 817 → 0.000817
    // call 2: 200×0.3 + 1000×0.03 + 100×2.5               = 60 + 30 + 250 = 340 → 0.00034
    expect(await totals()).toEqual({ initech: "0.001157" })
    expect(signals.map((s) => [s.provider, s.model, s.usage.reasoning_tokens])).toEqual([
      ["google", "gemini-2.5-flash", 200],
      ["google", "gemini-2.5-flash", undefined],
    ])
  })

  it("structured output: the call is read from the model's message, not from the structured response", async () => {
    const model = fakeModel().respond(
      Messages.openai({
        id: "chatcmpl-s",
        prompt: 1000,
        completion: 100,
        tools: [{ name: "forecast", args: { summary: "sunny" }, id: "call_s" }],
      }),
    )
    const agent = createAgent({
      model,
      tools: [weather],
      responseFormat: toolStrategy(z.object({ summary: z.string() }).meta({ title: "forecast" })),
      middleware: [middleware],
    })
    const result = await agentcost.run({ tenantId: "acme" }, () => agent.invoke(ask("Forecast?")))
    expect(result.structuredResponse).toEqual({ summary: "sunny" })
    expect(signals.map((s) => [s.signal_id, s.usage])).toEqual([
      ["openai:chatcmpl-s", { input_tokens: 1000, output_tokens: 100, tool_calls: 1 }],
    ])
    // 1000×2.5 + 100×15 = 4000 → 0.004
    expect(await totals()).toEqual({ acme: "0.004" })
  })

  it("a call without usage is booked as pending and listed as unpriced, never as $0", async () => {
    const model = fakeModel().respond(
      new AIMessage({
        content: "no usage",
        response_metadata: { model_provider: "openai", model_name: "gpt-5.4" },
      }),
    )
    const agent = createAgent({ model, tools: [weather], middleware: [middleware] })
    await agentcost.run({ tenantId: "acme" }, () => agent.invoke(ask("hi")))
    expect(signals.map((s) => [s.usage, s.pending_cost])).toEqual([
      [{ [UNREPORTED_USAGE_UNIT]: 1 }, true],
    ])
    const report = await agentcost.report({ period: PERIOD, by: "tenant" })
    expect(report.unpriced.map((u) => u.signal_id)).toEqual([signals[0]?.signal_id])
    expect(middleware.stats.unreportedUsage).toBe(1)
  })
})

describe("tenants", () => {
  it("tenant from config.metadata with no active envelope: each call in an envelope of its own, finalized", async () => {
    const model = anthropicTwoSteps()
    const agent = createAgent({ model, tools: [weather], middleware: [middleware] })

    await agent.invoke(ask("Weather in Oslo?"), {
      metadata: { agentcost_tenant_id: "globex", agentcost_workflow_type: "triage" },
    })

    // claude-sonnet-4-5: input $3/M, cache read $0.3/M, 5m write $3.75/M, 1h write $6/M, output $15/M.
    // call 1: 100×3 + 2000×0.3 + 200×3.75 + 300×6 + 50×15 = 4200 → 0.0042
    // call 2: 150×3 + 2500×0.3 + 80×15                   = 2400 → 0.0024
    expect(await totals()).toEqual({ globex: "0.0066" })
    expect(await totals("workflow")).toEqual({ triage: "0.0066" })
    expect(signals.map((s) => s.signal_id)).toEqual(["anthropic:msg_01", "anthropic:msg_02"])
    const envelopes = await Promise.all(signals.map((s) => agentcost.envelope(s.envelope_id!)))
    expect(envelopes.map((e) => [e?.tenant_id, e?.workflow_type, e?.status])).toEqual([
      ["globex", "triage", "succeeded"],
      ["globex", "triage", "succeeded"],
    ])
    expect(middleware.stats.unattributed).toBe(0)
  })

  it("the active envelope wins over metadata", async () => {
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-a", prompt: 10, completion: 1 }),
    )
    const agent = createAgent({ model, tools: [weather], middleware: [middleware] })
    await agentcost.run({ tenantId: "from-run" }, () =>
      agent.invoke(ask("hi"), { metadata: { agentcost_tenant_id: "from-metadata" } }),
    )
    expect(signals.map((s) => s.tenant_id)).toEqual(["from-run"])
  })

  it("onUnattributed 'record' books to the unattributed account and counts it", async () => {
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-u", prompt: 1000, completion: 100 }),
    )
    const agent = createAgent({ model, tools: [weather], middleware: [middleware] })
    await agent.invoke(ask("hi"))
    // 1000×2.5 + 100×15 = 4000 → 0.004
    expect(await totals()).toEqual({ unattributed: "0.004" })
    expect(middleware.stats.unattributed).toBe(1)
    expect(signals[0]?.tenant_id).toBeNull()
  })

  it("onUnattributed 'throw' fails the call before the model is called", async () => {
    const strict = agentcostMiddleware(agentcost, { onUnattributed: "throw" })
    const model = fakeModel().respond(
      Messages.openai({ id: "chatcmpl-t", prompt: 1000, completion: 100 }),
    )
    const agent = createAgent({ model, tools: [weather], middleware: [strict] })
    // LangChain wraps what a middleware throws in a MiddlewareError, the original as its cause.
    const error = await agent.invoke(ask("hi")).catch((e: unknown) => e)
    expect((error as Error).cause).toBeInstanceOf(UnattributedCall)
    expect((error as Error).message).toMatch(/^LangChain model run model_request:\S+ has no tenant/)
    expect(model.callCount).toBe(0)
    // With a tenant the same middleware books normally.
    await agent.invoke(ask("hi"), { metadata: { agentcost_tenant_id: "acme" } })
    expect(await totals()).toEqual({ acme: "0.004" })
  })

  it("100 concurrent agent runs for 10 tenants: no cross-attribution", async () => {
    const agent = createAgent({
      model: tenantRunsModel(),
      tools: [weather, clock],
      middleware: [middleware],
    })

    await runTenants(agentcost, (input, config) => agent.invoke(input, config))

    expect(await totals()).toEqual(TENANT_RUNS_TOTALS)
    expect(signals).toHaveLength(300)
    expect(middleware.stats.errors).toBe(0)
  })
})

describe("retries and fallbacks: attempts of one operation", () => {
  it("a model that fails once then succeeds (createAgent retry middleware): one operation, attempt 2", async () => {
    const model = fakeModel()
      .respond(new Error("529 overloaded"))
      .respond(Messages.openai({ id: "chatcmpl-r", prompt: 1000, completion: 100, content: "ok" }))
    const agent = createAgent({
      model,
      tools: [weather],
      // Inside the retry middleware, so every attempt passes through it.
      middleware: [retryMiddleware(), middleware],
    })
    await agentcost.run({ tenantId: "acme" }, () => agent.invoke(ask("hi")))
    // The failed attempt reported no usage: nothing billed for it, the retry is attempt 2.
    expect(signals.map((s) => [s.attempt, s.attempt_outcome])).toEqual([[2, "succeeded"]])
    expect(await totals()).toEqual({ acme: "0.004" })
    expect(middleware.stats.failedAttempts).toBe(1)
  })

  it("a failed attempt that still reported usage (an aborted stream) is booked as failed, in the retry's operation", async () => {
    const model = fakeModel()
      .respond(new ModelAbortError("aborted", abortedStreamPartial()))
      .respond(
        Messages.openai({
          id: "chatcmpl-ok",
          prompt: 1000,
          completion: 100,
          tools: [{ name: "weather", args: { city: "Kyiv" }, id: "call_k" }],
        }),
      )
      .respond(Messages.openai({ id: "chatcmpl-next", prompt: 1200, completion: 10 }))
    const agent = createAgent({
      model,
      tools: [weather],
      middleware: [retryMiddleware(), middleware],
    })
    await agentcost.run({ tenantId: "acme" }, () => agent.invoke(ask("Weather in Kyiv?")))
    expect(signals.map((s) => [s.signal_id, s.attempt, s.attempt_outcome])).toEqual([
      ["openai:chatcmpl-aborted", 1, "failed"],
      ["openai:chatcmpl-ok", 2, "succeeded"],
      // The next agent step is a new operation.
      ["openai:chatcmpl-next", 1, "succeeded"],
    ])
    expect(signals[0]?.operation_id).toBe(signals[1]?.operation_id)
    expect(signals[2]?.operation_id).not.toBe(signals[1]?.operation_id)
    // 1000×2.5 + 40×15 = 3100, 1000×2.5 + 100×15 = 4000, 1200×2.5 + 10×15 = 3150 → 0.01025
    expect(await totals()).toEqual({ acme: "0.01025" })
  })

  it("a fallback model (createAgent fallback middleware) is attempt 2 of the primary's operation", async () => {
    const primary = fakeModel().alwaysThrow(new Error("500 from primary"))
    const fallback = fakeModel().respond(
      Messages.anthropic({ id: "msg_fb", input: 1000, output: 100, content: "from fallback" }),
    )
    const agent = createAgent({
      model: primary,
      tools: [weather],
      middleware: [modelFallbackMiddleware(fallback), middleware],
    })
    await agentcost.run({ tenantId: "acme" }, () => agent.invoke(ask("hi")))
    expect(signals.map((s) => [s.provider, s.attempt])).toEqual([["anthropic", 2]])
    // 1000×3 + 100×15 = 4500 → 0.0045
    expect(await totals()).toEqual({ acme: "0.0045" })
  })

  it("the model's error is rethrown as it was, with nothing booked and nothing left in flight", async () => {
    const failure = new Error("400 context too long")
    const caught: Array<unknown> = []
    const outer: AgentMiddleware = {
      name: "outer",
      wrapModelCall: async (request, handler) => {
        try {
          return await handler(request)
        } catch (error) {
          caught.push(error)
          throw error
        }
      },
    }
    const model = fakeModel().respond(failure)
    const agent = createAgent({ model, tools: [weather], middleware: [outer, middleware] })
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      await expect(agent.invoke(ask("hi"))).rejects.toThrow("400 context too long")
      expect(envelope.active.inflight).toBe(0)
    })
    // LangChain wraps what a middleware throws; what this one threw is the model's error itself.
    expect((caught[0] as Error).cause).toBe(failure)
    expect(signals).toEqual([])
    expect(middleware.stats).toMatchObject({ failedAttempts: 1, recorded: 0, errors: 0 })
  })
})

describe("nested agents", () => {
  it("an agent used as a tool of another books to the same envelope", async () => {
    // Every agent lists the middleware; inside the run, the inner one finds the envelope too.
    const outer = nestedAgents([middleware])

    await agentcost.run({ tenantId: "acme" }, () => outer.invoke(ask("What is the answer?")))

    expect(signals.map((s) => [s.signal_id, s.usage.tool_calls])).toEqual([
      ["openai:chatcmpl-out1", 1],
      ["anthropic:msg_in1", 1],
      ["anthropic:msg_in2", undefined],
      ["openai:chatcmpl-out2", undefined],
    ])
    expect(new Set(signals.map((s) => s.envelope_id)).size).toBe(1)
    // outer: 500×2.5 + 20×15 = 1550, 700×2.5 + 50×15 = 2500
    // inner: 300×3 + 30×15 = 1350, 400×3 + 40×15 = 1800 → 7200 → 0.0072
    expect(await totals()).toEqual({ acme: "0.0072" })
  })
})

describe("with the callback handler as well", () => {
  it("calls with a provider request id collapse into one ledger entry; calls without one do not (pick one)", async () => {
    const handlerSignals: Array<CostSignal.CostSignal> = []
    const handler = createAgentCostHandler(agentcost, { onSignal: (s) => handlerSignals.push(s) })
    const agent = createAgent({
      model: openaiThreeSteps(),
      tools: [weather, clock],
      middleware: [middleware],
    })
    await agentcost.run({ tenantId: "acme" }, () =>
      agent.invoke(ask("Weather and time in Paris?"), { callbacks: [handler] }),
    )
    // Both observers booked each call under the same `openai:chatcmpl-…` signal id…
    expect(handlerSignals.map((s) => s.signal_id)).toEqual(signals.map((s) => s.signal_id))
    // …so the ledger has each call once: the same total as either alone.
    expect(await totals()).toEqual({ acme: "0.009825" })

    // Google's LangChain packages give no response id: the signal ids are
    // hashes of each observer's own operation, and the call is booked twice.
    const gemini = reportingAs(
      fakeModel().respond(Messages.gemini({ prompt: 1000, candidates: 100, content: "ok" })),
      { ls_provider: "google_genai", ls_model_name: "gemini-2.5-flash" },
    )
    const geminiAgent = createAgent({ model: gemini, tools: [], middleware: [middleware] })
    await agentcost.run({ tenantId: "hooli" }, () =>
      geminiAgent.invoke(ask("hi"), { callbacks: [handler] }),
    )
    // 1000×0.3 + 100×2.5 = 550 → 0.00055, twice
    expect((await totals()).hooli).toBe("0.0011")
  })
})
