/**
 * Per-call overhead of the integrations on a mock-model multi-step run
 * (issue #7), against the bare run in the same process and the same run.
 *
 * Each run is `generateText` over a three-call tool loop (two tool calls, an
 * answer) on `MockLanguageModelV4`. Variants:
 *
 * - bare: no agentcost (twice: the second copy is the run's noise floor);
 * - no-op middleware: a `wrapGenerate` that only awaits `doGenerate`, i.e.
 *   what the SDK's own middleware plumbing costs;
 * - middleware (integration only): the wrapped model with core's booking
 *   replaced by a stub, i.e. what this package adds per call;
 * - middleware: `agentcost.run` per run (an envelope opened and finalized),
 *   every call captured and priced at the flush (memory store);
 * - contract floor: what any implementation of the cost contract must do,
 *   and nothing else — one envelope record per run, one signal and one
 *   ledger entry per call, kept in memory (`ContractFloor.ts`);
 * - agentcost.run alone: an envelope opened and finalized around a bare run;
 * - telemetry (SDK dispatch only): a telemetry integration that does
 *   nothing, i.e. what the SDK spends dispatching telemetry events;
 * - telemetry (integration only) and telemetry: as for the middleware.
 *
 * Each booking variant has its own `AgentCost`, flushed at the end of each
 * sample, so the pricing it deferred is timed with it (see
 * `measureOverhead` in `@agentcost/core/test`: CPU time, interleaved rounds
 * in a random order, median of per-round ratios). `BENCH_ROUNDS` (default
 * 300) and `BENCH_RUNS` per sample (default 10).
 */

import type { AgentCost, CallHandle, EnvelopeHandle } from "@agentcost/core"
import { benchAgentCost, formatOverheadTable, measureOverhead } from "@agentcost/core/test"
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
import { z } from "zod"
import { prices } from "../src/__fixtures__/prices.ts"
import { agentcostMiddleware, agentcostTelemetry } from "../src/index.ts"
import { contractFloor } from "./ContractFloor.ts"

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

export const runAiSdkBench = async (rounds: number, runsPerSample: number) => {
  const middlewareCost = await benchAgentCost([prices])
  const telemetryCost = await benchAgentCost([prices])
  const stubCost = await benchAgentCost([prices])
  const envelope = await stubCost.open({ tenantId: "acme", workflowType: "bench" })
  const stubbed = stubAgentCost(envelope)
  const run = (model: LanguageModel, integrations?: ReadonlyArray<Telemetry>) =>
    generateText({
      model,
      prompt: "Weather in Berlin?",
      tools: { weather },
      stopWhen: stepCountIs(CALLS_PER_RUN),
      ...(integrations ? { telemetry: { integrations: [...integrations] } } : {}),
    })
  const wrap = (middleware: Parameters<typeof wrapLanguageModel>[0]["middleware"]) =>
    wrapLanguageModel({ model: mockModel(), middleware })
  const bare = mockModel()
  const bare2 = mockModel()
  const noopMiddleware = wrap({
    specificationVersion: "v4",
    wrapGenerate: async ({ doGenerate }) => await doGenerate(),
  })
  const floor = contractFloor()
  const floorMiddleware = wrap(floor.middleware)
  const stubbedMiddleware = wrap(agentcostMiddleware(stubbed))
  const middleware = wrap(agentcostMiddleware(middlewareCost))
  const idle: Telemetry = { onStart: () => undefined }
  const stubbedTelemetry = agentcostTelemetry(stubbed)
  const telemetry = agentcostTelemetry(telemetryCost)
  const perRun = (agentcost: AgentCost, fn: () => Promise<unknown>) => () =>
    agentcost.run({ tenantId: "acme", workflowType: "bench" }, fn)
  const rows = await measureOverhead(
    [
      { name: "bare generateText", run: () => run(bare) },
      { name: "bare again (noise floor)", run: () => run(bare2) },
      { name: "no-op middleware (SDK plumbing)", run: () => run(noopMiddleware) },
      { name: "middleware (integration only)", run: () => run(stubbedMiddleware) },
      {
        name: "middleware",
        run: perRun(middlewareCost, () => run(middleware)),
        settle: () => middlewareCost.flush(),
      },
      {
        name: "contract floor (records only)",
        run: () => floor.run("acme", () => run(floorMiddleware)),
        settle: floor.settle,
      },
      {
        name: "agentcost.run alone",
        run: perRun(middlewareCost, () => run(bare)),
        settle: () => middlewareCost.flush(),
      },
      { name: "telemetry (SDK dispatch only)", run: () => run(bare, [idle]) },
      { name: "telemetry (integration only)", run: () => run(bare, [stubbedTelemetry]) },
      {
        name: "telemetry",
        run: perRun(telemetryCost, () => run(bare, [telemetry])),
        settle: () => telemetryCost.flush(),
      },
    ],
    { rounds, runsPerSample, warmupRounds: Math.ceil(rounds / 10) },
  )
  await Promise.all([middlewareCost.close(), telemetryCost.close(), stubCost.close()])
  return rows
}

if (import.meta.main) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 300)
  const runs = Number(process.env.BENCH_RUNS ?? 10)
  const rows = await runAiSdkBench(rounds, runs)
  console.log(
    `AI SDK ${CALLS_PER_RUN}-call tool loop on a mock model: CPU time per run, ${rounds} interleaved rounds of ${runs} runs (same process)`,
  )
  console.log(formatOverheadTable(rows, { unit: "call", unitsPerRun: CALLS_PER_RUN }))
}
