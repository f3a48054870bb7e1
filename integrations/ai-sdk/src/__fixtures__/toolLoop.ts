/** The three-step weather tool loop both integrations' tests run: $0.003925 in all. */
import type { LanguageModelV4CallOptions } from "@ai-sdk/provider"
import { type Tool, tool } from "ai"
import { MockLanguageModelV4 } from "ai/test"
import { z } from "zod"
import { generated, openAiChat, textPart, toolCallPart } from "./providers.ts"

export const weather: Tool<{ city: string }, { city: string; celsius: number }> = tool({
  description: "The weather in a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, celsius: 21 }),
})

/** Which step of a tool loop a call is: the prompt grows by an assistant and a tool message per step. */
export const stepOf = (options: LanguageModelV4CallOptions) => (options.prompt.length - 1) / 2

export const toolLoopModel = () =>
  new MockLanguageModelV4({
    provider: "openai.chat",
    modelId: "gpt-5.1",
    doGenerate: async (options) => {
      const step = stepOf(options)
      if (step === 0)
        return generated(
          openAiChat("chatcmpl-s1", { prompt_tokens: 1000, completion_tokens: 50 }),
          [toolCallPart("c1", "weather", { city: "Berlin" })],
        )
      if (step === 1)
        return generated(
          openAiChat("chatcmpl-s2", {
            prompt_tokens: 1200,
            completion_tokens: 40,
            prompt_tokens_details: { cached_tokens: 1000 },
          }),
          [toolCallPart("c2", "weather", { city: "Paris" })],
        )
      return generated(
        openAiChat("chatcmpl-s3", {
          prompt_tokens: 1400,
          completion_tokens: 100,
          prompt_tokens_details: { cached_tokens: 1200 },
          completion_tokens_details: { reasoning_tokens: 60 },
        }),
        [textPart("Berlin and Paris: 21 °C.")],
      )
    },
  })
