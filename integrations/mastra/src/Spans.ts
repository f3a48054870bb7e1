/**
 * What the exporter reads from Mastra's exported spans: attribution keys
 * (from the span metadata that `requestContextKeys` fills, else the
 * `requestContext` snapshot Mastra keeps on run spans) and how a run ended.
 */
import type { CostEnvelope } from "@agentcost/core"
import type {
  AgentRunOutput,
  AnyExportedSpan,
  WorkflowRunAttributes,
} from "@mastra/core/observability"
import { SpanType } from "@mastra/core/observability"

type Fields = { readonly [key: string]: unknown }

const at = (record: unknown, path: ReadonlyArray<string>): unknown => {
  let value = record
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined
    value = (value as Fields)[key]
  }
  return value
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== ""
    ? value
    : typeof value === "number" && Number.isFinite(value)
      ? String(value)
      : undefined

/**
 * A request context value on a span, by key (dot notation reaches nested
 * values, like Mastra's `requestContextKeys`): the span's metadata first —
 * where `requestContextKeys` copies it on every span of the trace — then
 * the snapshot of the request context Mastra keeps on run spans.
 */
export const read = (span: AnyExportedSpan, key: string): string | undefined => {
  const path = key.split(".")
  return text(at(span.metadata, path)) ?? text(at(span.requestContext, path))
}

/** A request context value, by key (dot notation reaches nested values). */
export const readContext = (
  context: { get(key: string): unknown },
  key: string,
): string | undefined => {
  const [root, ...rest] = key.split(".")
  return text(at(context.get(root!), rest))
}

/** How a run span ended: a final envelope status, or suspended (the run continues later). */
export type RunEnd = CostEnvelope.FinalStatus | "suspended"

/** Workflow statuses that are not the end of the run: it waits for a resume or an event. */
const WAITING = new Set(["suspended", "waiting", "paused", "pending", "running"])

export const runEnd = (span: AnyExportedSpan): RunEnd => {
  if (span.type === SpanType.WORKFLOW_RUN) {
    const status = (span.attributes as WorkflowRunAttributes | undefined)?.status
    if (status === undefined) return span.errorInfo ? "failed" : "succeeded"
    if (WAITING.has(status)) return "suspended"
    if (status === "failed" || status === "tripwire") return "failed"
    if (status === "canceled") return "cancelled"
    return "succeeded"
  }
  if (span.errorInfo) return "failed"
  const output = span.output as AgentRunOutput | undefined
  const status = output && "status" in output ? output.status : undefined
  if (status === "suspended") return "suspended"
  if (status === "aborted") return "cancelled"
  return "succeeded"
}
