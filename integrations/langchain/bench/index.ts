/**
 * Per-run overhead of the handler on a mock-model `createAgent` run (issue #6):
 * two model calls (a tool call, then the answer) and one tool call, each
 * variant on its own agent built the same way, all in the same process and
 * the same run, against the bare run:
 *
 * - bare: `agent.invoke`, no callbacks;
 * - no-op handler: a handler that does nothing, awaited like ours — what
 *   LangChain itself costs once any callback handler is attached (callback
 *   managers copied per child run, metadata merged, run ids, serialized models);
 * - agentcost handler: the run inside an open envelope (`agentcost.within`),
 *   both calls priced and booked (memory store) before `invoke` resolves;
 * - agentcost.run + handler: an envelope opened and finalized per run around
 *   it — the whole per-run path an application pays;
 * - tenant from metadata: no envelope active, `config.metadata` carries the
 *   tenant, the handler opens and finalizes an envelope per root run;
 * - Langfuse: `@langfuse/langchain`'s `CallbackHandler` exporting to an
 *   OpenTelemetry `InMemorySpanExporter` (SimpleSpanProcessor), as shipped
 *   (LangChain runs it in the background) and awaited like ours.
 *
 * The machine is shared, so time is the process's CPU time
 * (`process.cpuUsage`, all its threads, GC included), and the tasks run in
 * short rounds, repeated: each figure is the median over rounds of the
 * round's ratio to that round's bare run, so a load change hits every variant
 * alike. Reports the time ratio to the bare run, the overhead per run in µs,
 * and the overhead above the no-op handler. Target: the handler within 5% of
 * the bare run, and below Langfuse. `BENCH_TIME_MS` sets the time per task
 * and round (default 300), `BENCH_ROUNDS` the rounds (default 11),
 * `BENCH_CLOCK=wall` measures wall time instead (on a quiet machine).
 */
import { AgentCost } from "@agentcost/core"
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
import { createAgent, tool } from "langchain"
import { Bench } from "tinybench"
import * as z from "zod"
import * as Messages from "../src/__fixtures__/Messages.ts"
import { PRICES } from "../src/__fixtures__/Models.ts"
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

const newAgent = () => createAgent({ model: endlessModel(), tools: [weather] })
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

/** The process's CPU time in milliseconds: other processes' load does not count. */
const cpuNow = () => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

export interface BenchRow {
  readonly name: string
  readonly runsPerSecond: number
  /** Mean run time over the bare run's. */
  readonly ratio: number
  readonly overheadUsPerRun: number
  /** Above the no-op handler (LangChain's own per-handler cost), in µs per run. */
  readonly aboveNoopUsPerRun: number
}

export const runLangChainBench = async (
  time: number,
  rounds: number,
  clock: "cpu" | "wall" = "cpu",
): Promise<ReadonlyArray<BenchRow>> => {
  const agentcost = await AgentCost.create({
    store: "memory:",
    prices: [PRICES],
    handleSignals: false,
  })
  const handler = createAgentCostHandler(agentcost)
  const envelope = await agentcost.open({ tenantId: "acme", workflowType: "bench" })

  const exporter = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  )
  const langfuse = new LangfuseHandler()
  const langfuseAwaited = new LangfuseHandler()
  langfuseAwaited.awaitHandlers = true

  const noop = new NoopHandler()
  const agents = Array.from({ length: 7 }, newAgent)
  const invoke = (index: number, callbacks?: Array<BaseCallbackHandler>, tenant?: string) =>
    agents[index]!.invoke(input(), {
      ...(callbacks ? { callbacks } : {}),
      ...(tenant ? { metadata: { agentcost_tenant_id: tenant } } : {}),
    })

  const tasks: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["bare createAgent run", () => invoke(0)],
    ["no-op handler (awaited)", () => invoke(1, [noop])],
    ["agentcost handler", () => agentcost.within(envelope, () => invoke(2, [handler]))],
    [
      "agentcost.run + handler",
      () => agentcost.run({ tenantId: "acme" }, () => invoke(3, [handler])),
    ],
    ["handler, tenant from metadata", () => invoke(4, [handler], "acme")],
    ["langfuse (background)", () => invoke(5, [langfuse])],
    ["langfuse (awaited)", () => invoke(6, [langfuseAwaited])],
  ]
  const ratios = tasks.map(() => [] as Array<number>)
  const means = tasks.map(() => [] as Array<number>)
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time,
      warmupTime: round === 0 ? 500 : 50,
      ...(clock === "cpu" ? { now: cpuNow } : {}),
    })
    for (const [name, fn] of tasks) bench.add(name, fn)
    // Spans pile up in the exporter: empty it between tasks, outside the timing.
    bench.addEventListener("cycle", () => exporter.reset())
    await bench.run()
    const roundMeans = bench.tasks.map((task) => {
      const result = task.result
      if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`)
      return result.latency.mean
    })
    roundMeans.forEach((mean, i) => {
      means[i]!.push(mean)
      ratios[i]!.push(mean / roundMeans[0]!)
    })
  }
  await envelope.finalize()
  if (handler.stats.errors > 0) throw new Error(`handler reported ${handler.stats.errors} errors`)
  await agentcost.close()

  const bare = median(means[0]!)
  const noopRatio = median(ratios[1]!)
  return tasks.map(([name], i) => {
    const ratio = median(ratios[i]!)
    return {
      name,
      runsPerSecond: 1000 / median(means[i]!),
      ratio,
      overheadUsPerRun: (ratio - 1) * bare * 1000,
      aboveNoopUsPerRun: (ratio - noopRatio) * bare * 1000,
    }
  })
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

if (import.meta.main) {
  const rows = await runLangChainBench(
    Number(process.env.BENCH_TIME_MS ?? 300),
    Number(process.env.BENCH_ROUNDS ?? 11),
    process.env.BENCH_CLOCK === "wall" ? "wall" : "cpu",
  )
  const signed = (us: number) => `${us >= 0 ? "+" : ""}${us.toFixed(0)} µs`
  console.log(
    `LangChain createAgent run: 2 model calls + 1 tool call, mock model (${process.env.BENCH_CLOCK === "wall" ? "wall" : "CPU"} time, same process, same run)`,
  )
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(30)} ${Math.round(row.runsPerSecond).toLocaleString("en").padStart(5)} runs/s  ×${row.ratio.toFixed(3)}  ${signed(row.overheadUsPerRun).padStart(9)}/run  (${signed(row.aboveNoopUsPerRun)} above no-op)`,
    )
  }
}
