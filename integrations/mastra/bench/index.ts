/**
 * Per-run overhead of the exporter on a mock-model Mastra agent run (issue
 * #8): two model calls (a tool call, then the answer) and one tool call, all
 * variants in the same process, the same run and on the same Mastra instance
 * (its exporter hands each event to the running variant's), against the
 * baseline:
 *
 * - baseline: observability configured (the same `Observability`, the same
 *   `requestContextKeys`) with an exporter that does nothing — Mastra
 *   refuses a config without any exporter — what the run costs with
 *   Mastra's tracing on (twice: the second copy is the run's noise floor);
 * - exporter on a stubbed AgentCost: the exporter's own span handling, with
 *   open/record/finalize answering at once;
 * - exporter, tenant in requestContext: the exporter opens an envelope at
 *   the agent_run span, captures both calls and finalizes the envelope
 *   (memory store) — the whole per-run path;
 * - agentcost.run + exporter: the application opens the envelope.
 *
 * Each booking variant has its own `AgentCost`, flushed (`exporter.flush()`)
 * at the end of each sample, so the pricing and finalizing it deferred is
 * timed with it (`measureOverhead` in `@agentcost/core/test`: CPU time,
 * interleaved rounds in a random order, median of per-round ratios). Target:
 * within 5% of the baseline. `BENCH_ROUNDS` (default 100) and `BENCH_RUNS`
 * per sample (default 16).
 */
import type { AgentCost, EnvelopeHandle } from "@agentcost/core"
import { benchAgentCost, formatOverheadTable, measureOverhead } from "@agentcost/core/test"
import { Agent } from "@mastra/core/agent"
import type { MastraModelConfig } from "@mastra/core/llm"
import { Mastra } from "@mastra/core/mastra"
import type { ObservabilityExporter, TracingEvent } from "@mastra/core/observability"
import { RequestContext } from "@mastra/core/request-context"
import { createTool } from "@mastra/core/tools"
import { Observability } from "@mastra/observability"
import { MockLanguageModelV4 } from "ai/test"
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

/**
 * The one exporter of the one Mastra instance every variant runs on: it
 * hands each event to the exporter of the variant running. Two Mastra
 * instances built the same way differ by several percent on their own, more
 * than the difference measured, so the variants differ only in the exporter.
 */
class SwitchingExporter implements ObservabilityExporter {
  readonly name = "bench"
  current: ObservabilityExporter = noopExporter
  onTracingEvent(event: TracingEvent): void | Promise<void> {
    return this.current.onTracingEvent!(event)
  }
  exportTracingEvent(event: TracingEvent): Promise<void> {
    return this.current.exportTracingEvent(event)
  }
  async flush(): Promise<void> {}
  async shutdown(): Promise<void> {}
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
    openNow: () => envelope,
    open: async () => envelope,
    resume: async () => envelope,
    flush: async () => undefined,
  } as unknown as AgentCost
}

export const runMastraBench = async (rounds: number, runsPerSample: number) => {
  const exporterCost = await benchAgentCost([prices])
  const runCost = await benchAgentCost([prices])
  const stubbed = new AgentCostExporter({ agentcost: stubbedAgentCost() })
  const exporter = new AgentCostExporter({ agentcost: exporterCost })
  const withRun = new AgentCostExporter({ agentcost: runCost })
  const switching = new SwitchingExporter()
  const app = newMastra([switching])
  const ask = (exporter: ObservabilityExporter) => {
    switching.current = exporter
    const requestContext = new RequestContext()
    requestContext.set("tenantId", "acme")
    return app.getAgent("weather").generate("Weather in Berlin?", { requestContext })
  }
  const rows = await measureOverhead(
    [
      { name: "baseline: tracing, no-op exporter", run: () => ask(noopExporter) },
      { name: "baseline again (noise floor)", run: () => ask(noopExporter) },
      {
        name: "exporter on a stubbed AgentCost",
        run: () => ask(stubbed),
        settle: () => stubbed.flush(),
      },
      {
        name: "exporter, tenant in requestContext",
        run: () => ask(exporter),
        settle: () => exporter.flush(),
      },
      {
        name: "agentcost.run + exporter",
        run: () => runCost.run({ tenantId: "acme" }, () => ask(withRun)),
        settle: () => withRun.flush(),
      },
    ],
    { rounds, runsPerSample, warmupRounds: Math.ceil(rounds / 10) },
  )
  for (const used of [exporter, withRun]) {
    if (used.stats.errors > 0) throw new Error(`exporter reported ${used.stats.errors} errors`)
  }
  // Every run's events reached its own variant's exporter: two calls booked per run.
  const runs = (rounds + Math.ceil(rounds / 10)) * runsPerSample
  for (const used of [stubbed, exporter, withRun]) {
    if (used.stats.signals !== 2 * runs)
      throw new Error(`an exporter booked ${used.stats.signals} calls in ${runs} runs`)
  }
  await Promise.all([exporterCost.close(), runCost.close()])
  return rows
}

if (import.meta.main) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 100)
  const runs = Number(process.env.BENCH_RUNS ?? 16)
  const rows = await runMastraBench(rounds, runs)
  console.log(
    `Mastra agent run (2 model calls + 1 tool call, mock model): CPU time per run, ${rounds} interleaved rounds of ${runs} runs (same process)`,
  )
  console.log(formatOverheadTable(rows, { unit: "run", unitsPerRun: 1 }))
}
