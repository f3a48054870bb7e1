/**
 * Which agentcost adapter prices a Mastra model call. Mastra names the
 * provider the way the AI SDK model does (`model.provider`): the provider
 * package, then the API after a dot — `openai.chat`, `openai.responses`,
 * `anthropic.messages`, `google.generative-ai`, `google.vertex.chat`,
 * `openrouter`, `googleVertex.anthropic.messages` (Claude on Vertex AI) — and
 * its model router uses the bare provider (`openai`).
 */

/** Provider packages (the part before the first dot), or whole provider strings, → adapter provider ids. */
export const DEFAULT_PROVIDER_IDS: { readonly [name: string]: string } = {
  openai: "openai",
  anthropic: "anthropic",
  google: "google",
  vertex: "google",
  openrouter: "openrouter",
  // Claude on Vertex AI, matched before the `vertex` prefix (Gemini's): @ai-sdk/google-vertex 5
  // names it `googleVertex.…`, older releases `vertex.…`.
  "googleVertex.anthropic.messages": "anthropic",
  "vertex.anthropic.messages": "anthropic",
}

/** The API a provider string names, in the adapters' endpoint ids. */
const ENDPOINTS: { readonly [provider: string]: string } = {
  "openai.chat": "chat.completions",
  "openai.responses": "responses",
  "openai.completion": "completions",
  "anthropic.messages": "messages",
  "google.generative-ai": "generateContent",
  "google.vertex.chat": "generateContent",
  "googleVertex.anthropic.messages": "messages",
  "vertex.anthropic.messages": "messages",
  openrouter: "chat.completions",
}

export interface Resolved {
  readonly provider: string
  readonly endpoint: string | null
}

/**
 * The adapter provider id and endpoint of a Mastra provider string. An
 * unknown package keeps its own name, so the call is booked as priced by no
 * book (pending, never $0) rather than under someone else's prices.
 */
export const resolve = (ids: { readonly [name: string]: string }, mastra: string): Resolved => {
  const dot = mastra.indexOf(".")
  const name = dot === -1 ? mastra : mastra.slice(0, dot)
  return { provider: ids[mastra] ?? ids[name] ?? name, endpoint: ENDPOINTS[mastra] ?? null }
}
