/**
 * The AI SDK shapes this package reads, derived from the `ai` peer dependency
 * (language model specification v4) so no other package has to resolve.
 */
import type { LanguageModelMiddleware, LanguageModelUsage } from "ai"

type WrapGenerate = NonNullable<LanguageModelMiddleware["wrapGenerate"]>
type WrapStream = NonNullable<LanguageModelMiddleware["wrapStream"]>

/** What `wrapGenerate`/`wrapStream` receive: the call options and the (inner) model. */
export type WrapOptions = Parameters<WrapGenerate>[0]
export type CallParams = WrapOptions["params"]
export type Model = WrapOptions["model"]

/** One `doGenerate` result, as the provider package returned it. */
export type GenerateResult = Awaited<ReturnType<WrapGenerate>>
export type StreamResult = Awaited<ReturnType<WrapStream>>
export type StreamPart = StreamResult["stream"] extends ReadableStream<infer P> ? P : never

/** The structured per-call usage of the v4 specification (`inputTokens.{total,noCache,cacheRead,cacheWrite}`, …). */
export type ModelUsage = GenerateResult["usage"]
export type ProviderMetadata = NonNullable<GenerateResult["providerMetadata"]>

/** The flattened usage the SDK hands to callbacks and telemetry (`inputTokenDetails`, …). */
export type { LanguageModelUsage }

export type Json = { readonly [key: string]: unknown }
