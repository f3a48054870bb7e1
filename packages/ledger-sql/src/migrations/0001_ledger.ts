/**
 * The ledger schema (DESIGN.md §5), for PGlite and PostgreSQL alike. Run with
 * `search_path` set to the store's schema, so names are unqualified here.
 *
 * Citus-ready: every large table carries `tenant_key` (the tenant id, '' for
 * none: a distribution column cannot be NULL) and its unique keys include it;
 * `entries` is range-partitioned by month on `occurred_at`, partitions are
 * created on demand by the writer (`entries_YYYY_MM`).
 */
export const migration = {
  id: 1,
  name: "ledger",
  sql: `
CREATE TABLE envelopes (
  seq                 bigint GENERATED ALWAYS AS IDENTITY,
  envelope_id         text NOT NULL PRIMARY KEY,
  tenant_key          text NOT NULL,
  tenant_id           text,
  workflow_type       text,
  parent_id           text,
  status              text NOT NULL
    CHECK (status IN ('open', 'succeeded', 'failed', 'timed_out', 'cancelled')),
  outcome             text CHECK (outcome IN ('succeeded', 'failed', 'unknown')),
  payer_policy        text NOT NULL,
  opened_at           timestamptz NOT NULL,
  finalized_at        timestamptz,
  run_deadline        timestamptz,
  outcome_deadline    timestamptz,
  outcome_at          timestamptz,
  settlement          text NOT NULL
    CHECK (settlement IN ('none', 'awaiting_outcome', 'due', 'settled')),
  settled_at          timestamptz,
  settlement_error    text,
  settlement_attempts integer NOT NULL DEFAULT 0,
  next_settlement_at  timestamptz
);
-- The sweeper's two questions and the pending list, each a small partial index.
CREATE INDEX envelopes_open_deadline ON envelopes (run_deadline) WHERE status = 'open';
CREATE INDEX envelopes_outcome_deadline ON envelopes (outcome_deadline)
  WHERE status <> 'open' AND outcome IS NULL;
CREATE INDEX envelopes_pending ON envelopes (seq)
  WHERE settlement IN ('due', 'awaiting_outcome');

CREATE TABLE signals (
  seq           bigint GENERATED ALWAYS AS IDENTITY,
  tenant_key    text NOT NULL,
  signal_id     text NOT NULL,
  envelope_id   text,
  tenant_id     text,
  observed_at   timestamptz NOT NULL,
  pricing_error text,
  -- The signal as recorded (json: stored as sent, parsed when read).
  body          json NOT NULL,
  UNIQUE (tenant_key, signal_id)
);
CREATE INDEX signals_envelope ON signals (envelope_id, seq);
CREATE INDEX signals_unpriced ON signals (observed_at) WHERE pricing_error IS NOT NULL;

CREATE TABLE entries (
  tenant_key       text NOT NULL,
  key              text NOT NULL,
  account          text NOT NULL,
  -- 'hold' is reserved for budget authorizations.
  kind             text NOT NULL
    CHECK (kind IN ('estimate', 'adjustment', 'outcome_fee', 'allocation', 'reversal', 'hold')),
  amount           numeric NOT NULL,
  currency         text NOT NULL,
  tenant_id        text,
  envelope_id      text,
  signal_id        text,
  workflow_type    text,
  provider         text,
  provider_account text,
  model            text,
  operation_id     text,
  resource_id      text,
  occurred_at      timestamptz NOT NULL,
  recorded_at      timestamptz NOT NULL,
  source_revision  text,
  UNIQUE (tenant_key, key, occurred_at)
) PARTITION BY RANGE (occurred_at);
-- Serves the settlement's questions: an envelope's entries, and a signal's within it.
CREATE INDEX entries_envelope ON entries (envelope_id, signal_id);

CREATE TABLE resources (
  resource_id text NOT NULL PRIMARY KEY,
  kind        text NOT NULL,
  policy      text NOT NULL,
  declared_at timestamptz NOT NULL
);

CREATE TABLE contributions (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  key         text NOT NULL PRIMARY KEY,
  resource_id text NOT NULL,
  tenant_id   text NOT NULL,
  unit        text NOT NULL,
  quantity    numeric NOT NULL,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX contributions_resource ON contributions (resource_id, seq);

-- The claim table: one row per envelope due for settlement, kept in step with
-- envelopes.settlement by the ledger. Workers lease rows with
-- FOR UPDATE SKIP LOCKED; it stays small (only what is due), and on Citus it
-- is a local table on the coordinator.
CREATE TABLE settlement_claims (
  envelope_id text NOT NULL PRIMARY KEY,
  tenant_key  text NOT NULL,
  due_at      timestamptz,
  worker      text,
  lease_until timestamptz
);
CREATE INDEX settlement_claims_due ON settlement_claims (due_at NULLS FIRST, envelope_id);

-- One row per settlement pass over an envelope: its history, for operators.
CREATE TABLE settlement_attempts (
  envelope_id  text NOT NULL,
  attempt      integer NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  settled      boolean NOT NULL,
  error        text,
  PRIMARY KEY (envelope_id, attempt)
);
`,
} as const
