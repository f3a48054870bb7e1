/**
 * The floor under any implementation of the cost contract, for the overhead
 * benchmark: per run one envelope record, per model call one cost signal and
 * one ledger entry (DESIGN.md §2, §5), kept in memory — and nothing else. No
 * pricing rules (a float formula), no attempts, no validation, no deferral
 * machinery: on the call's path the call's fields are appended to an array;
 * the records are built and stored by `settle`, as a flush would.
 */
import { AsyncLocalStorage } from "node:async_hooks"
import type { CostEnvelope, CostSignal, Ledger } from "@agentcost/core"
import type { LanguageModelMiddleware } from "ai"

interface Captured {
  readonly envelopeId: string
  readonly modelId: string
  readonly usage: {
    readonly inputTokens: {
      readonly noCache?: number | undefined
      readonly cacheRead?: number | undefined
    }
    readonly outputTokens: { readonly total?: number | undefined }
  }
  readonly responseId: string
  readonly at: number
}

export const contractFloor = () => {
  const current = new AsyncLocalStorage<string>()
  const opened: Array<{
    readonly envelopeId: string
    readonly tenantId: string
    readonly at: number
  }> = []
  const captured: Array<Captured> = []
  const envelopes = new Map<string, CostEnvelope.EnvelopeRecord>()
  const signals = new Map<string, CostSignal.CostSignal>()
  const entries = new Map<string, Ledger.LedgerEntry>()
  let runs = 0

  const middleware: LanguageModelMiddleware = {
    specificationVersion: "v4",
    wrapGenerate: async ({ doGenerate, model }) => {
      const envelopeId = current.getStore()!
      const result = await doGenerate()
      captured.push({
        envelopeId,
        modelId: model.modelId,
        usage: result.usage,
        responseId: result.response?.id ?? "",
        at: Date.now(),
      })
      return result
    },
  }

  const run = <T>(tenantId: string, fn: () => Promise<T>): Promise<T> => {
    const envelopeId = `env_${++runs}`
    opened.push({ envelopeId, tenantId, at: Date.now() })
    return current.run(envelopeId, fn)
  }

  const settle = async (): Promise<void> => {
    for (const { envelopeId, tenantId, at } of opened.splice(0)) {
      const time = new Date(at).toISOString()
      envelopes.set(envelopeId, {
        envelope_id: envelopeId,
        tenant_id: tenantId,
        workflow_type: "bench",
        parent_id: null,
        status: "succeeded",
        outcome: null,
        payer_policy: "tenant_pays_all",
        opened_at: time,
        finalized_at: time,
        run_deadline: time,
        outcome_deadline: time,
        outcome_at: null,
        settlement: "settled",
        settled_at: time,
        settlement_error: null,
        settlement_attempts: 0,
        next_settlement_at: null,
      })
    }
    for (const call of captured.splice(0)) {
      const input = call.usage.inputTokens.noCache ?? 0
      const cached = call.usage.inputTokens.cacheRead ?? 0
      const output = call.usage.outputTokens.total ?? 0
      const cost = String((input * 1.25 + cached * 0.125 + output * 10) / 1e6)
      const signalId = `openai:${call.responseId}`
      const observedAt = new Date(call.at).toISOString()
      const signal: CostSignal.CostSignal = {
        signal_id: signalId,
        envelope_id: call.envelopeId,
        tenant_id: "acme",
        workflow_type: "bench",
        resource_id: null,
        provider: "openai",
        provider_account: null,
        model: call.modelId,
        endpoint: "chat",
        strategy: "TOKEN_BASED",
        usage: { input_tokens: input, cache_read_tokens: cached, output_tokens: output },
        base_cost: cost,
        currency: "USD",
        cost_source: "local",
        pending_cost: false,
        estimate_method: null,
        cost_components: {},
        fallbacks: [],
        provider_request_id: call.responseId,
        provider_invoice_id: null,
        operation_id: null,
        attempt: 1,
        attempt_outcome: "succeeded",
        price_ref: null,
        observed_at: observedAt,
        pricing_error: null,
        capabilities: [],
        attributes: {},
      }
      if (!signals.has(signalId)) signals.set(signalId, signal)
      const key = `est:${signalId}`
      if (!entries.has(key)) {
        entries.set(key, {
          key,
          account: "tenant:acme",
          kind: "estimate",
          amount: cost,
          currency: "USD",
          tenant_id: "acme",
          envelope_id: call.envelopeId,
          signal_id: signalId,
          workflow_type: "bench",
          provider: "openai",
          provider_account: null,
          model: call.modelId,
          operation_id: null,
          resource_id: null,
          occurred_at: observedAt,
          recorded_at: observedAt,
          source_revision: null,
        })
      }
    }
  }

  return { middleware, run, settle }
}
