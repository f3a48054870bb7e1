import { ledgerSuite } from "@agentcost/core/test"
import { fileClient, freshLedger } from "../../test/support.ts"
import * as PgliteStore from "./PgliteStore.ts"

const client = fileClient(() => PgliteStore.sqlLayer({}))

ledgerSuite("PGlite in memory", freshLedger(client, "suite"), { timeout: 60_000 })
ledgerSuite(
  "PGlite in memory, every batch through COPY",
  freshLedger(client, "suite_copy", { copyThreshold: 0 }),
  { timeout: 60_000 },
)
