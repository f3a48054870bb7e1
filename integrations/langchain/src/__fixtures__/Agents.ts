/**
 * The `createAgent` scenarios both observers are tested on — the callback
 * handler and the agent middleware book the same runs to the same figures:
 * tools, scripted models in the provider packages' shapes, the 100
 * concurrent runs of 10 tenants, and an agent used as a tool of another.
 */
import type { AgentCost } from "@agentcost/core"
import {
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  type StandardMessageStructure,
  ToolMessage,
} from "@langchain/core/messages"
import type { RunnableConfig } from "@langchain/core/runnables"
import { fakeModel } from "@langchain/core/testing"
import { type AgentMiddleware, createAgent, modelRetryMiddleware, tool } from "langchain"
import * as z from "zod"
import * as Messages from "./Messages.ts"
import { PERIOD, reportingAs } from "./Models.ts"

export const weather = tool(async ({ city }) => `sunny in ${city}`, {
  name: "weather",
  description: "The weather in a city",
  schema: z.object({ city: z.string() }),
})

export const clock = tool(async ({ zone }) => `10:00 in ${zone}`, {
  name: "clock",
  description: "The time in a time zone",
  schema: z.object({ zone: z.string() }),
})

export const ask = (text: string) => ({ messages: [new HumanMessage(text)] })

/** Totals per tenant (or workflow) in the test period, as decimal strings. */
export const totals = async (agentcost: AgentCost, by: "tenant" | "workflow" = "tenant") => {
  const report = await agentcost.report({ period: PERIOD, by })
  return Object.fromEntries(report.rows.map((row) => [row.key, row.total]))
}

/** ChatOpenAI: weather tool call, clock tool call, answer ("Sunny, 10:00"). */
export const openaiThreeSteps = () =>
  fakeModel()
    .respond(
      Messages.openai({
        id: "chatcmpl-1",
        prompt: 1200,
        cached: 800,
        completion: 150,
        reasoning: 100,
        tools: [{ name: "weather", args: { city: "Paris" }, id: "call_w" }],
      }),
    )
    .respond(
      Messages.openai({
        id: "chatcmpl-2",
        prompt: 1500,
        cached: 1200,
        completion: 80,
        tools: [{ name: "clock", args: { zone: "CET" }, id: "call_c" }],
      }),
    )
    .respond(
      Messages.openai({
        id: "chatcmpl-3",
        prompt: 1800,
        cached: 1500,
        completion: 200,
        content: "Sunny, 10:00",
      }),
    )

/** ChatAnthropic with both cache-write TTLs: weather tool call, answer. */
export const anthropicTwoSteps = () =>
  fakeModel()
    .respond(
      Messages.anthropic({
        id: "msg_01",
        input: 100,
        cacheRead: 2000,
        cacheWrite5m: 200,
        cacheWrite1h: 300,
        output: 50,
        tools: [{ name: "weather", args: { city: "Oslo" }, id: "toolu_1" }],
      }),
    )
    .respond(
      Messages.anthropic({
        id: "msg_02",
        input: 150,
        cacheRead: 2500,
        output: 80,
        content: "Rain",
      }),
    )

/** ChatGoogleGenerativeAI (thoughts left out of output_tokens): weather tool call, answer. */
export const geminiTwoSteps = () =>
  reportingAs(
    fakeModel()
      .respond(
        Messages.gemini({
          prompt: 1000,
          cached: 400,
          candidates: 50,
          thoughts: 200,
          tools: [{ name: "weather", args: { city: "Rome" }, id: "fc_1" }],
        }),
      )
      .respond(Messages.gemini({ prompt: 1200, cached: 1000, candidates: 100, content: "Hot" })),
    { ls_provider: "google_genai", ls_model_name: "gemini-2.5-flash" },
  )

/** An aborted stream's error: the partial message still carries the usage billed. */
export const abortedStreamPartial = () =>
  new AIMessageChunk<StandardMessageStructure>({
    content: "partial",
    usage_metadata: { input_tokens: 1000, output_tokens: 40, total_tokens: 1040 },
    response_metadata: { model_provider: "openai", model_name: "gpt-5.4" },
    id: "chatcmpl-aborted",
  })

/** createAgent's retry middleware, retrying at once. */
export const retryMiddleware = () =>
  // Its zod-3 state schema does not type-check under exactOptionalPropertyTypes.
  modelRetryMiddleware({
    maxRetries: 2,
    initialDelayMs: 1,
    onFailure: "error",
  }) as unknown as AgentMiddleware

/**
 * A model for 100 concurrent runs of 10 tenants: tenant t's runs make 3
 * model calls (weather, clock, answer); step s has prompt 1000(t+1) + 100s,
 * completion 10(s+1). Even tenants get OpenAI answers (gpt-5.4), odd tenants
 * Anthropic ones (claude-sonnet-4-5).
 */
export const tenantRunsModel = () => {
  let ids = 0
  const respond = (messages: Array<BaseMessage>) => {
    const tenant = Number(/tenant (\d+)/.exec(messages[0]!.text)![1])
    const step = messages.filter((m) => ToolMessage.isInstance(m)).length
    const tools =
      step === 0
        ? [{ name: "weather", args: { city: "Lima" }, id: `w${++ids}` }]
        : step === 1
          ? [{ name: "clock", args: { zone: "PET" }, id: `c${++ids}` }]
          : []
    const prompt = 1000 * (tenant + 1) + 100 * step
    const completion = 10 * (step + 1)
    return tenant % 2 === 0
      ? Messages.openai({ id: `chatcmpl-${++ids}`, prompt, completion, tools, content: "ok" })
      : Messages.anthropic({
          id: `msg_${++ids}`,
          input: prompt,
          output: completion,
          tools,
          content: "ok",
        })
  }
  const model = fakeModel()
  for (let i = 0; i < 300; i++) model.respond(respond)
  return model
}

/**
 * What `runTenants` books on `tenantRunsModel`, by hand from the fixture prices.
 * Per run: prompts sum to 3000(t+1) + 300, completions to 60 (60×15 = 900).
 *   even t: (3000(t+1) + 300)×2.5 + 900 = 7500(t+1) + 1650 per million
 *   odd t:  (3000(t+1) + 300)×3   + 900 = 9000(t+1) + 1800 per million
 * ×10 runs: t0 91500, t1 198000, t2 241500, t3 378000, t4 391500,
 *           t5 558000, t6 541500, t7 738000, t8 691500, t9 918000 (÷1e6)
 */
export const TENANT_RUNS_TOTALS = {
  t0: "0.0915",
  t1: "0.198",
  t2: "0.2415",
  t3: "0.378",
  t4: "0.3915",
  t5: "0.558",
  t6: "0.5415",
  t7: "0.738",
  t8: "0.6915",
  t9: "0.918",
}

/**
 * The 100 runs, concurrently: tenant `t${i % 10}`, half inside `agentcost.run`,
 * half with the tenant in `config.metadata`.
 */
export const runTenants = (
  agentcost: AgentCost,
  invoke: (input: ReturnType<typeof ask>, config: RunnableConfig) => Promise<unknown>,
): Promise<unknown> =>
  Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      const tenant = i % 10
      const input = ask(`tenant ${tenant}: weather and time in Lima?`)
      return i % 20 < 10
        ? agentcost.run({ tenantId: `t${tenant}` }, () => invoke(input, {}))
        : invoke(input, { metadata: { agentcost_tenant_id: `t${tenant}` } })
    }),
  )

/**
 * An agent (OpenAI) whose `research` tool runs another agent (Anthropic) with
 * a `lookup` tool: outer call, inner call asking for lookup, inner answer,
 * outer answer.
 */
export const nestedAgents = (
  middleware: ReadonlyArray<AgentMiddleware> = [],
): {
  readonly invoke: (input: ReturnType<typeof ask>, config?: RunnableConfig) => Promise<unknown>
} => {
  const lookup = tool(async () => "42", {
    name: "lookup",
    description: "Look a fact up",
    schema: z.object({ fact: z.string() }),
  })
  const innerModel = fakeModel()
    .respond(
      Messages.anthropic({
        id: "msg_in1",
        input: 300,
        output: 30,
        tools: [{ name: "lookup", args: { fact: "answer" }, id: "toolu_l" }],
      }),
    )
    .respond(Messages.anthropic({ id: "msg_in2", input: 400, output: 40, content: "42" }))
  const inner = createAgent({ model: innerModel, tools: [lookup], middleware })
  const research = tool(
    async ({ topic }) => {
      const result = await inner.invoke(ask(topic))
      return result.messages.at(-1)?.text ?? ""
    },
    {
      name: "research",
      description: "Research a topic",
      schema: z.object({ topic: z.string() }),
    },
  )
  const outerModel = fakeModel()
    .respond(
      Messages.openai({
        id: "chatcmpl-out1",
        prompt: 500,
        completion: 20,
        tools: [{ name: "research", args: { topic: "the answer" }, id: "call_r" }],
      }),
    )
    .respond(Messages.openai({ id: "chatcmpl-out2", prompt: 700, completion: 50, content: "42" }))
  return createAgent({ model: outerModel, tools: [research], middleware })
}
