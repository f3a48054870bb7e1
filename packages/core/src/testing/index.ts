/**
 * Test helpers of @agentcost/core, exported as `@agentcost/core/test`.
 */
export * from "./Adapters.ts"
export * from "./Bench.ts"
export * from "./Calls.ts"
export * from "./LedgerSuite.ts"
export * from "./Loopback.ts"
export * from "./Overhead.ts"
