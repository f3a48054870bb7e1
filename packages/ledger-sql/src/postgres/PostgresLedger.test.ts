import { ledgerSuite } from "@agentcost/core/test"
import { describePostgres, fileClient, freshLedger, schemaFor } from "../../test/support.ts"
import * as PostgresStore from "./PostgresStore.ts"

const schema = schemaFor("PostgresLedger")

describePostgres("PostgreSQL (AGENTCOST_TEST_PG_URL)", (url) => {
  const client = fileClient(() => PostgresStore.sqlLayer({ url: url }), { dropSchema: schema })
  ledgerSuite("PostgreSQL", freshLedger(client, schema), { timeout: 60_000 })
  ledgerSuite(
    "PostgreSQL, every batch through COPY",
    freshLedger(client, schema, { copyThreshold: 0 }),
    { timeout: 60_000 },
  )
})
