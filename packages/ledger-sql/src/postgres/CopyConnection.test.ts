import { createServer, type Socket } from "node:net"
import { describe, expect, it } from "vitest"
import { describePostgres } from "../../test/support.ts"
import { connect, PgWireError, scramClientFinal } from "./CopyConnection.ts"

describe("CopyConnection", () => {
  it("computes the SCRAM-SHA-256 proof of RFC 7677's example", () => {
    // RFC 7677 §3: user "user", password "pencil".
    expect(
      scramClientFinal(
        "pencil",
        { clientFirstBare: "n=user,r=rOprNGfwEbeRWgbNEkqO", nonce: "rOprNGfwEbeRWgbNEkqO" },
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      ),
    ).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    )
  })

  it("refuses a server nonce that does not extend the client's", () => {
    expect(() =>
      scramClientFinal("pw", { clientFirstBare: "n=,r=abc", nonce: "abc" }, "r=xyz,s=AAAA,i=1"),
    ).toThrow("SCRAM: bad server nonce")
  })
})

describe("CopyConnection against a server it cannot use", () => {
  /** A server that answers the startup with `reply` and keeps the connection open; resolves when the client closes it. */
  const serve = async (reply: Buffer) => {
    const sockets: Array<Socket> = []
    let closed!: () => void
    const clientClosed = new Promise<void>((resolve) => {
      closed = resolve
    })
    const server = createServer((socket) => {
      sockets.push(socket)
      socket.once("data", () => socket.write(reply))
      socket.on("close", closed)
      socket.on("error", () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as { port: number }
    const stop = () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
    return { url: `postgres://app@127.0.0.1:${port}/db`, clientClosed, stop }
  }

  it("closes its socket when the server asks for an authentication method it does not speak", async () => {
    // AuthenticationGSS: 'R', length 8, kind 7.
    const reply = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 7])
    const server = await serve(reply)
    try {
      await expect(connect(server.url)).rejects.toThrow("unsupported authentication method 7")
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("open"), 2_000))
      expect(await Promise.race([server.clientClosed.then(() => "closed"), timeout])).toBe("closed")
    } finally {
      server.stop()
    }
  })
})

describePostgres("CopyConnection on PostgreSQL (AGENTCOST_TEST_PG_URL)", (url) => {
  it("sends a transaction at once: an error anywhere rolls it all back, and the connection goes on", async () => {
    const c = await connect(url)
    try {
      await c.query("CREATE TEMP TABLE copy_probe (n integer PRIMARY KEY)")
      // The first COPY succeeds, the second fails on its second row, the statement after is skipped.
      const failed = await c
        .transaction([
          { sql: "COPY copy_probe (n) FROM STDIN", data: "1\n2\n" },
          { sql: "COPY copy_probe (n) FROM STDIN", data: "3\nfour\n" },
          { sql: "INSERT INTO copy_probe VALUES (5)" },
        ])
        .catch((error: PgWireError) => error)
      expect(failed).toBeInstanceOf(PgWireError)
      expect((failed as PgWireError).code).toBe("22P02")
      expect(await c.query("SELECT count(*) FROM copy_probe")).toEqual(["0"])
      expect(
        await c.transaction([
          { sql: "COPY copy_probe (n) FROM STDIN", data: "1\n2\n" },
          { sql: "SELECT sum(n) FROM copy_probe" },
        ]),
      ).toEqual(["3"])
      expect(await c.query("SELECT count(*) FROM copy_probe")).toEqual(["2"])
    } finally {
      c.close()
    }
  })
})
