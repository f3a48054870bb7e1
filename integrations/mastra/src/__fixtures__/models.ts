/**
 * Scripted models on the AI SDK's `MockLanguageModelV4`: each call answers
 * with the next reply of a script (tool calls or text) and the usage a real
 * provider package reports. The same script serves `generate` and `stream`.
 */
import { MockLanguageModelV4 } from "ai/test"
import type { Reported } from "./providers.ts"

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>
type CallOptions = Parameters<MockLanguageModelV4["doGenerate"]>[0]

export interface Reply extends Reported {
  /** Tool calls the model requests; none means a final text answer. */
  readonly toolCalls?: ReadonlyArray<{ readonly toolName: string; readonly input: unknown }>
  readonly text?: string
  /** The served model id (`response.modelId`). */
  readonly modelId?: string
}

/** The user prompt of a call, to script replies per tenant. */
export const promptText = (options: CallOptions): string =>
  options.prompt
    .filter((message) => message.role === "user")
    .flatMap((message) => message.content)
    .map((part) => ("text" in part ? part.text : ""))
    .join(" ")

/** Which step of its tool loop a call is: the assistant turns already in the prompt. */
export const stepOf = (options: CallOptions): number =>
  options.prompt.filter((message) => message.role === "assistant").length

let calls = 0

const generated = (reply: Reply): GenerateResult => {
  const id = ++calls
  const toolCalls = reply.toolCalls ?? []
  return {
    content:
      toolCalls.length > 0
        ? toolCalls.map((call, index) => ({
            type: "tool-call" as const,
            toolCallId: `call_${id}_${index}`,
            toolName: call.toolName,
            input: JSON.stringify(call.input),
          }))
        : [{ type: "text" as const, text: reply.text ?? "done" }],
    finishReason:
      toolCalls.length > 0
        ? { unified: "tool-calls", raw: "tool_calls" }
        : { unified: "stop", raw: "stop" },
    usage: reply.usage,
    ...(reply.providerMetadata ? { providerMetadata: reply.providerMetadata } : {}),
    warnings: [],
    response: {
      id: `resp_${id}`,
      ...(reply.modelId ? { modelId: reply.modelId } : {}),
      timestamp: new Date(0),
    },
  }
}

/** The stream of parts a provider package emits for the same reply. */
const streamed = (result: GenerateResult) => {
  const parts: Array<unknown> = [
    { type: "stream-start", warnings: [] },
    { type: "response-metadata", ...result.response },
  ]
  for (const part of result.content) {
    if (part.type === "text") {
      parts.push({ type: "text-start", id: "text" })
      parts.push({ type: "text-delta", id: "text", delta: part.text })
      parts.push({ type: "text-end", id: "text" })
    } else parts.push(part)
  }
  parts.push({
    type: "finish",
    usage: result.usage,
    finishReason: result.finishReason,
    ...(result.providerMetadata ? { providerMetadata: result.providerMetadata } : {}),
  })
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part)
      controller.close()
    },
  })
}

/** A model that answers each call with `script(options)`; a thrown error fails the call. */
export const scriptedModel = (
  provider: string,
  modelId: string,
  script: (options: CallOptions) => Reply,
): MockLanguageModelV4 =>
  new MockLanguageModelV4({
    provider,
    modelId,
    doGenerate: async (options) => generated(script(options)),
    doStream: async (options) =>
      ({ stream: streamed(generated(script(options))) }) as Awaited<
        ReturnType<MockLanguageModelV4["doStream"]>
      >,
  })

/** How many calls a model received, streamed or not. */
export const callCount = (model: MockLanguageModelV4): number =>
  model.doGenerateCalls.length + model.doStreamCalls.length
