/**
 * @agentcost/adapter-anthropic — Anthropic Messages responses to canonical
 * usage, with a dated default price book.
 */
export { type AnthropicOptions, anthropic } from "./AnthropicAdapter.ts"
export { defaultPrices } from "./DefaultPrices.ts"
export { mergeStreamUsage } from "./StreamEvents.ts"
