/**
 * The cost envelope (layer 1): one per agent workflow run. `status` is how the
 * run ended; `outcome` is the business result, which may arrive later from
 * any process until the outcome deadline. They are different things.
 */
import { Schema } from "effect"

export const STATUSES = ["open", "succeeded", "failed", "timed_out", "cancelled"] as const
export type Status = (typeof STATUSES)[number]
export type FinalStatus = Exclude<Status, "open">
export const OUTCOMES = ["succeeded", "failed", "unknown"] as const
export type Outcome = (typeof OUTCOMES)[number]

/** Who pays for failed attempts of an operation (DESIGN.md §3, retries and fallbacks). */
export const PAYER_POLICIES = ["tenant_pays_all", "tenant_pays_success_only"] as const
export type PayerPolicy = (typeof PAYER_POLICIES)[number]

/**
 * Where an envelope stands in settlement:
 * `none` nothing pending; `awaiting_outcome` an outcome-priced call waits for
 * the business outcome; `due` finalized with pending costs to settle;
 * `settled` every cost is final.
 */
export const SETTLEMENT_STATES = ["none", "awaiting_outcome", "due", "settled"] as const
export type SettlementState = (typeof SETTLEMENT_STATES)[number]

export interface EnvelopeRecord {
  readonly envelope_id: string
  readonly tenant_id: string | null
  readonly workflow_type: string | null
  readonly parent_id: string | null
  readonly status: Status
  readonly outcome: Outcome | null
  readonly payer_policy: PayerPolicy
  readonly opened_at: string
  readonly finalized_at: string | null
  readonly run_deadline: string | null
  readonly outcome_deadline: string | null
  readonly outcome_at: string | null
  readonly settlement: SettlementState
  readonly settled_at: string | null
  readonly settlement_error: string | null
  readonly settlement_attempts: number
  readonly next_settlement_at: string | null
}

export class UnknownEnvelope extends Schema.TaggedError<UnknownEnvelope>()("UnknownEnvelope", {
  envelopeId: Schema.String,
}) {
  override get message() {
    return `no envelope ${this.envelopeId} in this store; check the id, and that this process uses the same store as the one that opened it`
  }
}

export class OutcomeAlreadyDecided extends Schema.TaggedError<OutcomeAlreadyDecided>()(
  "OutcomeAlreadyDecided",
  { envelopeId: Schema.String, outcome: Schema.String, requested: Schema.String },
) {
  override get message() {
    return `envelope ${this.envelopeId} already has outcome "${this.outcome}"; an outcome is recorded once (requested "${this.requested}")`
  }
}

export class OutcomeDeadlinePassed extends Schema.TaggedError<OutcomeDeadlinePassed>()(
  "OutcomeDeadlinePassed",
  { envelopeId: Schema.String, deadline: Schema.String },
) {
  override get message() {
    return `envelope ${this.envelopeId}'s outcome deadline passed at ${this.deadline}; its outcome is now "unknown" (raise outcomeDeadlineMs for slower business results)`
  }
}

export class EnvelopeClosed extends Schema.TaggedError<EnvelopeClosed>()("EnvelopeClosed", {
  envelopeId: Schema.String,
  status: Schema.String,
}) {
  override get message() {
    return `envelope ${this.envelopeId} is ${this.status} and accepts no new calls; open a new envelope (or resume one that is still open)`
  }
}

export class InvalidEnvelopeOptions extends Schema.TaggedError<InvalidEnvelopeOptions>()(
  "InvalidEnvelopeOptions",
  { field: Schema.String, reason: Schema.String },
) {
  override get message() {
    return `${this.field}: ${this.reason}`
  }
}

// A random prefix per process and a counter: unique without coordination, and
// without a call to the system's random source per envelope.
const processPrefix = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
  (b % 36).toString(36),
).join("")
let sequence = 0

/** Envelope ids sort by time and are unique across processes without coordination. */
export const makeId = (now: number): string =>
  `env_${now.toString(36).padStart(9, "0")}${processPrefix}${(sequence++).toString(36).padStart(4, "0")}`
