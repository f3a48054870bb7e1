/**
 * Retries as attempts of one operation, for the middleware. The AI SDK retries
 * a failed model call (`maxRetries`, and `streamRetries` for a stream that
 * broke) by calling the model again with the same prompt; a middleware sees
 * each call on its own, with fresh call options. So a call that fails leaves
 * its operation waiting under a fingerprint of (scope, model, prompt), and
 * the next call with that fingerprint is the operation's next attempt.
 *
 * The fingerprint (a hash of the prompt) is computed only on the failure
 * path: while nothing failed, starting a call is a counter increment.
 */
import { createHash, randomBytes } from "node:crypto"
import type { CallParams, Model } from "./SdkTypes.ts"

export interface Attempt {
  readonly operationId: string
  readonly attempt: number
}

/** Failed operations kept for a retry; older ones are forgotten (their retry never came). */
const MAX_WAITING = 1000

/** Operation ids: unique per process start, then a counter (a UUID per call costs more than the rest of the bookkeeping). */
const PROCESS = randomBytes(6).toString("hex")
let operations = 0
const nextOperationId = () => `op_${PROCESS}_${(++operations).toString(36)}`

export const fingerprint = (model: Model, params: CallParams): string => {
  let prompt: string
  try {
    prompt = JSON.stringify(params.prompt)
  } catch {
    prompt = String(params.prompt.length)
  }
  return createHash("sha256")
    .update(`${model.provider}\u0000${model.modelId}\u0000${prompt}`)
    .digest("base64url")
}

export class Attempts {
  readonly #waiting = new Map<string, Attempt>()

  /** The attempt a call starting in `scope` makes: the next one of a failed operation, or a new operation's first. */
  start(scope: string, print: () => string): Attempt {
    if (this.#waiting.size > 0) {
      const key = `${scope}\u0000${print()}`
      const failed = this.#waiting.get(key)
      if (failed) {
        this.#waiting.delete(key)
        return { operationId: failed.operationId, attempt: failed.attempt + 1 }
      }
    }
    return { operationId: nextOperationId(), attempt: 1 }
  }

  /** Leaves the operation waiting for a retry of the same prompt. */
  failed(scope: string, print: string, attempt: Attempt): void {
    this.#waiting.set(`${scope}\u0000${print}`, attempt)
    if (this.#waiting.size > MAX_WAITING) {
      this.#waiting.delete(this.#waiting.keys().next().value!)
    }
  }
}
