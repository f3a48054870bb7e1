/**
 * The active envelope of the current async context. Integrations read it
 * ONCE, synchronously, at a call's start hook; from there the envelope id
 * travels explicitly (run-id maps, request context, call options), because
 * framework callbacks often run outside the caller's async context.
 */
import { AsyncLocalStorage } from "node:async_hooks"
import type { ActiveEnvelope } from "./EnvelopeTracker.ts"

const storage = new AsyncLocalStorage<ActiveEnvelope>()

export const current = (): ActiveEnvelope | undefined => storage.getStore()

export const runWith = <T>(envelope: ActiveEnvelope, fn: () => T): T => storage.run(envelope, fn)
