/**
 * A streamed Gemini call (`streamGenerateContent`: the REST API returns a JSON
 * array of chunks, or SSE events with one chunk each) as the one response it
 * describes. `usageMetadata` is cumulative, so the last chunk that carries it
 * wins (Vertex AI sends it only on the final chunk); function calls can
 * arrive in any chunk, so the parts of every chunk are kept; the last
 * grounding metadata of each candidate wins.
 */
import { array, type Fields, malformed, optionalRecord, providerError, record } from "./Fields.ts"

interface CandidateParts {
  readonly parts: Array<unknown>
  groundingMetadata: unknown
}

export const mergeStreamChunks = (chunks: ReadonlyArray<unknown>): Fields => {
  const merged: Record<string, unknown> = {}
  const candidates = new Map<number, CandidateParts>()
  chunks.forEach((value, index) => {
    const at = `[${index}]`
    const chunk = record(value, at)
    if (chunk.error !== undefined) throw providerError(chunk, at)
    for (const key of ["modelVersion", "responseId", "usageMetadata"] as const) {
      if (chunk[key] !== undefined && chunk[key] !== null) merged[key] = chunk[key]
    }
    if (merged.createTime === undefined && chunk.createTime !== undefined) {
      merged.createTime = chunk.createTime
    }
    array(chunk.candidates, `${at}.candidates`).forEach((item, position) => {
      const candidate = record(item, `${at}.candidates[${position}]`)
      const slot = typeof candidate.index === "number" ? candidate.index : position
      const entry = candidates.get(slot) ?? { parts: [], groundingMetadata: undefined }
      const content = optionalRecord(candidate.content, `${at}.candidates[${position}].content`)
      entry.parts.push(...array(content?.parts, `${at}.candidates[${position}].content.parts`))
      if (candidate.groundingMetadata !== undefined) {
        entry.groundingMetadata = candidate.groundingMetadata
      }
      candidates.set(slot, entry)
    })
  })
  if (merged.usageMetadata === undefined) {
    throw malformed(
      "usageMetadata",
      "no chunk of the stream carries it; pass the stream's chunks up to the final one",
    )
  }
  merged.candidates = [...candidates.entries()]
    .sort(([left], [right]) => left - right)
    .map(([index, { parts, groundingMetadata }]) => ({
      index,
      content: { role: "model", parts },
      ...(groundingMetadata === undefined ? {} : { groundingMetadata }),
    }))
  return merged
}
