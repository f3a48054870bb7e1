/**
 * The LangChain runs in flight, as this handler saw them start. Only start
 * hooks say who a run's parent is (and only they carry metadata), so every run
 * is kept from its start hook to its end hook, linked to its parent and to the
 * root run it belongs to.
 *
 * Three things are derived from the tree:
 * - the ROOT run: envelopes opened from `config.metadata` (or for unattributed
 *   calls) live as long as it, and finalize when it ends;
 * - the OPERATION SCOPE of a model call (`Attempts`): the nearest
 *   `RunnableRetry` / `RunnableWithFallbacks` run, else the call's parent run
 *   (createAgent's retry and fallback middleware call the models inside one
 *   `model_request` node run);
 * - the tool and retriever runs not yet booked on a model call.
 */
import type { EnvelopeHandle } from "@agentcost/core"
import type * as Attempts from "./Attempts.ts"

export type RunKind = "chain" | "model" | "tool" | "retriever"

/** A counted event (a tool or retriever run) waiting for the model call it feeds. */
export interface PendingEvent {
  readonly run: Run
  readonly unit: "tool_calls" | "rag_queries"
}

/** What the handler keeps for one root run. */
export interface Root {
  readonly id: string
  /** Envelopes opened for this root (from metadata, or unattributed), by tenant and workflow. */
  envelopes: Map<string, Promise<EnvelopeHandle>> | undefined
  pending: Array<PendingEvent>
  /** The last model call's envelope and model, to book events no model call followed. */
  last: LastCall | undefined
}

export interface LastCall {
  readonly envelope: EnvelopeHandle
  readonly provider: string
  readonly model: string
  readonly endpoint: string | null
}

export interface Run extends Attempts.Scope {
  readonly id: string
  readonly parent: Run | undefined
  readonly root: Root
  readonly kind: RunKind
  /** `RunnableRetry` / `RunnableWithFallbacks`: the calls under it are attempts of one operation. */
  readonly boundary: boolean
}

const BOUNDARIES = new Set(["RunnableRetry", "RunnableWithFallbacks"])

/** Whether a serialized runnable (`handleChainStart`'s first argument) groups its calls into one operation. */
export const isBoundary = (serialized: unknown): boolean => {
  const id = (serialized as { readonly id?: unknown } | undefined)?.id
  return Array.isArray(id) && BOUNDARIES.has(id[id.length - 1])
}

export class RunTree {
  readonly #runs = new Map<string, Run>()

  /**
   * Registers a run at its start hook. A parent this handler never saw (the
   * handler was attached below it) makes the run a root of its own.
   */
  start(id: string, parentId: string | undefined, kind: RunKind, boundary = false): Run {
    const parent = parentId === undefined ? undefined : this.#runs.get(parentId)
    const run: Run = {
      id,
      parent,
      root: parent?.root ?? { id, envelopes: undefined, pending: [], last: undefined },
      kind,
      boundary,
      failed: undefined,
    }
    this.#runs.set(id, run)
    return run
  }

  get(id: string): Run | undefined {
    return this.#runs.get(id)
  }

  /** Forgets a run at its end hook; returns it when it was known. */
  end(id: string): Run | undefined {
    const run = this.#runs.get(id)
    if (run) this.#runs.delete(id)
    return run
  }

  get size(): number {
    return this.#runs.size
  }
}

export const isRoot = (run: Run): boolean => run.root.id === run.id

export const isAncestor = (ancestor: Run, run: Run): boolean => {
  for (let current = run.parent; current; current = current.parent) {
    if (current === ancestor) return true
  }
  return false
}

/** Where a model call's attempts are grouped: the nearest retry/fallback run, else its parent. */
export const operationScope = (call: Run): Run => {
  for (let current = call.parent; current; current = current.parent) {
    if (current.boundary) return current
  }
  return call.parent ?? call
}

/**
 * Takes the root's pending events that a model call starting now consumes.
 * A call inside a tool run (an agent used as a tool) consumes only events
 * inside that same tool run, and never the tool run it runs inside: the
 * outer agent's next call consumes those.
 */
export const takePending = (call: Run): Array<PendingEvent> => {
  const pending = call.root.pending
  if (pending.length === 0) return pending
  const enclosing: Array<Run> = []
  for (let current = call.parent; current; current = current.parent) {
    if (current.kind === "tool" || current.kind === "retriever") enclosing.push(current)
  }
  const taken: Array<PendingEvent> = []
  const kept: Array<PendingEvent> = []
  for (const event of pending) {
    const inScope = enclosing.every((run) => isAncestor(run, event.run))
    ;(inScope ? taken : kept).push(event)
  }
  call.root.pending = kept
  return taken
}

/** Puts events back when the call that took them records nothing. */
export const restorePending = (root: Root, events: ReadonlyArray<PendingEvent>): void => {
  if (events.length > 0) root.pending.push(...events)
}

export const countEvents = (
  events: ReadonlyArray<PendingEvent>,
): { readonly tool_calls: number; readonly rag_queries: number } => {
  let toolCalls = 0
  let ragQueries = 0
  for (const event of events) {
    if (event.unit === "tool_calls") toolCalls++
    else ragQueries++
  }
  return { tool_calls: toolCalls, rag_queries: ragQueries }
}
