import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { signal } from "@agentcost/core/test"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { main } from "../index.ts"
import { runInProcess } from "../testing.ts"

const run = (args: ReadonlyArray<string>) => runInProcess(main, args)
const dir = mkdtempSync(join(tmpdir(), "agentcost-settle-"))
const forgeConfig = fileURLToPath(
  new URL(
    "../../../../adapters/generic/src/__fixtures__/forge-compute.config.json",
    import.meta.url,
  ),
)

/** The provider's cost-by-job endpoint on loopback: 503 once, then the final cost. */
let server: Server
let calls = 0
beforeAll(async () => {
  server = createServer((request, response) => {
    calls++
    if (request.url !== "/v1/jobs/job_1/cost") {
      response.writeHead(404).end()
    } else if (calls === 1) {
      response.writeHead(503, { "retry-after": "0" }).end("busy")
    } else {
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          status: "finalized",
          cost: { amount: "0.00256", currency: "USD", revision: "rev_2" },
        }),
      )
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

describe("agentcost settle", () => {
  it("adjusts a pending cost to what the provider settled, retrying a 503", async () => {
    const config = JSON.parse(readFileSync(forgeConfig, "utf8"))
    const { port } = server.address() as AddressInfo
    config.settlement.url = `http://127.0.0.1:${port}/v1/jobs/{provider_request_id}/cost`
    delete config.settlement.headers
    const configPath = join(dir, "forge.json")
    writeFileSync(configPath, JSON.stringify(config))
    const events = join(dir, "events.jsonl")
    // Estimated 0.003 from compute units per 1k tokens; the provider settles at 0.00256.
    const pending = signal("forge-compute:job_1", {
      envelope_id: null,
      provider: "forge-compute",
      model: "forge/llama-3.3-70b-instruct",
      strategy: "COMPUTE_UNIT",
      base_cost: "0.003",
      pending_cost: true,
      estimate_method: "compute_units_per_1k_tokens",
      provider_request_id: "job_1",
      price_ref: null,
    })
    writeFileSync(events, JSON.stringify(pending))
    const store = "memory:settle-test"
    expect((await run(["ingest", events, "--store", store])).exitCode).toBe(0)
    const settled = await run([
      "settle",
      "--adapter-config",
      configPath,
      "--store",
      store,
      "--json",
    ])
    expect(settled.stderr).toBe("")
    expect(JSON.parse(settled.stdout)).toEqual({
      claimed: 1,
      settled: 1,
      adjustments: 1,
      envelopes: [
        { envelope_id: "env_sig_forge-compute:job_1", settled: true, adjustments: 1, error: null },
      ],
      pending: [],
    })
    expect(calls).toBe(2)
    const report = await run([
      "report",
      "--period",
      "2026-11",
      "--by",
      "model",
      "--store",
      store,
      "--json",
    ])
    // 0.003 estimated, adjusted by 0.00256 - 0.003 = -0.00044.
    expect(JSON.parse(report.stdout).rows).toEqual([
      {
        key: "forge/llama-3.3-70b-instruct",
        total: "0.00256",
        estimated: "0.003",
        settled: "0.00256",
        pending: "0",
      },
    ])
    // Settling again claims nothing and writes nothing.
    const again = await run(["settle", "--adapter-config", configPath, "--store", store, "--json"])
    expect(JSON.parse(again.stdout)).toMatchObject({ claimed: 0, adjustments: 0 })
  })
})
