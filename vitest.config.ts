import { defineConfig } from "vitest/config"

// One root config: every package's colocated *.test.ts runs with the workspace
// source condition, so tests never need a build. Two cores: keep forks low.
export default defineConfig({
  resolve: { conditions: ["@agentcost/source"] },
  ssr: { resolve: { conditions: ["@agentcost/source"] } },
  test: {
    include: [
      "{packages,adapters,integrations,examples}/*/src/**/*.test.ts",
      "{packages,adapters,integrations,examples}/*/test/**/*.test.ts",
    ],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
  },
})
