/**
 * Retries and fallbacks as attempts of one operation. A failed call leaves
 * its attempt waiting in its scope; the next call that starts in the same
 * scope is that operation's next attempt. The scope is where a framework
 * retries: for the handler the nearest `RunnableRetry` / `RunnableWithFallbacks`
 * run or the call's parent run (`Runs.operationScope`), for the middleware
 * the agent step (`model_request` node run) the call belongs to.
 */
import { randomBytes } from "node:crypto"

export interface Attempt {
  readonly operationId: string
  readonly attempt: number
}

/** Where failed attempts wait for the call that retries them. */
export interface Scope {
  failed: Array<Attempt> | undefined
}

/**
 * The attempt a call starting now makes: the retry of a failed call in its
 * scope, else a new operation (also when the scope has none yet).
 */
export const next = (scope: Scope | undefined, newOperationId: string): Attempt => {
  const failed = scope?.failed?.shift()
  return failed
    ? { operationId: failed.operationId, attempt: failed.attempt + 1 }
    : { operationId: newOperationId, attempt: 1 }
}

/** Marks an attempt failed: the next call in its scope retries it. */
export const fail = (scope: Scope, attempt: Attempt): void => {
  scope.failed ??= []
  scope.failed.push(attempt)
}

/** Unique per process start, then a counter: a UUID per call would cost more than the rest of the bookkeeping. */
const PROCESS = randomBytes(6).toString("hex")
let operations = 0

/** An operation id for observers that have no run id of their own (the middleware). */
export const newOperationId = (): string => `op_${PROCESS}_${(++operations).toString(36)}`
