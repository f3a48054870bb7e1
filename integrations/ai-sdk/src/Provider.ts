/**
 * Where an AI SDK model's calls are priced. A provider package names its
 * models `<provider>.<api>` (`openai.chat`, `openai.responses`,
 * `anthropic.messages`, `google.generative-ai`, `openrouter.chat`); the
 * agentcost provider id is the part before the first dot unless the
 * application maps it (`{ providers: { azure: "openai" } }`), and the API part
 * names the endpoint the price book may distinguish.
 */

export interface Route {
  /** The agentcost provider id: the price book's `provider` and the signal's. */
  readonly provider: string
  readonly endpoint: string | null
}

/** Provider strings that do not follow `<provider>.<api>`. */
const KNOWN: { readonly [sdkProvider: string]: Route } = {
  "google.vertex.chat": { provider: "google", endpoint: "generateContent" },
  // Claude on Vertex AI: @ai-sdk/google-vertex 5 names it `googleVertex.…`, older releases `vertex.…`.
  "googleVertex.anthropic.messages": { provider: "anthropic", endpoint: "messages" },
  "vertex.anthropic.messages": { provider: "anthropic", endpoint: "messages" },
  // The OpenRouter chat model of older provider releases.
  openrouter: { provider: "openrouter", endpoint: "chat.completions" },
}

/** The endpoint each provider API segment stands for, in the adapters' names. */
const ENDPOINT_BY_API: { readonly [api: string]: string } = {
  chat: "chat.completions",
  responses: "responses",
  completion: "completions",
  messages: "messages",
  "generative-ai": "generateContent",
}

const api = (sdkProvider: string): string => sdkProvider.slice(sdkProvider.lastIndexOf(".") + 1)

/** Routes an SDK provider string; `overrides` map a whole string or its first segment to a provider id. */
export const route = (
  sdkProvider: string,
  overrides: { readonly [sdkProvider: string]: string } = {},
): Route => {
  const prefix = sdkProvider.split(".", 1)[0]!
  const known = KNOWN[sdkProvider]
  const provider = overrides[sdkProvider] ?? overrides[prefix] ?? known?.provider ?? prefix
  const endpoint =
    known?.endpoint ??
    (sdkProvider.includes(".") ? (ENDPOINT_BY_API[api(sdkProvider)] ?? null) : null)
  return { provider, endpoint }
}

/** `route` with the application's overrides, remembered per provider string (it runs on every call). */
export const router = (
  overrides: { readonly [sdkProvider: string]: string } = {},
): ((sdkProvider: string) => Route) => {
  const routes = new Map<string, Route>()
  return (sdkProvider) => {
    let found = routes.get(sdkProvider)
    if (!found) {
      found = route(sdkProvider, overrides)
      routes.set(sdkProvider, found)
    }
    return found
  }
}
