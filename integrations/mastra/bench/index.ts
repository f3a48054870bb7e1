/**
 * Per-run overhead of the exporter on a mock-model Mastra agent run (issue
 * #8): two model calls (a tool call, then the answer) and one tool call, each
 * variant on its own Mastra instance built the same way, all in the same
 * process and the same run, against the baseline:
 *
 * - baseline: observability configured (the same `Observability`, the same
 *   `requestContextKeys`) with an exporter that does nothing — Mastra
 *   refuses a config without any exporter — what the run costs with
 *   Mastra's tracing on;
 * - exporter, tenant from the request context: the exporter opens an
 *   envelope at the agent_run span, books both calls and finalizes the
 *   envelope (memory store) — the whole per-run path;
 * - exporter + flush per run: the same, awaiting `exporter.flush()` after
 *   each run (every booking written before the next run starts);
 * - agentcost.run + exporter: the application opens the envelope, and
 *   `run()` waits for both calls to be booked before it resolves;
 * - exporter on a stubbed AgentCost: the exporter's own span handling, with
 *   open/record/finalize answering at once — what the exporter costs apart
 *   from agentcost's booking path.
 *
 * Reports runs/s, the time ratio to the baseline and the overhead per run in
 * µs. Target: within 5% of the baseline. The machine is shared and a Mastra
 * run is short (~7 ms), so load swings swamp a 5% difference within any one
 * long measurement: the bench runs many short rounds of every task (a few
 * runs each, in a different order each round), takes each task's median run
 * time per round, and reports the median over rounds of each round's ratio
 * to that round's baseline. `BENCH_RUNS` sets the runs per task and round
 * (default 8), `BENCH_ROUNDS` the rounds (default 201).
 */
import { AgentCost, type EnvelopeHandle } from "@agentcost/core"
import { Agent } from "@mastra/core/agent"
import type { MastraModelConfig } from "@mastra/core/llm"
import { Mastra } from "@mastra/core/mastra"
import type { ObservabilityExporter } from "@mastra/core/observability"
import { RequestContext } from "@mastra/core/request-context"
import { createTool } from "@mastra/core/tools"
import { Observability } from "@mastra/observability"
import { MockLanguageModelV4 } from "ai/test"
import { Bench } from "tinybench"
import { z } from "zod"
import { prices } from "../src/__fixtures__/prices.ts"
import { openAiChat } from "../src/__fixtures__/providers.ts"
import { AgentCostExporter } from "../src/index.ts"

type Result = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>

let responses = 0
/** A weather tool call first, the answer once the tool result is in; usage as @ai-sdk/openai reports it. */
const answer = (toolResultIn: boolean): Result => {
  const id = ++responses
  return {
    content: toolResultIn
      ? [{ type: "text", text: "21 °C" }]
      : [
          {
            type: "tool-call",
            toolCallId: `call_${id}`,
            toolName: "weather",
            input: JSON.stringify({ city: "Berlin" }),
          },
        ],
    finishReason: toolResultIn
      ? { unified: "stop", raw: "stop" }
      : { unified: "tool-calls", raw: "tool_calls" },
    usage: openAiChat(
      toolResultIn
        ? { prompt_tokens: 1400, cached_tokens: 800, completion_tokens: 60 }
        : { prompt_tokens: 1000, cached_tokens: 800, completion_tokens: 40 },
    ).usage,
    warnings: [],
    response: { id: `chatcmpl-bench-${id}`, modelId: "gpt-6-sol", timestamp: new Date(0) },
  }
}

/** A mock model that forgets the calls it served, so the heap does not grow over the run. */
const endlessModel = (): MastraModelConfig => {
  const model: MockLanguageModelV4 = new MockLanguageModelV4({
    provider: "openai.chat",
    modelId: "gpt-6-sol",
    doGenerate: async (options) => {
      model.doGenerateCalls.length = 0
      return answer(options.prompt.some((message) => message.role === "tool"))
    },
  })
  // Mastra bundles an older copy of the v4 model types; the mock is a v4 model at runtime.
  return model as unknown as MastraModelConfig
}

const weather = createTool({
  id: "weather",
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => `21 °C in ${city}`,
})

const newMastra = (exporters: Array<ObservabilityExporter>) =>
  new Mastra({
    agents: {
      weather: new Agent({
        id: "weather",
        name: "weather",
        instructions: "Answer weather questions.",
        model: endlessModel(),
        tools: { weather },
      }),
    },
    logger: false,
    observability: new Observability({
      configs: {
        default: {
          serviceName: "bench",
          exporters,
          requestContextKeys: ["tenantId", "workflowType", "agentcostEnvelopeId"],
        },
      },
    }),
  })

/** Receives every span event and does nothing: the baseline's exporter. */
const noopExporter: ObservabilityExporter = {
  name: "noop",
  onTracingEvent: () => undefined,
  exportTracingEvent: async () => undefined,
  flush: async () => undefined,
  shutdown: async () => undefined,
}

/** Answers open/begin/record/finalize at once: isolates the exporter's span handling. */
const stubbedAgentCost = (): AgentCost => {
  const envelope = {
    envelopeId: "env_stub",
    begin: () => ({ record: async () => ({}), capture: () => undefined, end: () => undefined }),
    finalize: async () => ({}),
    finalizeLater: async () => undefined,
  } as unknown as EnvelopeHandle
  return {
    current: () => undefined,
    open: async () => envelope,
    resume: async () => envelope,
    flush: async () => undefined,
  } as unknown as AgentCost
}

export interface BenchRow {
  readonly name: string
  readonly runsPerSecond: number
  /** Median run time over the baseline's (median over rounds). */
  readonly ratio: number
  readonly overheadUsPerRun: number
}

export const runMastraBench = async (
  runs: number,
  rounds: number,
): Promise<ReadonlyArray<BenchRow>> => {
  const agentcost = await AgentCost.create({
    store: "memory:",
    prices: [prices],
    handleSignals: false,
  })
  const exporters = [
    ...Array.from({ length: 3 }, () => new AgentCostExporter({ agentcost })),
    new AgentCostExporter({ agentcost: stubbedAgentCost() }),
  ]
  const apps = [newMastra([noopExporter]), ...exporters.map((exporter) => newMastra([exporter]))]
  const ask = (index: number) => {
    const requestContext = new RequestContext()
    requestContext.set("tenantId", "acme")
    return apps[index]!.getAgent("weather").generate("Weather in Berlin?", { requestContext })
  }

  const tasks: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["baseline: tracing, no-op exporter", () => ask(0)],
    ["exporter, tenant in requestContext", () => ask(1)],
    [
      "exporter + flush per run",
      async () => {
        await ask(2)
        await exporters[1]!.flush()
      },
    ],
    ["agentcost.run + exporter", () => agentcost.run({ tenantId: "acme" }, () => ask(3))],
    ["exporter on a stubbed AgentCost", () => ask(4)],
  ]
  const ratios = tasks.map(() => [] as Array<number>)
  const medians = tasks.map(() => [] as Array<number>)
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      time: 0,
      iterations: runs,
      warmup: round === 0,
      warmupTime: 2000,
      warmupIterations: 100,
      // Bookings a task left in flight are settled between tasks, not inside the next one's timing.
      teardown: async () => {
        for (const exporter of exporters) await exporter.flush()
      },
    })
    // Rotate the order, so no task always runs right after another's background work.
    for (let j = 0; j < tasks.length; j++) {
      const [name, fn] = tasks[(round + j) % tasks.length]!
      bench.add(name, fn)
    }
    await bench.run()
    const roundMedians = tasks.map(([name]) => {
      const result = bench.getTask(name)?.result
      if (result?.state !== "completed") throw new Error(`${name}: ${result?.state}`)
      return result.latency.p50
    })
    if (process.env.BENCH_DEBUG) console.log(roundMedians.map((m) => m.toFixed(3)).join(" "))
    roundMedians.forEach((p50, i) => {
      medians[i]!.push(p50)
      ratios[i]!.push(p50 / roundMedians[0]!)
    })
  }
  for (const exporter of exporters) {
    await exporter.flush()
    if (exporter.stats.errors > 0)
      throw new Error(`exporter reported ${exporter.stats.errors} errors`)
  }
  await agentcost.close()

  const baseline = median(medians[0]!)
  return tasks.map(([name], i) => ({
    name,
    runsPerSecond: 1000 / median(medians[i]!),
    ratio: median(ratios[i]!),
    overheadUsPerRun: (median(ratios[i]!) - 1) * baseline * 1000,
  }))
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

if (import.meta.main) {
  const rows = await runMastraBench(
    Number(process.env.BENCH_RUNS ?? 8),
    Number(process.env.BENCH_ROUNDS ?? 201),
  )
  console.log("Mastra agent run: 2 model calls + 1 tool call, mock model (same process, same run)")
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(36)} ${Math.round(row.runsPerSecond).toLocaleString("en").padStart(6)} runs/s  time ×${row.ratio.toFixed(3)}  ${row.overheadUsPerRun >= 0 ? "+" : ""}${row.overheadUsPerRun.toFixed(0)} µs/run`,
    )
  }
}
