/**
 * AIMessages in the shapes the provider packages produce, built the way each
 * package builds them (read from their sources):
 *
 * - ChatOpenAI 1.6 (`converters/completions.js`, `chat_models/completions.js`):
 *   `usage_metadata` from the Chat Completions `usage`, `response_metadata`
 *   `{ model_provider, model_name, usage (raw), system_fingerprint, finish_reason }`,
 *   message id = the `chatcmpl-…` id. Responses API (`converters/responses.js`):
 *   `response_metadata` `{ id: "resp_…", object: "response", model, model_name, service_tier, … }`.
 * - ChatAnthropic 1.5 (`utils/message_outputs.js`): `input_tokens` = input +
 *   cache writes + cache reads, details `{ cache_creation, cache_read }`;
 *   `response_metadata` = the body without `content` (id, model, usage raw, …)
 *   plus `model_provider`. Streaming: a `message_start` chunk (id, input usage,
 *   model in `additional_kwargs`) and a `message_delta` chunk (output tokens).
 * - ChatGoogleGenerativeAI 2.3 (`utils/common.js`): `input_tokens` =
 *   `promptTokenCount`, `output_tokens` = `candidatesTokenCount` (thoughts
 *   dropped), `total_tokens` = `totalTokenCount` (thoughts included), cache
 *   reads as `cache_read`; `response_metadata` = the candidate's generation
 *   info (`finishReason`, `index`) — no model, no id, no model_provider.
 * - ChatVertexAI (`@langchain/google-common` `utils/gemini.ts`): `output_tokens`
 *   = candidates + thoughts, `output_token_details.reasoning` = thoughts,
 *   `response_metadata.model_provider` = "google-vertexai".
 * - ChatOpenRouter (`converters/messages.ts`): the OpenAI shape with
 *   `model_provider: "openrouter"`, id `gen-…`, OpenRouter's `usage.cost`.
 */
import {
  AIMessage,
  AIMessageChunk,
  type StandardMessageStructure,
  type ToolCall,
} from "@langchain/core/messages"

export interface ToolRequest {
  readonly name: string
  readonly args: Record<string, unknown>
  readonly id: string
}

const toolCalls = (requests: ReadonlyArray<ToolRequest>): Array<ToolCall> =>
  requests.map((r) => ({ name: r.name, args: r.args, id: r.id, type: "tool_call" as const }))

export const openai = (input: {
  readonly id: string
  readonly model?: string
  readonly prompt: number
  readonly cached?: number
  readonly completion: number
  readonly reasoning?: number
  readonly tools?: ReadonlyArray<ToolRequest>
  readonly content?: string
}): AIMessage<StandardMessageStructure> => {
  const cached = input.cached ?? 0
  const reasoning = input.reasoning ?? 0
  const usage = {
    prompt_tokens: input.prompt,
    completion_tokens: input.completion,
    total_tokens: input.prompt + input.completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
  return new AIMessage<StandardMessageStructure>({
    content: input.content ?? "",
    tool_calls: toolCalls(input.tools ?? []),
    invalid_tool_calls: [],
    additional_kwargs: {},
    id: input.id,
    response_metadata: {
      model_provider: "openai",
      model_name: input.model ?? "gpt-5.4-2026-03-05",
      usage,
      system_fingerprint: "fp_7e2a",
      finish_reason: input.tools?.length ? "tool_calls" : "stop",
    },
    usage_metadata: {
      input_tokens: input.prompt,
      output_tokens: input.completion,
      total_tokens: input.prompt + input.completion,
      input_token_details: { audio: 0, cache_read: cached },
      output_token_details: { audio: 0, reasoning },
    },
  })
}

/** ChatOpenAI with `useResponsesApi: true`. */
export const openaiResponses = (input: {
  readonly id: string
  readonly model: string
  readonly input: number
  readonly cached: number
  readonly output: number
  readonly reasoning: number
  readonly serviceTier: string
}): AIMessage<StandardMessageStructure> =>
  new AIMessage<StandardMessageStructure>({
    content: [{ type: "text", text: "done" }],
    id: input.id,
    response_metadata: {
      model_provider: "openai",
      model: input.model,
      created_at: 1_793_000_000,
      id: input.id,
      incomplete_details: null,
      metadata: {},
      object: "response",
      status: "completed",
      user: null,
      service_tier: input.serviceTier,
      model_name: input.model,
    },
    usage_metadata: {
      input_tokens: input.input,
      output_tokens: input.output,
      total_tokens: input.input + input.output,
      input_token_details: { cache_read: input.cached },
      output_token_details: { reasoning: input.reasoning },
    },
  })

interface AnthropicUsage {
  readonly input: number
  readonly cacheRead?: number
  readonly cacheWrite5m?: number
  readonly cacheWrite1h?: number
  readonly output: number
}

const anthropicRawUsage = (u: AnthropicUsage) => ({
  input_tokens: u.input,
  cache_creation_input_tokens: (u.cacheWrite5m ?? 0) + (u.cacheWrite1h ?? 0),
  cache_read_input_tokens: u.cacheRead ?? 0,
  cache_creation: {
    ephemeral_5m_input_tokens: u.cacheWrite5m ?? 0,
    ephemeral_1h_input_tokens: u.cacheWrite1h ?? 0,
  },
  output_tokens: u.output,
  service_tier: "standard",
})

/** ChatAnthropic's `buildUsageMetadata`. */
const anthropicUsageMetadata = (u: AnthropicUsage) => {
  const creation = (u.cacheWrite5m ?? 0) + (u.cacheWrite1h ?? 0)
  const input = u.input + creation + (u.cacheRead ?? 0)
  return {
    input_tokens: input,
    output_tokens: u.output,
    total_tokens: input + u.output,
    input_token_details: { cache_creation: creation, cache_read: u.cacheRead ?? 0 },
  }
}

export const anthropic = (
  input: AnthropicUsage & {
    readonly id: string
    readonly model?: string
    readonly tools?: ReadonlyArray<ToolRequest>
    readonly content?: string
  },
): AIMessage<StandardMessageStructure> => {
  const body = {
    id: input.id,
    type: "message",
    role: "assistant",
    model: input.model ?? "claude-sonnet-4-5-20250929",
    stop_reason: input.tools?.length ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: anthropicRawUsage(input),
  }
  const tools = input.tools ?? []
  return new AIMessage<StandardMessageStructure>({
    content:
      tools.length === 0
        ? (input.content ?? "")
        : tools.map((t) => ({ type: "tool_use", id: t.id, name: t.name, input: t.args })),
    additional_kwargs: body,
    tool_calls: toolCalls(tools),
    usage_metadata: anthropicUsageMetadata(input),
    response_metadata: { ...body, model_provider: "anthropic" },
    id: input.id,
  })
}

/** ChatAnthropic streaming: the `message_start` and `message_delta` chunks. */
export const anthropicStreamChunks = (
  input: AnthropicUsage & { readonly id: string; readonly model: string },
): Array<AIMessageChunk<StandardMessageStructure>> => {
  const { input_tokens: _in, output_tokens: _out, ...rest } = anthropicRawUsage(input)
  const start = anthropicUsageMetadata({ ...input, output: 1 })
  return [
    new AIMessageChunk<StandardMessageStructure>({
      content: "",
      additional_kwargs: {
        id: input.id,
        type: "message",
        role: "assistant",
        model: input.model,
        stop_reason: null,
        stop_sequence: null,
      },
      usage_metadata: start,
      response_metadata: { model_provider: "anthropic", usage: rest },
      id: input.id,
    }),
    new AIMessageChunk<StandardMessageStructure>({
      content: "Hello",
      response_metadata: { model_provider: "anthropic" },
    }),
    new AIMessageChunk<StandardMessageStructure>({
      content: "",
      additional_kwargs: { stop_reason: "end_turn", stop_sequence: null },
      // Anthropic's message_delta carries the cumulative output count.
      usage_metadata: { input_tokens: 0, output_tokens: input.output, total_tokens: input.output },
      response_metadata: {},
    }),
  ]
}

export const gemini = (input: {
  readonly prompt: number
  readonly cached?: number
  readonly candidates: number
  readonly thoughts?: number
  readonly tools?: ReadonlyArray<ToolRequest>
  readonly content?: string
}): AIMessage<StandardMessageStructure> =>
  new AIMessage<StandardMessageStructure>({
    content: input.content ?? "",
    tool_calls: toolCalls(input.tools ?? []),
    additional_kwargs: { finishReason: "STOP", index: 0 },
    usage_metadata: {
      input_tokens: input.prompt,
      output_tokens: input.candidates,
      total_tokens: input.prompt + input.candidates + (input.thoughts ?? 0),
      ...(input.cached ? { input_token_details: { cache_read: input.cached } } : {}),
    },
    response_metadata: { finishReason: "STOP", index: 0 },
  })

export const vertex = (input: {
  readonly prompt: number
  readonly cached: number
  readonly candidates: number
  readonly thoughts: number
  readonly toolUsePrompt?: number
}): AIMessage<StandardMessageStructure> =>
  new AIMessage<StandardMessageStructure>({
    content: "done",
    usage_metadata: {
      input_tokens: input.prompt,
      output_tokens: input.candidates + input.thoughts,
      total_tokens: input.prompt + input.candidates + input.thoughts + (input.toolUsePrompt ?? 0),
      input_token_details: { text: input.prompt, cache_read: input.cached },
      output_token_details: { text: input.candidates, reasoning: input.thoughts },
    },
    response_metadata: { model_provider: "google-vertexai" },
  })

export const openrouter = (input: {
  readonly id: string
  readonly model: string
  readonly prompt: number
  readonly completion: number
  readonly cost: number
  readonly byok?: boolean
}): AIMessage<StandardMessageStructure> =>
  new AIMessage<StandardMessageStructure>({
    content: "done",
    id: input.id,
    response_metadata: {
      model_provider: "openrouter",
      model_name: input.model,
      finish_reason: "stop",
      usage: {
        prompt_tokens: input.prompt,
        completion_tokens: input.completion,
        total_tokens: input.prompt + input.completion,
        cost: input.cost,
        is_byok: input.byok ?? false,
      },
    },
    usage_metadata: {
      input_tokens: input.prompt,
      output_tokens: input.completion,
      total_tokens: input.prompt + input.completion,
    },
  })
