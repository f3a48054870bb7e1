/**
 * What an adapter implements so pending costs can be settled against the
 * provider's own numbers (layer 3). The worker that calls it, with retries and
 * claims, lives in the settlement service; a source only answers one lookup.
 */
import type { Effect } from "effect"
import { Schema } from "effect"
import type { CostSignal } from "./CostSignal.ts"

export interface SettledCost {
  /** The provider's final cost of the call (or job), a plain decimal string. */
  readonly amount: string
  readonly currency: string
  /**
   * Identifies this answer: a later provider correction carries a new
   * revision, so applying the same answer twice writes one adjustment.
   */
  readonly revision: string
  /** Outcome fee included in `amount`, when the provider itemizes it. */
  readonly outcomeFee?: string | undefined
}

export class SettlementError extends Schema.TaggedError<SettlementError>()("SettlementError", {
  provider: Schema.String,
  reason: Schema.String,
  /** 429, 5xx and timeouts are retried with backoff; a malformed body or 404 is not. */
  retryable: Schema.Boolean,
  retryAfterMs: Schema.optionalKey(Schema.Number),
  status: Schema.optionalKey(Schema.Number),
}) {
  override get message() {
    return `${this.provider} settlement: ${this.reason}${this.status ? ` (HTTP ${this.status})` : ""}`
  }
}

export interface SettlementSource {
  readonly provider: string
  /** Whether this source can settle the signal (e.g. it has a request id the endpoint knows). */
  readonly accepts: (signal: CostSignal) => boolean
  /** The settled cost, or `null` when the provider has not finalized it yet. */
  readonly lookup: (signal: CostSignal) => Effect.Effect<SettledCost | null, SettlementError>
}
