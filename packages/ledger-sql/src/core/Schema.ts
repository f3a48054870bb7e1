/**
 * Where a store's tables live: every statement names its tables through
 * here, qualified with the store's PostgreSQL schema (default `agentcost`),
 * so several stores (or test files) can share one database.
 */
import { Schema as S } from "effect"

export const DEFAULT_SCHEMA = "agentcost"

const NAME = /^[a-z_][a-z0-9_]{0,62}$/

export class InvalidSchemaName extends S.TaggedError<InvalidSchemaName>()("InvalidSchemaName", {
  schema: S.String,
}) {
  override get message() {
    return `schema "${this.schema}" must be a lower-case SQL identifier (letters, digits, _; at most 63)`
  }
}

export interface Tables {
  readonly schema: string
  readonly envelopes: string
  readonly signals: string
  readonly entries: string
  readonly resources: string
  readonly contributions: string
  readonly claims: string
  readonly attempts: string
  readonly migrations: string
  /** The monthly partition of `entries` holding `YYYY-MM`. */
  readonly partition: (month: string) => string
}

export const tables = (schema: string = DEFAULT_SCHEMA): Tables => {
  if (!NAME.test(schema)) throw new InvalidSchemaName({ schema })
  const q = (name: string) => `"${schema}"."${name}"`
  return {
    schema,
    envelopes: q("envelopes"),
    signals: q("signals"),
    entries: q("entries"),
    resources: q("resources"),
    contributions: q("contributions"),
    claims: q("settlement_claims"),
    attempts: q("settlement_attempts"),
    migrations: q("schema_migrations"),
    partition: (month) => q(`entries_${month.replace("-", "_")}`),
  }
}
