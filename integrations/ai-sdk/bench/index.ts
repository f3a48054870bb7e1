/**
 * Per-call overhead of the integrations on a mock-model multi-step run
 * (issue #7), against the bare run in the same process and the same run.
 *
 * Each run is `generateText` over a three-call tool loop (two tool calls, an
 * answer) on `MockLanguageModelV4`. Tasks:
 *
 * - bare: no agentcost;
 * - middleware (integration only): the wrapped model with core's recording
 *   replaced by a stub, i.e. what this package adds per call (envelope
 *   lookup, usage conversion, attempt bookkeeping);
 * - middleware: the wrapped model inside an open envelope, every call
 *   priced and booked by core (memory store);
 * - telemetry (SDK dispatch only): a telemetry integration that does
 *   nothing, i.e. what the SDK itself spends dispatching telemetry events;
 * - telemetry (integration only): the agentcost telemetry integration with
 *   core's recording stubbed, i.e. the SDK's dispatch plus this package;
 * - telemetry: the agentcost telemetry integration, every call booked.
 *
 * The machine is shared, so time is this process's CPU time (tinybench's
 * `now` reads `process.cpuUsage()`: other processes' load does not count),
 * the tasks run in interleaved rounds (a short tinybench run per round on a
 * fresh store, order rotated), and each ratio is the median over rounds of
 * the task's mean over the bare run's mean in that round.
 * `BENCH_ROUNDS` (default 9) and `BENCH_TIME_MS` of CPU per task per round (default 400).
 */

import { AgentCost, type CallHandle, type EnvelopeHandle } from "@agentcost/core"
import type { LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from "@ai-sdk/provider"
import {
  generateText,
  type LanguageModel,
  stepCountIs,
  type Telemetry,
  tool,
  wrapLanguageModel,
} from "ai"
import { MockLanguageModelV4 } from "ai/test"
import { Bench } from "tinybench"
import { z } from "zod"
import { prices } from "../src/__fixtures__/prices.ts"
import { agentcostMiddleware, agentcostTelemetry } from "../src/index.ts"

const CALLS_PER_RUN = 3
let responses = 0

/** What @ai-sdk/openai reports for one Chat Completions call (see src/__fixtures__/providers.ts). */
const reply = (
  promptTokens: number,
  content: LanguageModelV4GenerateResult["content"],
): LanguageModelV4GenerateResult => ({
  content,
  finishReason: content.some((p) => p.type === "tool-call")
    ? { unified: "tool-calls", raw: "tool_calls" }
    : { unified: "stop", raw: "stop" },
  usage: {
    inputTokens: {
      total: promptTokens,
      noCache: promptTokens - 800,
      cacheRead: 800,
      cacheWrite: undefined,
    },
    outputTokens: { total: 60, text: 60, reasoning: 0 },
    raw: {
      prompt_tokens: promptTokens,
      completion_tokens: 60,
      prompt_tokens_details: { cached_tokens: 800 },
    },
  },
  providerMetadata: { openai: {} },
  response: { id: `chatcmpl-bench-${++responses}`, modelId: "gpt-5.1-2025-11-13" },
  warnings: [],
})

const mockModel = () =>
  new MockLanguageModelV4({
    provider: "openai.chat",
    modelId: "gpt-5.1",
    doGenerate: async (options: LanguageModelV4CallOptions) => {
      const step = (options.prompt.length - 1) / 2
      return step < 2
        ? reply(1000 + step * 200, [
            {
              type: "tool-call",
              toolCallId: `c${step}`,
              toolName: "weather",
              input: '{"city":"Berlin"}',
            },
          ])
        : reply(1400, [{ type: "text", text: "21 °C" }])
    },
  })

const weather = tool({
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, celsius: 21 }),
})

/**
 * An `AgentCost` whose envelope books nothing: isolates this package's own
 * per-call work from core's pricing and booking. Only `current()` is used by
 * the integration on this path.
 */
const stubAgentCost = (envelope: EnvelopeHandle): AgentCost => {
  const handle: CallHandle = {
    envelopeId: envelope.envelopeId,
    tenantId: envelope.tenantId,
    workflowType: envelope.workflowType,
    record: async () => undefined as never,
    capture: () => undefined,
    end: () => undefined,
  }
  const stubEnvelope = { ...envelope, begin: () => handle } as unknown as EnvelopeHandle
  return { current: () => stubEnvelope } as unknown as AgentCost
}

/** This process's CPU time in milliseconds (user + system). */
const cpuNow = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The tasks of one round, on a fresh in-memory store (so the heap does not grow across rounds). */
const roundTasks = async () => {
  const agentcost = await AgentCost.create({
    store: "memory:",
    prices: [prices],
    handleSignals: false,
  })
  const envelope = await agentcost.open({ tenantId: "acme", workflowType: "bench" })
  const bare = mockModel()
  const stubbed = wrapLanguageModel({
    model: mockModel(),
    middleware: agentcostMiddleware(stubAgentCost(envelope)),
  })
  const wrapped = wrapLanguageModel({
    model: mockModel(),
    middleware: agentcostMiddleware(agentcost),
  })
  const idle: Telemetry = { onStart: () => undefined }
  const telemetry = agentcostTelemetry(agentcost)
  const stubbedTelemetry = agentcostTelemetry(stubAgentCost(envelope))
  const run = (model: LanguageModel, integrations?: ReadonlyArray<Telemetry>) =>
    generateText({
      model,
      prompt: "Weather in Berlin?",
      tools: { weather },
      stopWhen: stepCountIs(CALLS_PER_RUN),
      ...(integrations ? { telemetry: { integrations: [...integrations] } } : {}),
    })
  const tasks: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["bare generateText", () => run(bare)],
    ["middleware (integration only)", () => run(stubbed)],
    ["middleware", () => agentcost.within(envelope, () => run(wrapped))],
    ["telemetry (SDK dispatch only)", () => run(bare, [idle])],
    ["telemetry (integration only)", () => run(bare, [stubbedTelemetry])],
    ["telemetry", () => agentcost.within(envelope, () => run(bare, [telemetry]))],
  ]
  const close = async () => {
    await envelope.finalize()
    await agentcost.close()
  }
  return { tasks, close }
}

export const runAiSdkBench = async (rounds: number, time: number) => {
  const means = new Map<string, Array<number>>()
  let names: ReadonlyArray<string> = []
  for (let round = 0; round < rounds; round++) {
    const { tasks, close } = await roundTasks()
    names = tasks.map(([name]) => name)
    const bench = new Bench({ time, warmupTime: Math.min(100, time), now: cpuNow })
    // Rotate the order so no task always runs first or last in a round.
    for (let i = 0; i < tasks.length; i++) {
      const [name, fn] = tasks[(i + round) % tasks.length]!
      bench.add(name, fn)
    }
    await bench.run()
    await close()
    for (const task of bench.tasks) {
      const result = task.result
      if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`)
      means.set(task.name, [...(means.get(task.name) ?? []), result.latency.mean])
    }
  }
  const bareMeans = means.get(names[0]!)!
  return names.map((name) => {
    const ms = means.get(name)!
    return {
      name,
      runMs: median(ms),
      ratio: median(ms.map((m, round) => m / bareMeans[round]!)),
      overheadUsPerCall: median(
        ms.map((m, round) => ((m - bareMeans[round]!) * 1000) / CALLS_PER_RUN),
      ),
    }
  })
}

if (import.meta.main) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 9)
  const rows = await runAiSdkBench(rounds, Number(process.env.BENCH_TIME_MS ?? 400))
  console.log(
    `AI SDK ${CALLS_PER_RUN}-call tool loop on a mock model; CPU time, medians over ${rounds} interleaved rounds (same process)`,
  )
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(32)} ${(row.runMs * 1000).toFixed(0).padStart(6)} µs CPU/run  ×${row.ratio.toFixed(3)} of bare  ${row.overheadUsPerCall >= 0 ? "+" : ""}${row.overheadUsPerCall.toFixed(1)} µs/call`,
    )
  }
}
