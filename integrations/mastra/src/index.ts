/**
 * @agentcost/mastra — an observability exporter for Mastra that books every
 * model call of an agent or workflow run to the run's cost envelope, with the
 * tenant from the request context.
 */
export {
  AgentCostExporter,
  type AgentCostExporterOptions,
  ExcludedSpanType,
  type ExporterStats,
  HiddenModelCalls,
  type RequestContextLike,
  UnattributedRun,
} from "./AgentCostExporter.ts"
export * as Provider from "./Provider.ts"
export * as MastraUsage from "./Usage.ts"
