/**
 * Who pays for a LangChain model call when no envelope is active: the tenant
 * and workflow type in the run's `config.metadata` (LangChain passes metadata
 * down to every child run), else nobody — then the `onUnattributed` policy.
 * Shared by the callback handler and the agent middleware.
 */
import { Schema } from "effect"

/** Metadata keys read from `config.metadata`. */
export const METADATA_KEYS = {
  tenantId: "agentcost_tenant_id",
  workflowType: "agentcost_workflow_type",
  provider: "agentcost_provider",
} as const

export class UnattributedCall extends Schema.TaggedError<UnattributedCall>()("UnattributedCall", {
  runId: Schema.String,
}) {
  override get message() {
    return `LangChain model run ${this.runId} has no tenant: no agentcost envelope is active and config.metadata has no ${METADATA_KEYS.tenantId} (onUnattributed: "throw"); run it inside agentcost.run({ tenantId }) or pass metadata: { ${METADATA_KEYS.tenantId} }`
  }
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/** The tenant (undefined: none) and workflow type a run's metadata names. */
export const fromMetadata = (metadata: {
  readonly [key: string]: unknown
}): { readonly tenantId: string | undefined; readonly workflowType: string | null } => ({
  tenantId: text(metadata[METADATA_KEYS.tenantId]),
  workflowType: text(metadata[METADATA_KEYS.workflowType]) ?? null,
})
