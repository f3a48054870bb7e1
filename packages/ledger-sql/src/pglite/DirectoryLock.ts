/**
 * PGlite is one PostgreSQL backend inside one process: two processes on one
 * data directory would corrupt it. The store holds an exclusive lock file with
 * the owner's pid while open; a second process is refused with a clear error,
 * and a lock left by a process that died (SIGKILL, power loss) is taken over.
 */
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs"
import { hostname } from "node:os"
import { Schema } from "effect"

export class StoreLocked extends Schema.TaggedError<StoreLocked>()("StoreLocked", {
  dir: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
}) {
  override get message() {
    return `pglite store ${this.dir} is in use by process ${this.pid} on ${this.host}: PGlite allows one process per data directory. Stop that process, or use PostgreSQL (--store postgres://...) for several processes`
  }
}

interface Owner {
  readonly pid: number
  readonly host: string
  readonly token: string
}

/** Directories this process holds (PGlite cannot open one directory twice either). */
const held = new Set<string>()

const readOwner = (path: string): Owner | undefined => {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Owner
    return typeof owner.pid === "number" ? owner : undefined
  } catch {
    return undefined
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** A lock whose owner is gone: another host's lock is never judged from here. */
const stale = (owner: Owner | undefined): boolean =>
  owner === undefined ||
  (owner.host === hostname() && (owner.pid === process.pid || !alive(owner.pid)))

export interface Lock {
  readonly release: () => void
}

/**
 * Takes `dir`'s lock (`<dir>/agentcost.lock`) or throws `StoreLocked`. The
 * lock file appears atomically (a hard link of a complete file), so a reader
 * never sees it half written.
 */
export const acquire = (dir: string): Lock => {
  const path = `${dir}/agentcost.lock`
  if (held.has(path)) throw new StoreLocked({ dir, pid: process.pid, host: hostname() })
  const token = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`
  const mine: Owner = { pid: process.pid, host: hostname(), token }
  const draft = `${path}.${token}`
  const fd = openSync(draft, "wx")
  writeSync(fd, JSON.stringify(mine))
  closeSync(fd)
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(draft, path)
        break
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      }
      const owner = readOwner(path)
      if (!stale(owner) || tries >= 5) {
        throw new StoreLocked({
          dir,
          pid: owner?.pid ?? -1,
          host: owner?.host ?? "an unknown host",
        })
      }
      // Move the stale lock aside, then check it is the one judged stale:
      // another process may have replaced it in between.
      const aside = `${path}.stale.${token}`
      try {
        renameSync(path, aside)
      } catch {
        continue
      }
      const moved = readOwner(aside)
      if (moved?.token !== owner?.token) {
        try {
          linkSync(aside, path)
        } catch {
          // Someone holds the lock by now; theirs stands.
        }
      }
      unlinkSync(aside)
    }
  } finally {
    unlinkSync(draft)
  }
  held.add(path)
  return {
    release: () => {
      held.delete(path)
      if (readOwner(path)?.token === token) unlinkSync(path)
    },
  }
}
