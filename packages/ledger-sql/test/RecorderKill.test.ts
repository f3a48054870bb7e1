/**
 * Fault test: a live application recording calls through the facade
 * (`AgentCost.create({ store, flushIntervalMs: 100 })`, write-behind) is
 * SIGKILLed. What it lost is what it recorded in the last flush interval
 * (plus the write in flight): every call acknowledged earlier is in the store.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as PgliteStore from "../src/pglite/PgliteStore.ts"
import * as PostgresStore from "../src/postgres/PostgresStore.ts"
import { describePostgres, fileClient, schemaFor, sleep, start, withSchema } from "./support.ts"

const FLUSH_INTERVAL_MS = 100
/**
 * The documented bound: a record waits at most one flush interval, and the
 * next flush starts an interval after the previous one ended, so a record is
 * durable within interval + write time. Writes of one interval's calls take
 * well under 400 ms even on a loaded machine.
 */
const BOUND_MS = FLUSH_INTERVAL_MS + 400
const recorder = new URL("./fixtures/recorder.ts", import.meta.url).pathname

/** Runs the recorder on `store`, kills it, and checks what `storedIds` finds. */
const killRecorder = async (
  store: string,
  storedIds: () => Promise<ReadonlyArray<string>>,
  readyTimeoutMs: number,
) => {
  const child = start(recorder, [store, String(FLUSH_INTERVAL_MS)])
  const acked = new Map<string, number>()
  let buffered = ""
  let ready: (() => void) | undefined
  const isReady = new Promise<void>((resolve) => {
    ready = resolve
  })
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split("\n")
    buffered = lines.pop()!
    for (const line of lines) {
      if (line.startsWith("ready")) ready?.()
      else {
        const [n, at] = line.split(" ")
        acked.set(`openai:req_${n}`, Number(at))
      }
    }
  })
  let stderr = ""
  child.stderr!.on("data", (chunk) => {
    stderr += chunk
  })
  const exit = new Promise((resolve) => child.once("exit", resolve))
  await Promise.race([
    isReady,
    exit.then(() => Promise.reject(new Error(stderr))),
    sleep(readyTimeoutMs).then(() => Promise.reject(new Error("the recorder did not start"))),
  ])
  await sleep(2_000)
  child.kill("SIGKILL")
  const killedAt = Date.now()
  await exit

  const stored = new Set(await storedIds())
  const lost = [...acked].filter(([id]) => !stored.has(id))
  const oldestLoss = Math.max(0, ...lost.map(([, at]) => killedAt - at))
  console.log(
    `${store.split(":")[0]}: recorded ${acked.size} calls in 2 s; SIGKILL lost ${lost.length}, the oldest acknowledged ${oldestLoss} ms before the kill (bound ${BOUND_MS} ms)`,
  )
  expect(acked.size).toBeGreaterThan(100)
  expect(stored.size).toBeGreaterThan(0)
  expect(oldestLoss).toBeLessThanOrEqual(BOUND_MS)
}

describePostgres("a recording process killed with SIGKILL (PostgreSQL)", (url) => {
  const schema = schemaFor("RecorderKill")
  const client = fileClient(() => PostgresStore.sqlLayer({ url: url }), { dropSchema: schema })

  it(
    `loses at most the calls of the last ${FLUSH_INTERVAL_MS} ms flush interval`,
    () =>
      killRecorder(
        withSchema(url, schema),
        async () =>
          (
            await Effect.runPromise(
              client().unsafe<{ signal_id: string }>(`SELECT signal_id FROM "${schema}".signals`),
            )
          ).map((r) => r.signal_id),
        30_000,
      ),
    120_000,
  )
})

describe("a recording process killed with SIGKILL (PGlite)", () => {
  it(`loses at most the calls of the last ${FLUSH_INTERVAL_MS} ms flush interval`, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "agentcost-recorder-")), "store")
    await killRecorder(
      `pglite:${dir}`,
      // Opened after the kill: the dead process's lock is taken over.
      () =>
        Effect.runPromise(
          Effect.gen(function* () {
            const sql = yield* SqlClient
            const rows = yield* sql<{ signal_id: string }>`SELECT signal_id FROM agentcost.signals`
            return rows.map((r) => r.signal_id)
          }).pipe(Effect.provide(PgliteStore.sqlLayer({ dir }))),
        ),
      120_000,
    )
  }, 240_000)
})
