/**
 * @agentcost/langchain — a LangChain callback handler that attributes every
 * model call inside chains and agent loops to a cost envelope. The
 * `createAgent` middleware is in `@agentcost/langchain/agent`, so this entry
 * never loads `langchain`.
 */
export {
  AgentCostCallbackHandler,
  type AgentCostHandlerOptions,
  createAgentCostHandler,
  type HandlerStats,
  registerAgentCostHandler,
} from "./AgentCostCallbackHandler.ts"
export { METADATA_KEYS, UnattributedCall } from "./Attribution.ts"
export { UNREPORTED_USAGE_UNIT } from "./Call.ts"
export { DEFAULT_PROVIDER_IDS } from "./Provider.ts"
