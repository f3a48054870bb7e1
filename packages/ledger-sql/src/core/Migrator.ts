/**
 * Applies the migrations a store lacks, in one transaction under an advisory
 * lock, so several processes opening a new store at once migrate it once.
 * A store migrated by a newer agentcost is refused rather than misread.
 */
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { latest, migrations, statements } from "../migrations/index.ts"
import type { Tables } from "./Schema.ts"

export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  schema: Schema.String,
  version: Schema.Number,
  known: Schema.Number,
}) {
  override get message() {
    return `the store's schema "${this.schema}" is at version ${this.version}, newer than this @agentcost/ledger-sql knows (${this.known}); upgrade agentcost`
  }
}

export interface MigrationResult {
  readonly schema: string
  /** Migrations applied by this call, by name (`0001_ledger`). */
  readonly applied: ReadonlyArray<string>
  readonly version: number
}

const label = (m: { readonly id: number; readonly name: string }) =>
  `${String(m.id).padStart(4, "0")}_${m.name}`

export const migrate = (
  t: Tables,
): Effect.Effect<MigrationResult, SqlError | SchemaTooNew, SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SELECT pg_advisory_xact_lock(hashtext(${`agentcost.migrate:${t.schema}`}))`
        yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`)
        yield* sql.unsafe(
          `CREATE TABLE IF NOT EXISTS ${t.migrations} (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
        )
        const rows = yield* sql.unsafe<{ id: number }>(`SELECT id FROM ${t.migrations}`)
        const done = new Set(rows.map((r) => r.id))
        const version = Math.max(0, ...done)
        if (version > latest) {
          return yield* new SchemaTooNew({ schema: t.schema, version, known: latest })
        }
        const applied: Array<string> = []
        for (const migration of migrations) {
          if (done.has(migration.id)) continue
          yield* sql.unsafe(`SET LOCAL search_path TO "${t.schema}"`)
          for (const statement of statements(migration)) yield* sql.unsafe(statement)
          yield* sql.unsafe(`INSERT INTO ${t.migrations} (id, name) VALUES ($1, $2)`, [
            migration.id,
            migration.name,
          ])
          applied.push(label(migration))
        }
        return { schema: t.schema, applied, version: Math.max(version, latest) }
      }),
    )
  })
