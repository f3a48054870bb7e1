/**
 * agentcost in one file: three tenants run support workflows through a
 * simulated OpenAI client (raw response bodies, no keys) and an
 * outcome-priced resolver; a retry is attributed once per operation, the
 * business outcome arrives later from a second process, settlement runs,
 * and the per-tenant attribution is printed.
 */
import { openai } from "@agentcost/adapter-openai"
import { AgentCost, type Ledger, type PriceBook, ProviderAdapter } from "@agentcost/core"

/** An outcome-priced vendor: $0.02 a call, $0.99 when the ticket is resolved. */
const resolverPrices: PriceBook.PriceBookFile = {
  version: 1,
  entries: [
    {
      provider: "acme-agents",
      model: "resolver-v2",
      validFrom: "2026-01-01",
      strategy: "OUTCOME_BASED",
      currency: "USD",
      fees: { per_call: "0.02" },
      outcomes: { succeeded: "0.99", failed: "0.10", unknown: "0.10" },
    },
  ],
}

/** A hand-made signal source: the vendor's SDK tells us the job id, nothing about tokens. */
const resolverCall = (envelopeId: string): ProviderAdapter.NormalizedCall =>
  ProviderAdapter.normalizedCall(
    "resolver-v2",
    { requests: 1 },
    { providerRequestId: `job-${envelopeId}` },
  )

let requests = 0
/** What OpenAI's Chat Completions API returns, cached prompt and reasoning included. */
const chatCompletion = (
  model: string,
  prompt: number,
  cached: number,
  completion: number,
  reasoning: number,
) => ({
  id: `chatcmpl-demo${++requests}`,
  object: "chat.completion",
  created: Math.floor(Date.now() / 1000),
  model,
  choices: [{ index: 0, message: { role: "assistant", content: "…" }, finish_reason: "stop" }],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoning, audio_tokens: 0 },
  },
  service_tier: "default",
})

const store = "memory:examples-basic"
const app = await AgentCost.create({
  store,
  adapters: [openai()],
  prices: [resolverPrices],
  handleSignals: false,
})

const tickets = [
  { tenant: "acme", size: 1, resolved: true },
  { tenant: "acme", size: 2, resolved: true },
  { tenant: "globex", size: 3, resolved: false },
  { tenant: "initech", size: 1, resolved: true },
  { tenant: "initech", size: 4, resolved: true },
]
const finished: Array<{ envelopeId: string; resolved: boolean }> = []

await Promise.all(
  tickets.map((ticket) =>
    app.run({ tenantId: ticket.tenant, workflowType: "support-ticket" }, async (envelope) => {
      // Triage on a small model, with most of the system prompt cached.
      await envelope.record({
        provider: "openai",
        raw: chatCompletion("gpt-5-mini-2025-08-07", 4000 * ticket.size, 3000, 300, 128),
      })
      // The answer: the first attempt times out after the provider billed it, the retry succeeds.
      const operationId = `answer-${envelope.envelopeId}`
      await envelope.record({
        provider: "openai",
        raw: chatCompletion("gpt-5.1-2025-11-13", 9000, 0, 800, 512),
        operationId,
        attempt: 1,
        attemptOutcome: "failed",
      })
      await envelope.record({
        provider: "openai",
        raw: chatCompletion("gpt-5.1-2025-11-13", 9000, 8000, 900, 512),
        operationId,
        attempt: 2,
      })
      // The resolver vendor charges per call now and per outcome later.
      await envelope.record({ provider: "acme-agents", call: resolverCall(envelope.envelopeId) })
      finished.push({ envelopeId: envelope.envelopeId, resolved: ticket.resolved })
    }),
  ),
)

// Finished runs are written with the next flush (every 100 ms): flush now, so the
// other process below finds them at once.
await app.flush()

// Hours later, the helpdesk reports which tickets were resolved — from another process.
const helpdesk = await AgentCost.create({
  store,
  adapters: [openai()],
  prices: [resolverPrices],
  handleSignals: false,
})
for (const { envelopeId, resolved } of finished)
  await helpdesk.recordOutcome(envelopeId, resolved ? "succeeded" : "failed")
await helpdesk.close()

const settled = await app.settle()
const period = new Date().toISOString().slice(0, 7)
const byTenant = await app.report({ period, by: "tenant" })
const byModel = await app.report({ period, by: "model" })
await app.close()

const table = (title: string, report: Ledger.Report) => {
  console.log(`\n${title} (${report.period}, ${report.currency})`)
  console.log(
    `  ${"key".padEnd(24)}${"total".padStart(12)}${"estimated".padStart(12)}${"settled".padStart(12)}${"pending".padStart(12)}`,
  )
  for (const row of report.rows) {
    console.log(
      `  ${row.key.padEnd(24)}${row.total.padStart(12)}${row.estimated.padStart(12)}${row.settled.padStart(12)}${row.pending.padStart(12)}`,
    )
  }
  console.log(`  ${"total".padEnd(24)}${report.total.padStart(12)}`)
}
console.log(
  `agentcost basic example: ${tickets.length} workflows, ${requests} OpenAI responses, ${settled.settled} envelopes settled`,
)
table("Cost by tenant", byTenant)
table("Cost by model", byModel)
