/**
 * The one set of migrations both stores run, in order. Append a new file for
 * every schema change; never edit one that has shipped.
 */
import { migration as ledger } from "./0001_ledger.ts"

export interface Migration {
  readonly id: number
  readonly name: string
  readonly sql: string
}

export const migrations: ReadonlyArray<Migration> = [ledger]

/**
 * A migration's statements, one by one (the extended protocol runs one
 * statement at a time). Statements end with ";" at the end of a line.
 */
export const statements = (migration: Migration): ReadonlyArray<string> =>
  migration.sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, "").trim())
    .filter((statement) => statement.length > 0)

export const latest: number = migrations[migrations.length - 1]!.id
