/**
 * How signals and outcomes become ledger entries: which account bears a call
 * (resource, platform for absorbed failed attempts, tenant, or unattributed),
 * and the idempotency keys that make every write repeatable.
 */
import type { EnvelopeRecord, Outcome, PayerPolicy } from "./CostEnvelope.ts"
import type { CostSignal } from "./CostSignal.ts"
import { Account, type LedgerEntry } from "./Ledger.ts"
import * as Money from "./Money.ts"

export const accountFor = (signal: CostSignal, policy: PayerPolicy): string => {
  if (signal.resource_id) return Account.resource(signal.resource_id)
  if (policy === "tenant_pays_success_only" && signal.attempt_outcome === "failed")
    return Account.platform
  return signal.tenant_id ? Account.tenant(signal.tenant_id) : Account.unattributed
}

/**
 * The estimate entry of a signal, or null when nothing could be priced
 * (UnpricedModel): an unknown cost gets no entry rather than a $0 one; the
 * signal stays pending and is listed as unpriced in reports.
 */
export const estimateEntry = (
  signal: CostSignal,
  policy: PayerPolicy,
  recordedAt: string,
): LedgerEntry | null =>
  signal.base_cost === null ? null : signalEntry(signal, policy, "0", recordedAt)

/** An entry about `signal` on the account that bears it; the kind and key are the estimate's. */
export const signalEntry = (
  signal: CostSignal,
  policy: PayerPolicy,
  fallbackAmount: string,
  recordedAt: string,
): LedgerEntry => ({
  key: `est:${signal.signal_id}`,
  account: accountFor(signal, policy),
  kind: "estimate",
  amount: signal.base_cost ?? fallbackAmount,
  currency: signal.currency,
  tenant_id: signal.tenant_id,
  envelope_id: signal.envelope_id,
  signal_id: signal.signal_id,
  workflow_type: signal.workflow_type,
  provider: signal.provider,
  provider_account: signal.provider_account,
  model: signal.model,
  operation_id: signal.operation_id,
  resource_id: signal.resource_id,
  occurred_at: signal.observed_at,
  recorded_at: recordedAt,
  source_revision: null,
})

export const isOutcomePriced = (signal: CostSignal): boolean =>
  signal.strategy === "OUTCOME_BASED" || signal.strategy === "HYBRID"

/** The target an outcome fee's adjustments are keyed by: one per (envelope, provider, model). */
export const outcomeTarget = (envelopeId: string, provider: string, model: string): string =>
  `outcome:${envelopeId}:${provider}:${model}`

/** One representative signal per (provider, model) of the envelope's outcome-priced calls. */
export const outcomePricedCalls = (signals: ReadonlyArray<CostSignal>): Array<CostSignal> => {
  const seen = new Map<string, CostSignal>()
  for (const signal of signals) {
    if (!isOutcomePriced(signal) || signal.price_ref === null) continue
    const key = `${signal.provider}\u0000${signal.model}`
    if (!seen.has(key)) seen.set(key, signal)
  }
  return [...seen.values()]
}

export const outcomeFeeEntry = (
  envelope: EnvelopeRecord,
  signal: CostSignal,
  fee: Money.Money,
  outcome: Outcome,
  occurredAt: string,
  recordedAt: string,
): LedgerEntry => {
  const target = outcomeTarget(envelope.envelope_id, signal.provider, signal.model)
  return {
    key: `fee:${target}`,
    account: signal.resource_id
      ? Account.resource(signal.resource_id)
      : envelope.tenant_id
        ? Account.tenant(envelope.tenant_id)
        : Account.unattributed,
    kind: "outcome_fee",
    amount: Money.format(fee.amount),
    currency: fee.currency,
    tenant_id: envelope.tenant_id,
    envelope_id: envelope.envelope_id,
    signal_id: target,
    workflow_type: envelope.workflow_type,
    provider: signal.provider,
    provider_account: signal.provider_account,
    model: signal.model,
    operation_id: null,
    resource_id: signal.resource_id,
    occurred_at: occurredAt,
    recorded_at: recordedAt,
    source_revision: `outcome:${outcome}`,
  }
}

/**
 * The adjustment that moves what is booked for `target` (a signal id or an
 * outcome target) to the settled amount. Keyed by the source's revision: the
 * same answer applied twice writes one entry; a correction applies once more.
 */
export const adjustmentEntry = (
  template: LedgerEntry,
  target: string,
  booked: Money.Decimal,
  settled: Money.Decimal,
  revision: string,
  recordedAt: string,
): LedgerEntry => ({
  ...template,
  key: `adj:${target}:${revision}`,
  kind: "adjustment",
  amount: Money.format(settled.minus(booked)),
  signal_id: target,
  recorded_at: recordedAt,
  source_revision: revision,
})

/** Sum of what is booked against a target (estimate or fee, plus adjustments). */
export const bookedFor = (entries: ReadonlyArray<LedgerEntry>, target: string): Money.Decimal =>
  Money.sum(entries.filter((e) => e.signal_id === target).map((e) => new Money.Decimal(e.amount)))
