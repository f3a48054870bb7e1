/**
 * Who pays for a model call, decided once, synchronously, when the call
 * starts: the envelope active in the caller's async context (`agentcost.run`),
 * or what the call says in `providerOptions.agentcost` (`envelopeId`,
 * `tenantId`, `workflowType`), or nobody — then the `onUnattributed` policy.
 * From there the destination travels with the call; nothing reads the async
 * context again (stream parts and callbacks may run outside it).
 *
 * Recording never fails the model call: a cost that cannot be booked is
 * handed to `onError` (and counted), never silently dropped.
 */
import type {
  AgentCost,
  CallHandle,
  CostEnvelope,
  EnvelopeHandle,
  EnvelopeTracker,
} from "@agentcost/core"
import { ProviderAdapter } from "@agentcost/core"
import { Schema } from "effect"

export interface AiSdkOptions {
  /**
   * A call with no active envelope and no `providerOptions.agentcost.tenantId`:
   * `"record"` (default) books it to the `unattributed` account (and counts it
   * in `stats.unattributed`); `"throw"` fails the call with `UnattributedCall`.
   */
  readonly onUnattributed?: "record" | "throw" | undefined
  /** Maps an AI SDK provider string, or its first segment, to an agentcost provider id: `{ azure: "openai" }`. */
  readonly providers?: { readonly [sdkProvider: string]: string } | undefined
  /** The provider account (project, workspace, key) the calls are made with, for invoice reconciliation. */
  readonly providerAccount?: string | undefined
  /** A call that could not be booked (malformed usage, a closed store). Default: `console.error`. */
  readonly onError?: ((error: unknown) => void) | undefined
}

export interface Stats {
  /** Calls (middleware) or generations (telemetry) booked without a tenant. */
  unattributed: number
  /** Calls whose cost could not be booked (each also went to `onError`). */
  unrecorded: number
}

export class UnattributedCall extends Schema.TaggedError<UnattributedCall>()("UnattributedCall", {
  provider: Schema.String,
  model: Schema.String,
}) {
  override get message() {
    return `${this.provider} ${this.model}: no active envelope and no providerOptions.agentcost.tenantId; run the call inside agentcost.run({ tenantId }, …) or pass providerOptions: { agentcost: { tenantId } }`
  }
}

export class InvalidAttribution extends Schema.TaggedError<InvalidAttribution>()(
  "InvalidAttribution",
  { field: Schema.String, reason: Schema.String },
) {
  override get message() {
    return `providerOptions.agentcost.${this.field}: ${this.reason}`
  }
}

/** A call that reported no usage: booked as one request (flagged `usage: missing`), so its cost is unknown. */
export class MissingUsage extends Schema.TaggedError<MissingUsage>()("MissingUsage", {
  provider: Schema.String,
  model: Schema.String,
}) {
  override get message() {
    return `${this.provider} ${this.model}: the provider reported no usage for a call; it is booked as one request without token costs (attribute usage=missing)`
  }
}

/** `providerOptions.agentcost`, as an application passes it per call or per agent. */
export interface CallAttribution {
  readonly tenantId?: string | null | undefined
  readonly workflowType?: string | undefined
  readonly envelopeId?: string | undefined
}

const readAttribution = (providerOptions: unknown): CallAttribution => {
  const value = ProviderAdapter.isRecord(providerOptions) ? providerOptions.agentcost : undefined
  if (value === undefined || value === null) return {}
  if (!ProviderAdapter.isRecord(value)) {
    throw new InvalidAttribution({
      field: "",
      reason: `expected an object, got ${JSON.stringify(value)}`,
    })
  }
  const text = (field: string, nullable: boolean): string | null | undefined => {
    const v = value[field]
    if (v === undefined || (nullable && v === null)) return v as undefined | null
    if (typeof v !== "string" || v === "") {
      throw new InvalidAttribution({
        field,
        reason: `expected a non-empty string, got ${JSON.stringify(v)}`,
      })
    }
    return v
  }
  const tenantId = text("tenantId", true)
  const workflowType = text("workflowType", false) ?? undefined
  const envelopeId = text("envelopeId", false) ?? undefined
  return {
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(workflowType === undefined ? {} : { workflowType }),
    ...(envelopeId === undefined ? {} : { envelopeId }),
  }
}

/** Where a call's cost goes. */
export type Destination =
  /** The envelope active when the call started. */
  | { readonly _tag: "Active"; readonly envelope: EnvelopeHandle }
  /** An envelope named by id (a job queue, another process). */
  | {
      readonly _tag: "Resume"
      readonly envelopeId: string
      readonly tenantId: string | null
      readonly workflowType: string | null
    }
  /** No envelope: the integration opens one for the tenant (`null`: unattributed). */
  | {
      readonly _tag: "Open"
      readonly tenantId: string | null
      readonly workflowType: string | null
    }

/** The key under which a destination's retries are matched. */
export const scopeOf = (destination: Destination): string =>
  destination._tag === "Active"
    ? destination.envelope.envelopeId
    : destination._tag === "Resume"
      ? destination.envelopeId
      : `tenant:${destination.tenantId ?? ""}`

export type CallInput = EnvelopeTracker.CallInput

/** One model call being tracked: record it (never rejects) or end it. */
export interface Ticket {
  readonly record: (input: CallInput) => Promise<void>
  readonly end: () => void
}

const DONE: Promise<void> = Promise.resolve()
const NOTHING = (): void => undefined

/** Resumed envelopes kept for later calls that name them; the oldest are forgotten. */
const MAX_RESUMED = 1000

export class Attribution {
  readonly stats: Stats = { unattributed: 0, unrecorded: 0 }
  readonly agentcost: AgentCost
  readonly options: AiSdkOptions
  readonly #resumed = new Map<string, Promise<EnvelopeHandle>>()

  constructor(agentcost: AgentCost, options: AiSdkOptions) {
    this.agentcost = agentcost
    this.options = options
  }

  /**
   * Decides where a call's cost goes. Reads the active envelope: call it once,
   * synchronously, when the call starts. An explicit `envelopeId` wins; then
   * the active envelope unless the call names another tenant; then the named
   * tenant; then the `onUnattributed` policy.
   */
  resolve(providerOptions: unknown, provider: string, model: string): Destination {
    const requested = readAttribution(providerOptions)
    const active = this.agentcost.current()
    const workflowType = requested.workflowType ?? active?.workflowType ?? null
    if (requested.envelopeId !== undefined) {
      return {
        _tag: "Resume",
        envelopeId: requested.envelopeId,
        tenantId: requested.tenantId ?? active?.tenantId ?? null,
        workflowType,
      }
    }
    if (active && (requested.tenantId === undefined || requested.tenantId === active.tenantId)) {
      return { _tag: "Active", envelope: active }
    }
    if (requested.tenantId === undefined || requested.tenantId === null) {
      if (this.options.onUnattributed === "throw") throw new UnattributedCall({ provider, model })
      this.stats.unattributed++
    }
    return { _tag: "Open", tenantId: requested.tenantId ?? null, workflowType }
  }

  report(error: unknown): void {
    this.stats.unrecorded++
    const onError =
      this.options.onError ??
      ((e: unknown) => console.error(`@agentcost/ai-sdk: ${(e as Error)?.message ?? String(e)}`))
    onError(error)
  }

  /** The envelope named by id, resumed once per process and shared by the calls that name it. */
  resumed(envelopeId: string): Promise<EnvelopeHandle> {
    let envelope = this.#resumed.get(envelopeId)
    if (!envelope) {
      envelope = this.agentcost.resume(envelopeId)
      envelope.catch(() => this.#resumed.delete(envelopeId))
      this.#resumed.set(envelopeId, envelope)
      if (this.#resumed.size > MAX_RESUMED) this.#resumed.delete(this.#resumed.keys().next().value!)
    }
    return envelope
  }

  /** Books one call in an envelope the integration opens for it, and finalizes it. */
  async #recordInNew(tenantId: string | null, workflowType: string | null, input: CallInput) {
    const envelope = await this.agentcost.open({ tenantId, workflowType })
    try {
      await envelope.begin().capture(input)
    } finally {
      // Written with the next flush, after the call: no ledger round trip per call.
      await envelope.finalizeLater(input.attemptOutcome === "failed" ? "failed" : "succeeded")
    }
  }

  #guard(record: (input: CallInput) => Promise<unknown>): (input: CallInput) => Promise<void> {
    return (input) =>
      record(input).then(
        () => undefined,
        (error) => this.report(error),
      )
  }

  /**
   * A ticket for one model call (the middleware). In the active envelope the
   * call is begun now, so `run()` waits for it; a named or new envelope is
   * resumed or opened only when there is something to book.
   */
  ticket(destination: Destination): Ticket {
    switch (destination._tag) {
      case "Active":
        return this.ticketIn(destination.envelope)
      case "Resume":
        return {
          record: this.#guard(async (input) => {
            let envelope: EnvelopeHandle
            try {
              envelope = await this.resumed(destination.envelopeId)
            } catch (error) {
              // The named envelope is gone (finalized, unknown): the cost still goes to the tenant.
              this.report(error)
              return this.#recordInNew(destination.tenantId, destination.workflowType, input)
            }
            return envelope.record(input)
          }),
          end: () => undefined,
        }
      case "Open":
        return {
          record: this.#guard((input) =>
            this.#recordInNew(destination.tenantId, destination.workflowType, input),
          ),
          end: () => undefined,
        }
    }
  }

  /** A ticket in a known envelope (begun now) or one still being opened (begun when it is). */
  ticketIn(envelope: EnvelopeHandle | Promise<EnvelopeHandle>): Ticket {
    if (!(envelope instanceof Promise)) {
      const handle: CallHandle = envelope.begin()
      // Captured, priced with the next flush: nothing but the capture on the call's path.
      const record = (input: CallInput): Promise<void> => {
        const fallback = handle.capture(input)
        return fallback ? fallback.then(NOTHING, (error) => this.report(error)) : DONE
      }
      return { record, end: handle.end }
    }
    return {
      record: this.#guard(async (input) => (await envelope).record(input)),
      end: () => undefined,
    }
  }

  /**
   * Holds the envelope a destination names across the calls of one generation
   * (telemetry); `release` finalizes it when the integration opened it.
   */
  hold(destination: Destination): HeldEnvelope {
    const open = (tenantId: string | null, workflowType: string | null) => {
      const opened = this.agentcost.open({ tenantId, workflowType })
      // Awaited by every call of the generation; a rejection is reported there.
      opened.catch(() => undefined)
      return opened
    }
    const finalize = (envelope: Promise<EnvelopeHandle>, status: CostEnvelope.FinalStatus) =>
      envelope
        .then((e) => e.finalizeLater(status))
        .then(
          () => undefined,
          (error) => this.report(error),
        )
    switch (destination._tag) {
      case "Active":
        return { envelope: destination.envelope, release: async () => undefined }
      case "Resume": {
        let replacement: Promise<EnvelopeHandle> | undefined
        const envelope = this.resumed(destination.envelopeId).catch((error) => {
          // The named envelope is gone (finalized, unknown): the cost still goes to the tenant.
          this.report(error)
          replacement = open(destination.tenantId, destination.workflowType)
          return replacement
        })
        envelope.catch(() => undefined)
        return {
          envelope,
          release: async (status) => {
            await envelope.catch(() => undefined)
            if (replacement) await finalize(replacement, status)
          },
        }
      }
      case "Open": {
        const envelope = open(destination.tenantId, destination.workflowType)
        return { envelope, release: (status) => finalize(envelope, status) }
      }
    }
  }
}

/** An envelope held across the calls of one generation. */
export interface HeldEnvelope {
  readonly envelope: EnvelopeHandle | Promise<EnvelopeHandle>
  /** Finalizes the envelope if the integration opened it; never rejects. */
  readonly release: (status: CostEnvelope.FinalStatus) => Promise<void>
}
