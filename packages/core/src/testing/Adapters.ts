/** Helpers for adapter tests. */
import { MalformedResponse, type NormalizeHints, type ProviderAdapter } from "../ProviderAdapter.ts"

/** The `MalformedResponse` an adapter throws for `raw`; any other outcome is an error. */
export const malformedResponse = (
  adapter: ProviderAdapter,
  raw: unknown,
  hints?: NormalizeHints,
): MalformedResponse => {
  try {
    adapter.normalize(raw, hints)
  } catch (error) {
    if (error instanceof MalformedResponse) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(raw)?.slice(0, 80)} to be rejected`)
}
