/**
 * Gemini `usageMetadata` as canonical disjoint buckets.
 *
 * - `promptTokenCount` INCLUDES `cachedContentTokenCount`: the cached part goes
 *   to `cache_read_tokens` and only the rest to the uncached buckets.
 * - `toolUsePromptTokenCount` is NOT in `promptTokenCount` (`totalTokenCount`
 *   adds it separately): it counts the results of tool executions (Google
 *   Search, URL context, code execution) fed back to the model, billed as
 *   input, so it is added to the input buckets.
 * - Modality details split each count: AUDIO → `input_audio_tokens` /
 *   `output_audio_tokens`, IMAGE → `input_image_tokens` (output images →
 *   `x_output_image_tokens`, no canonical unit), TEXT, VIDEO, DOCUMENT and
 *   unspecified stay text (Gemini prices them alike). A count the details do
 *   not cover is text.
 * - Cached audio has its own price on Gemini Flash models and no canonical
 *   unit: `x_cache_read_audio_tokens` (the default book prices it on every
 *   entry). Cached images and video are priced as cached text.
 * - `thoughtsTokenCount` is separate from `candidatesTokenCount` →
 *   `reasoning_tokens`; `candidatesTokenCount` → `output_tokens`.
 *
 * Details that sum above their total, a cache above its prompt, or cached
 * tokens of a modality above the prompt's are malformed.
 */
import { Usage } from "@agentcost/core"
import { array, count, type Fields, malformed, optionalString, record } from "./Fields.ts"

interface Modalities {
  readonly audio: number
  readonly image: number
  readonly total: number
}

/** Sums a `[{ modality, tokenCount }]` list; the sum must not exceed `total`. */
const modalities = (
  meta: Fields,
  key: string,
  totalKey: string,
  total: number,
): Modalities & { readonly reported: boolean } => {
  const field = `usageMetadata.${key}`
  let audio = 0
  let image = 0
  let sum = 0
  const items = array(meta[key], field)
  items.forEach((value, index) => {
    const item = record(value, `${field}[${index}]`)
    const modality = optionalString(item.modality, `${field}[${index}].modality`)
    const tokens = count(item.tokenCount, `${field}[${index}].tokenCount`)
    if (modality === "AUDIO") audio += tokens
    else if (modality === "IMAGE") image += tokens
    sum += tokens
  })
  if (sum > total) {
    throw malformed(field, `modality counts sum to ${sum}, more than ${totalKey} (${total})`)
  }
  return { audio, image, total: sum, reported: items.length > 0 }
}

const tokens = (meta: Fields, key: string): number => count(meta[key], `usageMetadata.${key}`)

export const fromUsageMetadata = (meta: Fields): Usage.Usage => {
  const prompt = tokens(meta, "promptTokenCount")
  const cached = tokens(meta, "cachedContentTokenCount")
  const toolUse = tokens(meta, "toolUsePromptTokenCount")
  const candidates = tokens(meta, "candidatesTokenCount")
  if (cached > prompt) {
    throw malformed(
      "usageMetadata.cachedContentTokenCount",
      `${cached} exceeds promptTokenCount (${prompt}), which includes the cache`,
    )
  }
  const cache = modalities(meta, "cacheTokensDetails", "cachedContentTokenCount", cached)
  const promptDetails = modalities(meta, "promptTokensDetails", "promptTokenCount", prompt)
  // Without prompt details the prompt's audio/images are at least what the cache says.
  const promptSplit = promptDetails.reported ? promptDetails : cache
  for (const modality of ["audio", "image"] as const) {
    if (cache[modality] > promptSplit[modality]) {
      throw malformed(
        "usageMetadata.cacheTokensDetails",
        `cached ${modality.toUpperCase()} tokens (${cache[modality]}) exceed the prompt's (${promptSplit[modality]})`,
      )
    }
  }
  const promptText = prompt - promptSplit.audio - promptSplit.image
  const cachedText = cached - cache.audio - cache.image
  if (cachedText > promptText) {
    throw malformed(
      "usageMetadata.cachedContentTokenCount",
      `cached text tokens (${cachedText}) exceed the prompt's text tokens (${promptText})`,
    )
  }
  const tool = modalities(meta, "toolUsePromptTokensDetails", "toolUsePromptTokenCount", toolUse)
  const output = modalities(meta, "candidatesTokensDetails", "candidatesTokenCount", candidates)
  return Usage.make({
    input_tokens: promptText - cachedText + (toolUse - tool.audio - tool.image),
    input_audio_tokens: promptSplit.audio - cache.audio + tool.audio,
    input_image_tokens: promptSplit.image - cache.image + tool.image,
    cache_read_tokens: cached - cache.audio,
    x_cache_read_audio_tokens: cache.audio,
    output_tokens: candidates - output.audio - output.image,
    output_audio_tokens: output.audio,
    x_output_image_tokens: output.image,
    reasoning_tokens: tokens(meta, "thoughtsTokenCount"),
  })
}
