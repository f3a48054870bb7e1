import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { main } from "../index.ts"
import { runInProcess } from "../testing.ts"

describe("agentcost migrate", () => {
  it("creates the schema once, then reports it up to date", async () => {
    const store = `pglite:${join(mkdtempSync(join(tmpdir(), "agentcost-migrate-")), "store")}`
    const first = await runInProcess(main, ["migrate", "--store", store, "--json"])
    expect(first.stderr).toBe("")
    expect(JSON.parse(first.stdout)).toEqual({
      store,
      schema: "agentcost",
      applied: ["0001_ledger"],
      version: 1,
    })
    const second = await runInProcess(main, ["migrate", "--store", store])
    expect(second.stdout).toBe(`${store}: schema "agentcost" is up to date (version 1)\n`)
  }, 120_000)

  it("names a store URL it cannot use", async () => {
    const result = await runInProcess(main, ["migrate", "--store", "mysql://db"])
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toBe(
      'agentcost migrate: ledger open: store "mysql://db" is not a SQL store URL: use pglite:./DIR, pglite:memory or postgres://USER@HOST:5432/DB\n',
    )
  })

  it("never prints the store's password in an error", async () => {
    for (const [command, store] of [
      ["migrate", "postgres://app:s3cret@127.0.0.1:5432/test?schema=Not-A-Name"],
      ["migrate", "postgres://app:s3cret@127.0.0.1:99999/test"],
      ["report", "postgres://app:s3cret@127.0.0.1:5432/test?schema=Not-A-Name"],
      ["migrate", "mysql://app:s3cret@127.0.0.1/test"],
      // No user name: the password is still one.
      ["migrate", "postgres://:s3cret@127.0.0.1:5432/test?schema=Not-A-Name"],
    ] as const) {
      const args =
        command === "report"
          ? ["report", "--period", "2026-11", "--by", "tenant", "--store", store]
          : ["migrate", "--store", store]
      const result = await runInProcess(main, args)
      expect(result.exitCode).toBe(1)
      expect(result.stderr).toContain(":***@127.0.0.1")
      expect(result.stderr).not.toContain("s3cret")
    }
  })
})
