/**
 * Store URLs (DESIGN.md §5): `pglite:DIR` (embedded, a directory on disk),
 * `pglite:memory`, `postgres://…` or `postgresql://…` with an optional
 * `?schema=name` (default `agentcost`).
 */
import { Ledger as L } from "@agentcost/core"
import { displayUrl } from "./postgres/PostgresStore.ts"

export type StoreUrl =
  | { readonly driver: "pglite"; readonly dir: string | undefined }
  | { readonly driver: "postgres"; readonly url: string; readonly schema: string | undefined }

export const parse = (url: string): StoreUrl => {
  if (url.startsWith("pglite:")) {
    const dir = url.slice("pglite:".length)
    if (dir === "") {
      throw new L.LedgerError({
        operation: "open",
        reason: `store "${url}" names no directory: use pglite:./DIR or pglite:memory`,
      })
    }
    return { driver: "pglite", dir: dir === "memory" ? undefined : dir }
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    const parsed = new URL(url)
    const schema = parsed.searchParams.get("schema") ?? undefined
    parsed.searchParams.delete("schema")
    return { driver: "postgres", url: parsed.toString(), schema }
  }
  throw new L.LedgerError({
    operation: "open",
    reason: `store "${displayUrl(url)}" is not a SQL store URL: use pglite:./DIR, pglite:memory or postgres://USER@HOST:5432/DB`,
  })
}
