/**
 * Booking a model call, as the callback handler and the agent middleware both
 * do it: the options they take, the counters they keep, and the rule that
 * booking never fails the LangChain run — a cost that cannot be booked goes
 * to `onError` and is counted, never thrown into the run, never dropped
 * silently.
 */
import type { CallHandle, CostSignal } from "@agentcost/core"
import type * as Attempts from "./Attempts.ts"
import * as Call from "./Call.ts"
import * as Provider from "./Provider.ts"

export interface Options {
  /**
   * A model call with no active envelope and no `agentcost_tenant_id` in its
   * metadata: `"record"` (default) books it to the `unattributed` account and
   * counts it in `stats.unattributed`; `"throw"` fails it with `UnattributedCall`.
   */
  readonly onUnattributed?: "record" | "throw" | undefined
  /** Extra `ls_provider` / `model_provider` names → adapter provider ids (e.g. `{ azure: "openai" }`). */
  readonly providerIds?: { readonly [name: string]: string } | undefined
  /** Every signal booked, after it is booked. */
  readonly onSignal?: ((signal: CostSignal.CostSignal) => void) | undefined
  /**
   * A call that could not be booked (store failure, malformed usage). The
   * LangChain run never fails for these; default: `console.warn`.
   */
  readonly onError?: ((error: unknown) => void) | undefined
}

export interface Stats {
  /** Signals booked (model calls, failed attempts with usage, trailing tool/retriever counts). */
  readonly recorded: number
  /** Calls booked to the `unattributed` account. */
  readonly unattributed: number
  /** Calls LangChain reported no usage for, booked as pending (`x_usage_unreported`). */
  readonly unreportedUsage: number
  /** Model calls that failed (booked when the provider reported usage, else ended). */
  readonly failedAttempts: number
  /** Errors passed to `onError`. */
  readonly errors: number
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export class Recorder {
  readonly onUnattributed: "record" | "throw"
  readonly providerIds: { readonly [name: string]: string }
  /** Live counters; observers hand out copies. */
  readonly stats: Mutable<Stats> = {
    recorded: 0,
    unattributed: 0,
    unreportedUsage: 0,
    failedAttempts: 0,
    errors: 0,
  }
  readonly #onSignal: ((signal: CostSignal.CostSignal) => void) | undefined
  readonly #onError: (error: unknown) => void

  constructor(options: Options) {
    this.onUnattributed = options.onUnattributed ?? "record"
    this.providerIds = { ...Provider.DEFAULT_PROVIDER_IDS, ...options.providerIds }
    this.#onSignal = options.onSignal
    this.#onError =
      options.onError ?? ((error) => console.warn(`[agentcost] ${(error as Error)?.message}`))
  }

  /** A chat model's message; usage that does not add up is reported and read as unreported (pending). */
  readChat(start: Call.StartFacts, message: unknown, events: Call.Events): Call.Reading {
    try {
      return Call.fromChatMessage(this.providerIds, start, message, events)
    } catch (error) {
      return this.#unreported(error, start, message, events)
    }
  }

  /** A text-completion LLM's output, likewise; undefined when its batch was booked with another run. */
  readLLM(
    start: Call.StartFacts,
    llmOutput: unknown,
    events: Call.Events,
  ): Call.Reading | undefined {
    try {
      return Call.fromLLMOutput(this.providerIds, start, llmOutput, events)
    } catch (error) {
      return this.#unreported(error, start, undefined, events)
    }
  }

  #unreported(
    error: unknown,
    start: Call.StartFacts,
    message: unknown,
    events: Call.Events,
  ): Call.Reading {
    this.report(error)
    return Call.withoutUsage(this.providerIds, start, message, events)
  }

  /** Books a reading as one attempt of its operation. Never rejects. */
  async record(
    handle: CallHandle,
    reading: Call.Reading,
    attempt: Attempts.Attempt,
    attemptOutcome: "succeeded" | "failed",
    unattributed: boolean,
  ): Promise<void> {
    try {
      const input = {
        provider: reading.provider,
        call: reading.call,
        operationId: attempt.operationId,
        attempt: attempt.attempt,
        attemptOutcome,
      }
      // Without an onSignal listener the call is captured and priced with the next flush, in a batch.
      if (this.#onSignal) this.#onSignal(await handle.record(input))
      else await handle.capture(input)
      this.stats.recorded++
      if (reading.unreported) this.stats.unreportedUsage++
      if (unattributed) this.stats.unattributed++
    } catch (error) {
      this.report(error)
    }
  }

  report(error: unknown): void {
    this.stats.errors++
    this.#onError(error)
  }
}
