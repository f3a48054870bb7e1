/**
 * @agentcost/langchain — a LangChain callback handler that attributes every
 * model call inside chains and agent loops to a cost envelope.
 */
export {
  AgentCostCallbackHandler,
  type AgentCostHandlerOptions,
  createAgentCostHandler,
  type HandlerStats,
  METADATA_KEYS,
  registerAgentCostHandler,
  UnattributedCall,
} from "./AgentCostCallbackHandler.ts"
export { UNREPORTED_USAGE_UNIT } from "./Call.ts"
export { DEFAULT_PROVIDER_IDS } from "./Provider.ts"
