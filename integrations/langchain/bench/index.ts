/**
 * Per-run overhead of the handler and of the middleware on a mock-model
 * `createAgent` run (issue #6): two model calls (a tool call, then the
 * answer) and one tool call, each variant on its own agent built the same
 * way, all in the same process and the same run, against the bare run:
 *
 * - bare: `agent.invoke`, no callbacks (twice: the second copy is the run's
 *   noise floor);
 * - no-op middleware: a `wrapModelCall` that only calls the model — what
 *   LangChain costs for any model middleware, the middleware's floor;
 * - agentcost middleware: `agentcost.run` around each run (an envelope
 *   opened and finalized per run), both calls captured before `invoke`
 *   resolves; the same with the tenant in `config.metadata` (an envelope per
 *   model call) and inside one open envelope (`agentcost.within`);
 * - no-op handler: a handler that does nothing, awaited like ours — what
 *   LangChain itself costs once any callback handler is attached (callback
 *   managers copied per child run, metadata merged, run ids, serialized
 *   models), the handler's floor;
 * - agentcost handler: `agentcost.run` around each run; the same with the
 *   tenant in `config.metadata` (an envelope per root run);
 * - Langfuse: `@langfuse/langchain`'s `CallbackHandler` exporting to an
 *   OpenTelemetry `InMemorySpanExporter` (SimpleSpanProcessor), as shipped
 *   (LangChain runs it in the background) and awaited like ours.
 *
 * Each booking variant has its own `AgentCost`, flushed at the end of each
 * sample, so the pricing and finalizing it deferred is timed with it
 * (`measureOverhead` in `@agentcost/core/test`: CPU time, interleaved rounds
 * in a random order, median of per-round ratios). Target: within 5% of the
 * bare run, and below Langfuse. `BENCH_ROUNDS` (default 100) and
 * `BENCH_RUNS` per sample (default 4).
 */
import type { AgentCost } from "@agentcost/core"
import { benchAgentCost, formatOverheadTable, measureOverhead } from "@agentcost/core/test"
import { BaseCallbackHandler } from "@langchain/core/callbacks/base"
import { type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages"
import { fakeModel } from "@langchain/core/testing"
import { CallbackHandler as LangfuseHandler } from "@langfuse/langchain"
import { trace } from "@opentelemetry/api"
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base"
import { type AgentMiddleware, createAgent, tool } from "langchain"
import * as z from "zod"
import * as Messages from "../src/__fixtures__/Messages.ts"
import { PRICES } from "../src/__fixtures__/Models.ts"
import { agentcostMiddleware } from "../src/agent.ts"
import { createAgentCostHandler } from "../src/index.ts"

let responses = 0

/** ChatOpenAI-shaped answers: a weather tool call first, the answer once the tool result is in. */
const answer = (messages: Array<BaseMessage>) =>
  messages.some((m) => ToolMessage.isInstance(m))
    ? Messages.openai({
        id: `chatcmpl-bench-${++responses}`,
        prompt: 1400,
        cached: 800,
        completion: 60,
        content: "21 °C",
      })
    : Messages.openai({
        id: `chatcmpl-bench-${++responses}`,
        prompt: 1000,
        cached: 800,
        completion: 40,
        tools: [{ name: "weather", args: { city: "Berlin" }, id: `call_${responses}` }],
      })

/**
 * A `fakeModel()` that never runs out: each response queues the next one, and
 * the calls it records are dropped so the heap does not grow over the run.
 */
const endlessModel = () => {
  const model = fakeModel()
  const respond = (messages: Array<BaseMessage>) => {
    model.respond(respond)
    model.calls.length = 0
    return answer(messages)
  }
  return model.respond(respond)
}

const weather = tool(async ({ city }) => `21 °C in ${city}`, {
  name: "weather",
  description: "The weather in a city",
  schema: z.object({ city: z.string() }),
})

const newAgent = (middleware: ReadonlyArray<AgentMiddleware> = []) =>
  createAgent({ model: endlessModel(), tools: [weather], middleware })
const input = () => ({ messages: [new HumanMessage("Weather in Berlin?")] })

/** Does nothing: LangChain's cost of calling an awaited handler. */
class NoopHandler extends BaseCallbackHandler {
  name = "noop"
  override awaitHandlers = true
  override handleChainStart() {}
  override handleChainEnd() {}
  override handleChatModelStart() {}
  override handleLLMEnd() {}
  override handleToolStart() {}
  override handleToolEnd() {}
}

/** Only calls the model: LangChain's cost of any model middleware. */
const noopMiddleware: AgentMiddleware = {
  name: "noop",
  wrapModelCall: (request, handler) => handler(request),
}

export const runLangChainBench = async (rounds: number, runsPerSample: number) => {
  const costs = {
    middlewareRun: await benchAgentCost([PRICES]),
    middlewareMetadata: await benchAgentCost([PRICES]),
    middlewareWithin: await benchAgentCost([PRICES]),
    handlerRun: await benchAgentCost([PRICES]),
    handlerMetadata: await benchAgentCost([PRICES]),
  }
  const envelope = await costs.middlewareWithin.open({ tenantId: "acme", workflowType: "bench" })
  const middlewares = {
    run: agentcostMiddleware(costs.middlewareRun),
    metadata: agentcostMiddleware(costs.middlewareMetadata),
    within: agentcostMiddleware(costs.middlewareWithin),
  }
  const handlers = {
    run: createAgentCostHandler(costs.handlerRun),
    metadata: createAgentCostHandler(costs.handlerMetadata),
  }

  const exporter = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  )
  const langfuse = new LangfuseHandler()
  const langfuseAwaited = new LangfuseHandler()
  langfuseAwaited.awaitHandlers = true
  const noop = new NoopHandler()

  const invoker = (
    middleware: ReadonlyArray<AgentMiddleware> = [],
    callbacks?: Array<BaseCallbackHandler>,
    tenant?: string,
  ) => {
    const agent = newAgent(middleware)
    return () =>
      agent.invoke(input(), {
        ...(callbacks ? { callbacks } : {}),
        ...(tenant ? { metadata: { agentcost_tenant_id: tenant } } : {}),
      })
  }
  const inRun = (agentcost: AgentCost, invoke: () => Promise<unknown>) => () =>
    agentcost.run({ tenantId: "acme" }, invoke)
  const bare = invoker()
  const bare2 = invoker()
  const noopMiddlewareRun = invoker([noopMiddleware])
  const middlewareRun = invoker([middlewares.run])
  const middlewareMetadata = invoker([middlewares.metadata], undefined, "acme")
  const middlewareWithin = invoker([middlewares.within])
  const noopHandlerRun = invoker([], [noop])
  const handlerRun = invoker([], [handlers.run])
  const handlerMetadata = invoker([], [handlers.metadata], "acme")
  const langfuseRun = invoker([], [langfuse])
  const langfuseAwaitedRun = invoker([], [langfuseAwaited])
  const flush = (agentcost: AgentCost) => () => agentcost.flush()
  // Spans pile up in the exporter: emptied with each Langfuse sample.
  const resetSpans = async () => exporter.reset()

  const rows = await measureOverhead(
    [
      { name: "bare createAgent run", run: bare },
      { name: "bare again (noise floor)", run: bare2 },
      { name: "no-op middleware", run: noopMiddlewareRun },
      {
        name: "agentcost.run + middleware",
        run: inRun(costs.middlewareRun, middlewareRun),
        settle: flush(costs.middlewareRun),
      },
      {
        name: "middleware, tenant from metadata",
        run: middlewareMetadata,
        settle: flush(costs.middlewareMetadata),
      },
      {
        name: "middleware, one open envelope",
        run: () => costs.middlewareWithin.within(envelope, middlewareWithin),
        settle: flush(costs.middlewareWithin),
      },
      { name: "no-op handler (awaited)", run: noopHandlerRun },
      {
        name: "agentcost.run + handler",
        run: inRun(costs.handlerRun, handlerRun),
        settle: flush(costs.handlerRun),
      },
      {
        name: "handler, tenant from metadata",
        run: handlerMetadata,
        settle: flush(costs.handlerMetadata),
      },
      { name: "langfuse (background)", run: langfuseRun, settle: resetSpans },
      { name: "langfuse (awaited)", run: langfuseAwaitedRun, settle: resetSpans },
    ],
    { rounds, runsPerSample, warmupRounds: Math.ceil(rounds / 10) },
  )
  await envelope.finalize()
  for (const used of [...Object.values(handlers), ...Object.values(middlewares)]) {
    if (used.stats.errors > 0) throw new Error(`agentcost reported ${used.stats.errors} errors`)
  }
  await Promise.all(Object.values(costs).map((agentcost) => agentcost.close()))
  return rows
}

if (import.meta.main) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 100)
  const runs = Number(process.env.BENCH_RUNS ?? 4)
  const rows = await runLangChainBench(rounds, runs)
  console.log(
    `LangChain createAgent run (2 model calls + 1 tool call, mock model): CPU time per run, ${rounds} interleaved rounds of ${runs} runs (same process)`,
  )
  console.log(formatOverheadTable(rows, { unit: "run", unitsPerRun: 1 }))
}
