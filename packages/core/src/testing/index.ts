/**
 * Test helpers of @agentcost/core, exported as `@agentcost/core/test`.
 */
export * from "./LedgerSuite.ts"
