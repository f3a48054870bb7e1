/**
 * Shared resources (layer 4): a context window, memory store or tool
 * environment used by several tenants. Calls made for a resource carry
 * `resource_id` and book to its `resource:<kind>/<id>` account; tenants'
 * contributions are recorded against it for the allocation policy to split.
 */
import { Schema } from "effect"

export interface ResourceRecord {
  /** `<kind>/<id>`, the suffix of its ledger account. */
  readonly resource_id: string
  readonly kind: string
  readonly policy: string
  readonly declared_at: string
}

export interface Contribution {
  /** Idempotency key: the same contribution recorded twice counts once. */
  readonly key: string
  readonly resource_id: string
  readonly tenant_id: string
  /** What the tenant put in: tokens in the context, queries run, seconds used. */
  readonly unit: string
  readonly quantity: string
  readonly occurred_at: string
}

export class InvalidResource extends Schema.TaggedError<InvalidResource>()("InvalidResource", {
  field: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `resource ${this.field}: ${this.reason}`
  }
}

const PART = /^[A-Za-z0-9_.:-]+$/

export const resourceId = (kind: string, id: string): string => {
  if (!PART.test(kind))
    throw new InvalidResource({ field: "kind", reason: `"${kind}" must match ${PART}` })
  if (!PART.test(id))
    throw new InvalidResource({ field: "id", reason: `"${id}" must match ${PART}` })
  return `${kind}/${id}`
}
