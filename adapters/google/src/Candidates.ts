/**
 * What the candidates say about the call: function calls the model asked for
 * (tool use) and the Google Search queries grounding ran (the billed unit on
 * Gemini 3; on Gemini 2.5 the grounded prompt is billed once). Counted over
 * every candidate.
 */
import { array, optionalRecord, optionalString, record } from "./Fields.ts"

export interface CandidateFacts {
  readonly functionCalls: number
  readonly searchQueries: number
  readonly thoughts: boolean
}

export const candidateFacts = (candidates: ReadonlyArray<unknown>): CandidateFacts => {
  let functionCalls = 0
  let searchQueries = 0
  let thoughts = false
  candidates.forEach((value, index) => {
    const at = `candidates[${index}]`
    const candidate = record(value, at)
    const content = optionalRecord(candidate.content, `${at}.content`)
    array(content?.parts, `${at}.content.parts`).forEach((part, partIndex) => {
      const fields = record(part, `${at}.content.parts[${partIndex}]`)
      if (fields.functionCall !== undefined && fields.functionCall !== null) functionCalls++
      if (fields.thought === true) thoughts = true
    })
    const grounding = optionalRecord(candidate.groundingMetadata, `${at}.groundingMetadata`)
    array(grounding?.webSearchQueries, `${at}.groundingMetadata.webSearchQueries`).forEach(
      (query, queryIndex) => {
        optionalString(query, `${at}.groundingMetadata.webSearchQueries[${queryIndex}]`)
        searchQueries++
      },
    )
  })
  return { functionCalls, searchQueries, thoughts }
}
