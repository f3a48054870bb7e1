import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import * as DirectoryLock from "./DirectoryLock.ts"

const node = process.execPath
const tempDir = () => mkdtempSync(join(tmpdir(), "agentcost-lock-"))
const lockScript = new URL("./DirectoryLock.ts", import.meta.url).pathname

/** A child process holding `dir`'s lock until its stdin closes. */
const holder = (dir: string) =>
  new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
    const child = spawn(
      node,
      [
        "-e",
        `import(${JSON.stringify(lockScript)}).then((m) => { m.acquire(${JSON.stringify(dir)}); console.log("held"); process.stdin.resume(); process.stdin.on("end", () => process.exit(0)) })`,
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    )
    child.stdout!.once("data", () => resolve(child))
    child.once("error", reject)
  })

describe("DirectoryLock", () => {
  it("refuses a second process with an error that points to PostgreSQL", async () => {
    const dir = tempDir()
    const child = await holder(dir)
    try {
      expect(() => DirectoryLock.acquire(dir)).toThrow(
        `pglite store ${dir} is in use by process ${child.pid} on ${hostname()}: PGlite allows one process per data directory. Stop that process, or use PostgreSQL (--store postgres://...) for several processes`,
      )
    } finally {
      child.stdin!.end()
      await new Promise((resolve) => child.once("exit", resolve))
    }
    // The holder exited without releasing, like a crash: its lock is stale and taken over.
    const lock = DirectoryLock.acquire(dir)
    lock.release()
    expect(existsSync(join(dir, "agentcost.lock"))).toBe(false)
  })

  it("takes over the lock of a process that died", () => {
    const dir = tempDir()
    // A pid that is certainly gone: a child that already exited.
    const dead = Number(execFileSync(node, ["-e", "console.log(process.pid)"]).toString())
    writeFileSync(
      join(dir, "agentcost.lock"),
      JSON.stringify({ pid: dead, host: hostname(), token: "old" }),
    )
    const lock = DirectoryLock.acquire(dir)
    const owner = JSON.parse(readFileSync(join(dir, "agentcost.lock"), "utf8"))
    expect(owner.pid).toBe(process.pid)
    lock.release()
  })

  it("refuses a second open in the same process, and a lock held on another host", () => {
    const dir = tempDir()
    const lock = DirectoryLock.acquire(dir)
    expect(() => DirectoryLock.acquire(dir)).toThrow(/is in use by process/)
    lock.release()
    const other = tempDir()
    writeFileSync(
      join(other, "agentcost.lock"),
      JSON.stringify({ pid: 1, host: "elsewhere", token: "x" }),
    )
    expect(() => DirectoryLock.acquire(other)).toThrow(/in use by process 1 on elsewhere/)
  })
})
