/**
 * @agentcost/adapter-openai — OpenAI responses (Chat Completions, Responses
 * API, Batch output lines) to canonical usage, with a dated default price book.
 */
export { defaultPrices } from "./DefaultPrices.ts"
export { type OpenAIOptions, openai } from "./OpenAIAdapter.ts"
