/**
 * @agentcost/ai-sdk — per-tenant cost attribution for the Vercel AI SDK: a
 * language model middleware (`agentcostMiddleware`, for `wrapLanguageModel`)
 * and a telemetry integration (`agentcostTelemetry`, for `registerTelemetry`
 * or `telemetry.integrations`). Both book each model call's own usage into
 * the active cost envelope.
 */
export {
  type AiSdkOptions,
  type CallAttribution,
  InvalidAttribution,
  MissingUsage,
  type Stats,
  UnattributedCall,
} from "./Attribution.ts"
export { type AgentCostMiddleware, agentcostMiddleware } from "./Middleware.ts"
export { type Route, route } from "./Provider.ts"
export { type AgentCostTelemetry, agentcostTelemetry } from "./Telemetry.ts"
export { canonical as canonicalUsage } from "./Usage.ts"
