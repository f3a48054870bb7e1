/**
 * @agentcost/langchain/agent — the `createAgent` middleware. A subpath of its
 * own so that `@agentcost/langchain` never loads `langchain` (an optional peer
 * dependency, needed only here).
 */
export {
  type AgentCostMiddleware,
  type AgentCostMiddlewareOptions,
  agentcostMiddleware,
  type MiddlewareStats,
} from "./AgentCostMiddleware.ts"
export { METADATA_KEYS, UnattributedCall } from "./Attribution.ts"
export { UNREPORTED_USAGE_UNIT } from "./Call.ts"
export { DEFAULT_PROVIDER_IDS } from "./Provider.ts"
