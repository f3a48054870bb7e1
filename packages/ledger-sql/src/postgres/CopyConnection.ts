/**
 * A minimal PostgreSQL connection for bulk writes: `COPY … FROM STDIN` and
 * simple queries, which `@effect/sql-pg` does not speak ("COPY is not
 * supported"). It implements only what the ledger's batch writer needs:
 * startup, password/MD5/SCRAM-SHA-256 authentication, TLS when the URL asks
 * for it (`sslmode=require|verify-ca|verify-full`), the simple query protocol
 * and COPY IN. A transaction is sent whole, without waiting between its
 * statements (one round trip), then its answers are read in order. One
 * transaction at a time; the caller serializes.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"
import { connect as netConnect, type Socket } from "node:net"
import { connect as tlsConnect } from "node:tls"

export class PgWireError extends Error {
  readonly code: string | undefined
  constructor(message: string, code?: string) {
    super(message)
    this.name = "PgWireError"
    this.code = code
  }
}

interface Message {
  readonly type: string
  readonly body: Buffer
}

const cstring = (text: string) => Buffer.concat([Buffer.from(text, "utf8"), Buffer.from([0])])

const frame = (type: string, body: Buffer): Buffer => {
  const header = Buffer.alloc(5)
  header.write(type, 0, "latin1")
  header.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([header, body])
}

/** `M` (message) and `C` (SQLSTATE) of an ErrorResponse. */
const errorOf = (body: Buffer): PgWireError => {
  const fields = new Map<string, string>()
  let at = 0
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!)
    const end = body.indexOf(0, at + 1)
    fields.set(code, body.toString("utf8", at + 1, end))
    at = end + 1
  }
  return new PgWireError(fields.get("M") ?? "PostgreSQL error", fields.get("C"))
}

const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ b[i]!))

/**
 * SCRAM-SHA-256 (RFC 7677): the client-final message proving the password,
 * given the client-first message's bare part and nonce and the server-first.
 */
export const scramClientFinal = (
  password: string,
  client: { readonly clientFirstBare: string; readonly nonce: string },
  serverFirst: string,
): string => {
  const attributes = new Map(
    serverFirst.split(",").map((part) => [part[0]!, part.slice(2)] as const),
  )
  const serverNonce = attributes.get("r") ?? ""
  if (!serverNonce.startsWith(client.nonce)) throw new PgWireError("SCRAM: bad server nonce")
  const salted = pbkdf2Sync(
    password,
    Buffer.from(attributes.get("s") ?? "", "base64"),
    Number(attributes.get("i")),
    32,
    "sha256",
  )
  const clientKey = createHmac("sha256", salted).update("Client Key").digest()
  const storedKey = createHash("sha256").update(clientKey).digest()
  const withoutProof = `c=biws,r=${serverNonce}`
  const authMessage = `${client.clientFirstBare},${serverFirst},${withoutProof}`
  const signature = createHmac("sha256", storedKey).update(authMessage).digest()
  return `${withoutProof},p=${xor(clientKey, signature).toString("base64")}`
}

/** A statement of a transaction; with `data`, a `COPY … FROM STDIN` of those rows (text format). */
export interface Step {
  readonly sql: string
  readonly data?: string | undefined
}

export interface CopyConnection {
  /** Runs one simple query; resolves to the first row's text values of its last result. */
  readonly query: (sql: string) => Promise<ReadonlyArray<string | null> | undefined>
  /**
   * Runs `steps` in one transaction, sent at once: BEGIN, the steps, COMMIT.
   * Resolves to the first row of the last step's result; rejects with the
   * first error, in which case the transaction was rolled back (PostgreSQL
   * ignores the statements after an error and answers COMMIT with ROLLBACK).
   */
  readonly transaction: (
    steps: ReadonlyArray<Step>,
  ) => Promise<ReadonlyArray<string | null> | undefined>
  readonly close: () => void
}

/** Opens a connection to a `postgres://user:password@host:port/db?sslmode=…` URL. */
export const connect = async (url: string): Promise<CopyConnection> => {
  const parsed = new URL(url)
  const user = decodeURIComponent(parsed.username || process.env.PGUSER || "postgres")
  const password = decodeURIComponent(parsed.password || process.env.PGPASSWORD || "")
  const database = decodeURIComponent(parsed.pathname.slice(1) || user)
  const host = parsed.hostname || "localhost"
  const port = Number(parsed.port || 5432)
  const sslmode = parsed.searchParams.get("sslmode") ?? "disable"

  let socket: Socket = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ host, port }, () => resolve(s))
    s.once("error", reject)
  })
  if (sslmode === "require" || sslmode === "verify-ca" || sslmode === "verify-full") {
    const request = Buffer.alloc(8)
    request.writeInt32BE(8, 0)
    request.writeInt32BE(80877103, 4)
    socket.write(request)
    const answer = await new Promise<Buffer>((resolve) => socket.once("data", resolve))
    if (answer.toString("latin1", 0, 1) !== "S") {
      socket.destroy()
      throw new PgWireError(`${host}:${port} does not accept TLS (sslmode=${sslmode})`)
    }
    const plain = socket
    socket = await new Promise<Socket>((resolve, reject) => {
      const secure = tlsConnect(
        { socket: plain, servername: host, rejectUnauthorized: sslmode !== "require" },
        () => resolve(secure),
      )
      secure.once("error", reject)
    })
  }

  // Incoming messages, read as they arrive.
  let buffered: Buffer = Buffer.alloc(0)
  const queue: Array<Message> = []
  let waiting: ((message: Message) => void) | undefined
  let failure: Error | undefined
  let failWaiting: ((error: Error) => void) | undefined
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    while (buffered.length >= 5) {
      const length = buffered.readInt32BE(1)
      if (buffered.length < length + 1) break
      const message = {
        type: buffered.toString("latin1", 0, 1),
        body: buffered.subarray(5, length + 1),
      }
      buffered = buffered.subarray(length + 1)
      if (waiting) {
        const resolve = waiting
        waiting = undefined
        failWaiting = undefined
        resolve(message)
      } else queue.push(message)
    }
  })
  const onFailure = (error: Error) => {
    failure ??= error
    failWaiting?.(failure)
  }
  socket.on("error", onFailure)
  socket.on("close", () => onFailure(new PgWireError("the connection closed")))

  const next = (): Promise<Message> => {
    const message = queue.shift()
    if (message) return Promise.resolve(message)
    if (failure) return Promise.reject(failure)
    return new Promise((resolve, reject) => {
      waiting = resolve
      failWaiting = reject
    })
  }
  const send = (data: Buffer) => {
    if (failure) throw failure
    socket.write(data)
  }

  /** Reads to ReadyForQuery; the first row of the last result, or the error. */
  const untilReady = async () => {
    let error: PgWireError | undefined
    let row: Array<string | null> | undefined
    let first = true
    for (;;) {
      const { type, body } = await next()
      if (type === "Z") break
      if (type === "E") error ??= errorOf(body)
      else if (type === "T") first = true
      else if (type === "D" && first) {
        first = false
        const columns = body.readInt16BE(0)
        row = []
        let at = 2
        for (let i = 0; i < columns; i++) {
          const length = body.readInt32BE(at)
          at += 4
          row.push(length < 0 ? null : body.toString("utf8", at, at + length))
          if (length > 0) at += length
        }
      }
    }
    if (error) throw error
    return row
  }

  // Startup and authentication.
  const startup = Buffer.concat([
    Buffer.from([0, 3, 0, 0]),
    cstring("user"),
    cstring(user),
    cstring("database"),
    cstring(database),
    cstring("application_name"),
    cstring("agentcost-copy"),
    Buffer.from([0]),
  ])
  const length = Buffer.alloc(4)
  length.writeInt32BE(startup.length + 4)
  send(Buffer.concat([length, startup]))
  const authenticate = async () => {
    let scram: { clientFirstBare: string; nonce: string } | undefined
    for (;;) {
      const { type, body } = await next()
      if (type === "E") throw errorOf(body)
      if (type === "Z") break
      if (type !== "R") continue
      const kind = body.readInt32BE(0)
      if (kind === 0) continue
      if (kind === 3) send(frame("p", cstring(password)))
      else if (kind === 5) {
        const inner = createHash("md5")
          .update(password + user)
          .digest("hex")
        const outer = createHash("md5").update(inner).update(body.subarray(4, 8)).digest("hex")
        send(frame("p", cstring(`md5${outer}`)))
      } else if (kind === 10) {
        const nonce = randomBytes(18).toString("base64")
        const clientFirstBare = `n=,r=${nonce}`
        const first = Buffer.from(`n,,${clientFirstBare}`)
        const size = Buffer.alloc(4)
        size.writeInt32BE(first.length)
        send(frame("p", Buffer.concat([cstring("SCRAM-SHA-256"), size, first])))
        scram = { clientFirstBare, nonce }
      } else if (kind === 11 && scram) {
        const serverFirst = body.toString("utf8", 4)
        send(frame("p", Buffer.from(scramClientFinal(password, scram, serverFirst))))
      } else if (kind !== 12) {
        throw new PgWireError(`unsupported authentication method ${kind}`)
      }
    }
  }
  // A refused login leaves no socket behind: not every server hangs up first.
  await authenticate().catch((error: unknown) => {
    socket.destroy()
    throw error
  })

  return {
    query: async (sql) => {
      send(frame("Q", cstring(sql)))
      return untilReady()
    },
    transaction: async (steps) => {
      // After an error PostgreSQL drops the rest of a COPY's data: sending ahead is safe.
      send(frame("Q", cstring("BEGIN")))
      for (const step of steps) {
        send(frame("Q", cstring(step.sql)))
        if (step.data === undefined) continue
        const bytes = Buffer.from(step.data, "utf8")
        for (let at = 0; at < bytes.length; at += 1 << 16) {
          send(frame("d", bytes.subarray(at, at + (1 << 16))))
        }
        send(frame("c", Buffer.alloc(0)))
      }
      send(frame("Q", cstring("COMMIT")))
      let error: unknown
      let row: ReadonlyArray<string | null> | undefined
      for (let i = 0; i < steps.length + 2; i++) {
        try {
          const answer = await untilReady()
          if (i === steps.length) row = answer
        } catch (failed) {
          if (failed instanceof PgWireError) error ??= failed
          else throw failed
        }
      }
      if (error) throw error
      return row
    },
    close: () => {
      if (!failure) socket.end(frame("X", Buffer.alloc(0)))
    },
  }
}
