/** Builders for tests and examples (the normalized call builder is public in ProviderAdapter). */
export { normalizedCall } from "../ProviderAdapter.ts"
