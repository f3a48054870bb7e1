import { ledgerSuite } from "@agentcost/core/test"
import { describe } from "vitest"
import { fileClient, freshLedger, pgUrl, schemaFor } from "../../test/support.ts"
import * as PostgresStore from "./PostgresStore.ts"

const schema = schemaFor("PostgresLedger")

describe.runIf(pgUrl)("PostgreSQL (AGENTCOST_TEST_PG_URL)", () => {
  const client = fileClient(() => PostgresStore.sqlLayer({ url: pgUrl! }), { dropSchema: schema })
  ledgerSuite("PostgreSQL", freshLedger(client, schema), { timeout: 60_000 })
  ledgerSuite(
    "PostgreSQL, every batch through COPY",
    freshLedger(client, schema, { copyThreshold: 0 }),
    { timeout: 60_000 },
  )
})
