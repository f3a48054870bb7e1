import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ledgerSuite } from "@agentcost/core/test"
import { fileClient, freshLedger } from "../../test/support.ts"
import * as PgliteStore from "./PgliteStore.ts"

const dir = join(mkdtempSync(join(tmpdir(), "agentcost-pglite-")), "store")
const client = fileClient(() => PgliteStore.sqlLayer({ dir }))

ledgerSuite("PGlite in a directory", freshLedger(client, "suite"), { timeout: 60_000 })
