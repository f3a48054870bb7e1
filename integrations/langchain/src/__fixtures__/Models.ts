/**
 * Test models and the price book the handler tests price against.
 *
 * The models are LangChain's own fakes (`fakeModel()` from
 * `@langchain/core/testing`, the fakes of `@langchain/core/utils/testing`)
 * returning the provider-shaped messages of `Messages.ts`; two small
 * adjustments make them behave like the provider packages where the fakes
 * differ: the `ls_provider`/`ls_model_name` a provider package reports at the
 * start hook, and streaming chunks kept as they are (with their usage).
 */
import { AgentCost, type AgentCostOptions, type PriceBook } from "@agentcost/core"
import type { AIMessageChunk } from "@langchain/core/messages"
import { ChatGenerationChunk, type LLMResult } from "@langchain/core/outputs"
import type { FakeBuiltModel } from "@langchain/core/testing"
import { FakeLLM, FakeStreamingChatModel } from "@langchain/core/utils/testing"

/** 2026-11-03T10:00:00Z: every test books into period 2026-11. */
export const NOW = Date.UTC(2026, 10, 3, 10, 0, 0)
export const PERIOD = "2026-11"

const entry = (
  provider: string,
  model: string,
  rates: Record<string, string>,
  fees?: Record<string, string>,
): PriceBook.PriceBookFile["entries"][number] => ({
  provider,
  model,
  endpoint: null,
  validFrom: "2026-01-01",
  validTo: null,
  strategy: "TOKEN_BASED",
  currency: "USD",
  rates,
  ...(fees ? { fees } : {}),
})

/** Per million tokens; `rag_queries` per query. Reasoning has no rate: it falls back to output. */
export const PRICES: PriceBook.PriceBookFile = {
  version: 1,
  entries: [
    entry(
      "openai",
      "gpt-5.4",
      { input_tokens: "2.5", cache_read_tokens: "0.25", output_tokens: "15" },
      { rag_queries: "0.001" },
    ),
    entry("anthropic", "claude-sonnet-4-5", {
      input_tokens: "3",
      cache_read_tokens: "0.3",
      cache_write_tokens: "3.75",
      cache_write_1h_tokens: "6",
      output_tokens: "15",
    }),
    entry("google", "gemini-2.5-flash", {
      input_tokens: "0.3",
      cache_read_tokens: "0.03",
      output_tokens: "2.5",
    }),
  ],
}

export const createAgentCost = (options: AgentCostOptions = {}): Promise<AgentCost> =>
  AgentCost.create({
    store: "memory:",
    prices: [PRICES],
    handleSignals: false,
    now: () => NOW,
    ...options,
  })

interface LsParams {
  readonly ls_provider: string
  readonly ls_model_name: string
}

type WithLsParams = { getLsParams: (options: never) => object }

/**
 * Makes a fake model report a provider package's `ls_provider` and
 * `ls_model_name` at the start hook, also after `bindTools` (which
 * `createAgent` calls and which builds a fresh fake).
 */
export const reportingAs = <M extends FakeBuiltModel>(model: M, ls: LsParams): M => {
  const patch = (target: WithLsParams) => {
    const own = target.getLsParams.bind(target)
    target.getLsParams = (options: never) => ({ ...own(options), ...ls })
  }
  patch(model as unknown as WithLsParams)
  const bindTools = model.bindTools.bind(model)
  model.bindTools = (tools) => {
    const binding = bindTools(tools)
    patch((binding as unknown as { bound: WithLsParams }).bound)
    return binding
  }
  return model
}

/** `FakeStreamingChatModel` streaming its chunks as given (the core fake drops their usage). */
export class ChunkStreamingModel extends FakeStreamingChatModel {
  override async *_streamResponseChunks(): AsyncGenerator<ChatGenerationChunk> {
    for (const chunk of this.chunks as Array<AIMessageChunk>) {
      yield new ChatGenerationChunk({
        message: chunk,
        text: typeof chunk.content === "string" ? chunk.content : "",
      })
    }
  }
}

/**
 * A text-completion LLM reporting the way `@langchain/openai`'s `OpenAI` class
 * does: `llmOutput.tokenUsage`, the model in its invocation params, the
 * provider only in its serialized id (LLMs send no `ls_provider`).
 */
export class TokenUsageLLM extends FakeLLM {
  override lc_namespace = ["langchain", "llms", "openai"]
  readonly #usage: { readonly promptTokens: number; readonly completionTokens: number }

  constructor(usage: { readonly promptTokens: number; readonly completionTokens: number }) {
    super({ response: "ok" })
    this.#usage = usage
  }

  override invocationParams() {
    return { model: "gpt-5.4-2026-03-05" }
  }

  override async _generate(prompts: Array<string>): Promise<LLMResult> {
    return {
      generations: prompts.map(() => [{ text: "ok" }]),
      llmOutput: {
        tokenUsage: {
          promptTokens: this.#usage.promptTokens * prompts.length,
          completionTokens: this.#usage.completionTokens * prompts.length,
          totalTokens: (this.#usage.promptTokens + this.#usage.completionTokens) * prompts.length,
        },
      },
    }
  }
}
