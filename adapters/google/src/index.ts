/**
 * @agentcost/adapter-google — Gemini responses (Gemini API and Vertex AI) to
 * canonical usage, with a dated default price book.
 */

export { defaultPrices } from "./DefaultPrices.ts"
export { type GoogleOptions, google } from "./GoogleAdapter.ts"
export { mergeStreamChunks } from "./StreamChunks.ts"
