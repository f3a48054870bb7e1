/**
 * Builders for tests and examples: a normalized call with only what matters
 * spelled out, and price book entries in the contract format.
 */
import type { NormalizedCall } from "../ProviderAdapter.ts"
import type { Usage } from "../Usage.ts"

export const normalizedCall = (
  model: string,
  usage: Usage,
  overrides: Partial<NormalizedCall> = {},
): NormalizedCall => ({
  model,
  endpoint: null,
  usage,
  serviceTier: null,
  region: null,
  attributes: {},
  capabilities: [],
  providerRequestId: null,
  providerAccount: null,
  providerReportedCost: null,
  observedAt: null,
  ...overrides,
})
