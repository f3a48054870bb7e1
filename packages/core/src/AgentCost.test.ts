import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import book from "./__fixtures__/envelope-prices.json" with { type: "json" }
import { AgentCost, type AgentCostOptions } from "./AgentCost.ts"
import type { Report } from "./Ledger.ts"
import type { PriceBookFile } from "./PriceBook.ts"
import type { SettledCost, SettlementSource } from "./SettlementSource.ts"
import { normalizedCall } from "./testing/Calls.ts"
import type { Usage } from "./Usage.ts"

const NOV_3 = Date.parse("2026-11-03T10:00:00.000Z")
const prices = [book as PriceBookFile]

const create = (options: AgentCostOptions = {}) => {
  let now = NOV_3
  const clock = { advance: (ms: number) => (now += ms) }
  return AgentCost.create({
    store: "memory:",
    prices,
    handleSignals: false,
    now: () => now,
    ...options,
  }).then((agentcost) => ({ agentcost, clock }))
}

const acme = (model: string, usage: Usage, requestId: string | null = null) => ({
  provider: "acme",
  call: normalizedCall(model, usage, { providerRequestId: requestId }),
})

const row = (report: Report, key: string) => report.rows.find((r) => r.key === key)

describe("AgentCost facade", () => {
  it("attributes 1,000 interleaved workflows of 50 tenants, each signal to its own tenant", async () => {
    const { agentcost } = await create()
    const expected = new Map<string, number>()
    const tick = () =>
      new Promise<void>((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)))
    await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const tenant = `t${i % 50}`
        await agentcost.run({ tenantId: tenant, workflowType: "ticket" }, async (envelope) => {
          for (let call = 0; call < 3; call++) {
            await tick()
            // (i+1)·1000 input tokens at $1/M and 500 output at $2/M: (i+1)/1000 + 0.001 dollars.
            const signal = await envelope.record(
              acme("chat-1", { input_tokens: (i + 1) * 1000, output_tokens: 500 }),
            )
            expect(signal.tenant_id).toBe(tenant)
            expect(signal.envelope_id).toBe(envelope.envelopeId)
            expected.set(tenant, (expected.get(tenant) ?? 0) + (i + 1) + 1)
          }
        })
      }),
    )
    const report = await agentcost.report({ period: "2026-11", by: "tenant" })
    expect(report.rows).toHaveLength(50)
    for (const [tenant, thousandths] of expected) {
      // Sums of thousandths are exact integers, so this compares exact decimals.
      expect(row(report, tenant)?.total).toBe(String(thousandths / 1000))
      expect(row(report, tenant)?.pending).toBe("0")
    }
    await agentcost.close()
  })

  it("rolls a nested run up into its parent, or opens a child envelope when asked", async () => {
    const { agentcost } = await create()
    let outer = ""
    let rolledUp = ""
    let child = ""
    await agentcost.run({ tenantId: "acme", workflowType: "outer" }, async (envelope) => {
      outer = envelope.envelopeId
      await agentcost.run({ workflowType: "inner" }, async (inner) => {
        rolledUp = inner.envelopeId
      })
      await agentcost.run({ workflowType: "inner", ownEnvelope: true }, async (inner) => {
        child = inner.envelopeId
        await inner.record(acme("chat-1", { input_tokens: 1000 }))
      })
    })
    expect(rolledUp).toBe(outer)
    expect(child).not.toBe(outer)
    const childRecord = await agentcost.envelope(child)
    expect(childRecord?.parent_id).toBe(outer)
    expect(childRecord?.tenant_id).toBe("acme")
    expect(childRecord?.status).toBe("succeeded")
    await agentcost.close()
  })

  it("waits for calls in flight, and still books a call that ends after finalize", async () => {
    const { agentcost } = await create({ inflightTimeoutMs: 20 })
    let late: ReturnType<NonNullable<ReturnType<AgentCost["begin"]>>["record"]> | undefined
    let envelopeId = ""
    let releaseInflight: () => void = () => {}
    const inflight = new Promise<void>((resolve) => (releaseInflight = resolve))
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      const handle = agentcost.begin()!
      // A stream consumed after run() returned: it records later.
      void inflight.then(() => {
        late = handle.record(acme("gpu-job", { input_tokens: 2000 }))
      })
    })
    expect((await agentcost.envelope(envelopeId))?.status).toBe("succeeded")
    releaseInflight()
    await inflight
    const signal = await late!
    expect(signal.envelope_id).toBe(envelopeId)
    // A pending call after finalize puts the envelope back into settlement.
    expect((await agentcost.envelope(envelopeId))?.settlement).toBe("due")
    const report = await agentcost.report({ period: "2026-11", by: "tenant" })
    // 2000 tokens × 1.5 CU per 1k × $0.002 = $0.006 estimated.
    expect(row(report, "acme")).toMatchObject({ total: "0.006", pending: "0.006" })
    await agentcost.close()
  })

  it("records an outcome from a second instance on the same store; the fee is booked once", async () => {
    const store = `memory:outcome-${Math.random()}`
    const { agentcost: app } = await create({ store })
    const { agentcost: worker } = await create({ store })
    let envelopeId = ""
    await app.run({ tenantId: "acme", workflowType: "resolve" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      await envelope.record(acme("resolver", {}))
      await envelope.record(acme("resolver", {}))
    })
    expect((await app.envelope(envelopeId))?.settlement).toBe("awaiting_outcome")
    await worker.recordOutcome(envelopeId, "succeeded")
    await expect(app.recordOutcome(envelopeId, "failed")).rejects.toMatchObject({
      _tag: "OutcomeAlreadyDecided",
    })
    const summary = await app.settle()
    expect(summary.settled).toBe(1)
    const report = await app.report({ period: "2026-11", by: "outcome" })
    // Two per-call fees of $0.01 plus ONE succeeded fee of $0.99 for (envelope, acme, resolver).
    expect(row(report, "succeeded")).toMatchObject({ total: "1.01", settled: "1.01", pending: "0" })
    await app.close()
    await worker.close()
  })

  it("groups attempts by operation and applies the payer policy; a duplicate signal counts once", async () => {
    for (const [policy, tenantTotal, platformTotal] of [
      ["tenant_pays_all", "0.003", undefined],
      ["tenant_pays_success_only", "0.002", "0.001"],
    ] as const) {
      const { agentcost } = await create({ payerPolicy: policy })
      await agentcost.run({ tenantId: "acme" }, async (envelope) => {
        const failed = {
          ...acme("chat-1", { input_tokens: 1000 }, "req-1"),
          operationId: "op-1",
          attempt: 1,
        }
        await envelope.record({ ...failed, attemptOutcome: "failed" })
        await envelope.record({ ...failed, attemptOutcome: "failed" })
        await envelope.record({
          ...acme("chat-1", { input_tokens: 2000 }, "req-2"),
          operationId: "op-1",
          attempt: 2,
        })
      })
      const report = await agentcost.report({ period: "2026-11", by: "tenant" })
      expect(row(report, "acme")?.total).toBe(tenantTotal)
      expect(row(report, "platform")?.total).toBe(platformTotal)
      // Nothing is dropped: tenant + platform = both attempts once = $0.003.
      expect(report.total).toBe("0.003")
      await agentcost.close()
    }
  })

  it("refuses bad calls with typed errors that change nothing", async () => {
    const { agentcost, clock } = await create({ outcomeDeadlineMs: 60_000 })
    let envelopeId = ""
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      await envelope.record(acme("resolver-strict", {}))
    })
    const before = await agentcost.report({ period: "2026-11", by: "tenant" })
    await expect(agentcost.recordOutcome("env_missing", "succeeded")).rejects.toMatchObject({
      _tag: "UnknownEnvelope",
      message: expect.stringContaining("env_missing"),
    })
    await expect(agentcost.resume(envelopeId)).rejects.toMatchObject({ _tag: "EnvelopeClosed" })
    clock.advance(60_001)
    await expect(agentcost.recordOutcome(envelopeId, "succeeded")).rejects.toMatchObject({
      _tag: "OutcomeDeadlinePassed",
    })
    expect(await agentcost.report({ period: "2026-11", by: "tenant" })).toEqual(before)
    // Past the deadline the sweep decides "unknown"; this entry has no unknown price, so failed applies.
    await agentcost.settle()
    const after = await agentcost.report({ period: "2026-11", by: "outcome" })
    expect(row(after, "unknown")).toMatchObject({ total: "0.11", settled: "0.11" })
    await agentcost.close()
  })

  it("rejects a signal whose currency differs from its price entry's", async () => {
    const { agentcost } = await create()
    const envelope = await agentcost.open({ tenantId: "acme" })
    const priced = await envelope.record(acme("euro-chat", { input_tokens: 1000 }))
    expect(priced.currency).toBe("EUR")
    await envelope.finalize()
    const forged = { ...priced, signal_id: "acme:forged", currency: "USD" }
    await expect(agentcost.recordSignal(forged)).rejects.toMatchObject({ _tag: "CurrencyMismatch" })
    const report = await agentcost.report({ period: "2026-11", by: "tenant" })
    expect(report.rows).toEqual([])
    await agentcost.close()
  })

  it("settles a compute-unit call to the provider's number, once per revision", async () => {
    const answers: Array<SettledCost | null> = [
      null,
      { amount: "0.0071", currency: "USD", revision: "r1" },
    ]
    const source: SettlementSource = {
      provider: "acme",
      accepts: (signal) => signal.model === "gpu-job",
      lookup: () => Effect.succeed(answers[0] ?? null),
    }
    const { agentcost, clock } = await create({ settlementSources: [source] })
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      await envelope.record(acme("gpu-job", { input_tokens: 2000 }, "job-1"))
    })
    // Not final yet at the provider: stays pending with the reason.
    const first = await agentcost.settle()
    expect(first.envelopes[0]).toMatchObject({
      settled: false,
      error: expect.stringContaining("not finalized"),
    })
    answers.shift()
    clock.advance(60 * 60 * 1000)
    expect((await agentcost.settle()).adjustments).toBe(1)
    // Estimate $0.006 (2000 tokens × 1.5/1k × $0.002) → settled $0.0071: adjustment +$0.0011.
    const report = await agentcost.report({ period: "2026-11", by: "tenant" })
    expect(row(report, "acme")).toMatchObject({
      total: "0.0071",
      estimated: "0.006",
      settled: "0.0071",
      pending: "0",
    })
    clock.advance(60 * 60 * 1000)
    expect((await agentcost.settle()).claimed).toBe(0)
    await agentcost.close()
  })

  it("books a shared resource's calls on its own account", async () => {
    const { agentcost } = await create()
    await agentcost.declareResource({ kind: "kb", id: "docs", policy: "proportional" })
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      await envelope.record({ ...acme("chat-1", { input_tokens: 3000 }), resourceId: "kb/docs" })
    })
    await agentcost.contribute({
      key: "c1",
      resource_id: "kb/docs",
      tenant_id: "acme",
      unit: "queries",
      quantity: "3",
    })
    const report = await agentcost.report({ period: "2026-11", by: "account" })
    expect(row(report, "resource:kb/docs")?.total).toBe("0.003")
    await agentcost.close()
  })

  it("captures calls on the call path and prices them with the next flush, as record would", async () => {
    const { agentcost } = await create()
    const recorded = await create()
    let envelopeId = ""
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      for (let i = 0; i < 3; i++) {
        expect(
          envelope.begin().capture(acme("chat-1", { input_tokens: 1000 * (i + 1) }, `req-${i}`)),
        ).toBeUndefined()
      }
    })
    await recorded.agentcost.run({ tenantId: "acme" }, async (envelope) => {
      for (let i = 0; i < 3; i++)
        await envelope.record(acme("chat-1", { input_tokens: 1000 * (i + 1) }, `req-${i}`))
    })
    const [captured, direct] = await Promise.all([
      agentcost.report({ period: "2026-11", by: "tenant" }),
      recorded.agentcost.report({ period: "2026-11", by: "tenant" }),
    ])
    // 6000 input tokens × $1/M, booked and settled once the run's envelope is finalized.
    expect(row(captured, "acme")).toMatchObject({ total: "0.006", pending: "0" })
    expect(captured.rows).toEqual(direct.rows)
    expect(await agentcost.envelope(envelopeId)).toMatchObject({
      status: "succeeded",
      settlement: "settled",
      finalized_at: "2026-11-03T10:00:00.000Z",
    })
    await Promise.all([agentcost.close(), recorded.agentcost.close()])
  })

  it("refuses a capture it cannot normalize at once, and records a late capture directly", async () => {
    const { agentcost } = await create({ inflightTimeoutMs: 20 })
    let handle: ReturnType<AgentCost["begin"]>
    const envelopeId = await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      await expect(
        envelope.begin().capture({ provider: "nobody", raw: {} }) ?? Promise.resolve(),
      ).rejects.toMatchObject({ _tag: "UnknownProvider" })
      handle = agentcost.begin()
      return envelope.envelopeId
    })
    // The envelope is finalized: the late call takes the recording path and reopens settlement.
    const late = handle!.capture(acme("gpu-job", { input_tokens: 2000 }))
    expect(late).toBeInstanceOf(Promise)
    expect((await late)?.envelope_id).toBe(envelopeId)
    expect((await agentcost.envelope(envelopeId))?.settlement).toBe("due")
    await agentcost.close()
  })

  it("opens an envelope synchronously when it can, and says so when it cannot", async () => {
    const { agentcost } = await create()
    const envelope = agentcost.openNow({ tenantId: "acme", workflowType: "ticket" })!
    envelope.begin().capture(acme("chat-1", { input_tokens: 1000 }, "req-1"))
    await envelope.finalizeLater("succeeded")
    expect(await agentcost.envelope(envelope.envelopeId)).toMatchObject({
      tenant_id: "acme",
      status: "succeeded",
      settlement: "settled",
    })
    expect(() => agentcost.openNow({ runDeadlineMs: 0 })).toThrow("runDeadlineMs")
    await agentcost.close()
    // Sync durability writes the envelope before returning it: only `open` can.
    const sync = await create({ durability: "sync" })
    expect(sync.agentcost.openNow({ tenantId: "acme" })).toBeUndefined()
    await sync.agentcost.close()
  })

  it("books every call when the buffer is full (the caller flushes) and with sync durability", async () => {
    for (const options of [{ capacity: 5, batchSize: 1_000 }, { durability: "sync" as const }]) {
      const { agentcost } = await create(options)
      await agentcost.run({ tenantId: "acme" }, async (envelope) => {
        for (let i = 0; i < 20; i++)
          await envelope.record(acme("chat-1", { input_tokens: 1000 }, `req-${i}`))
      })
      // 20 calls × 1000 input tokens × $1/M.
      expect(row(await agentcost.report({ period: "2026-11", by: "tenant" }), "acme")?.total).toBe(
        "0.02",
      )
      await agentcost.close()
    }
  })

  it("resume in the same process joins the running envelope, so run() waits for its calls", async () => {
    const { agentcost } = await create()
    let resumedId = ""
    let envelopeId = ""
    await agentcost.run({ tenantId: "acme" }, async (envelope) => {
      envelopeId = envelope.envelopeId
      // A job queue worker in the same process picks the envelope up by id.
      const resumed = await agentcost.resume(envelope.envelopeId)
      resumedId = resumed.envelopeId
      const handle = resumed.begin()
      setTimeout(() => void handle.record(acme("chat-1", { input_tokens: 5000 })), 20)
    })
    expect(resumedId).toBe(envelopeId)
    const report = await agentcost.report({ period: "2026-11", by: "tenant" })
    expect(row(report, "acme")).toMatchObject({ total: "0.005", settled: "0.005" })
    await agentcost.close()
  })

  it("opens an envelope under an id of the caller's, which another process resumes", async () => {
    const store = `memory:own-id-${Math.random()}`
    const { agentcost: web } = await create({ store })
    const { agentcost: worker } = await create({ store })
    const opened = await web.open({ tenantId: "acme", envelopeId: "job-42" })
    expect(opened.envelopeId).toBe("job-42")
    await web.flush()
    const resumed = await worker.resume("job-42")
    await resumed.record(acme("chat-1", { input_tokens: 4000 }))
    await resumed.finalize()
    // 4000 input tokens × $1/M, booked by the worker to the web process's envelope.
    expect(row(await web.report({ period: "2026-11", by: "tenant" }), "acme")?.total).toBe("0.004")
    await expect(web.open({ tenantId: "acme", runDeadlineMs: -1 })).rejects.toMatchObject({
      _tag: "InvalidEnvelopeOptions",
    })
    await web.close()
    await worker.close()
  })

  it("finalizes a run in the batch that writes it, and through the ledger an envelope it did not create", async () => {
    const store = `memory:finalize-${Math.random()}`
    const { agentcost: web } = await create({ store })
    const { agentcost: worker } = await create({ store })
    // A run whose call has no price: finalized in its batch, with settlement due.
    let runId = ""
    await web.run({ tenantId: "acme" }, async (envelope) => {
      runId = envelope.envelopeId
      envelope.begin().capture(acme("no-such-model", { input_tokens: 1000 }, "req-1"))
    })
    expect(await web.envelope(runId)).toMatchObject({ status: "succeeded", settlement: "due" })
    // Both processes name job-7; the stored record and the web process's call decide the worker's finalize.
    const first = web.openNow({ tenantId: "acme", envelopeId: "job-7" })!
    first.begin().capture(acme("no-such-model", { input_tokens: 1000 }, "req-2"))
    await web.flush()
    const second = worker.openNow({ tenantId: "acme", envelopeId: "job-7" })!
    second.begin().capture(acme("chat-1", { input_tokens: 1000 }, "req-3"))
    await second.finalizeLater("succeeded")
    expect(await worker.envelope("job-7")).toMatchObject({ status: "succeeded", settlement: "due" })
    await Promise.all([web.close(), worker.close()])
  })
})
