import * as MemoryLedger from "./MemoryLedger.ts"
import { ledgerSuite } from "./testing/LedgerSuite.ts"

ledgerSuite("MemoryLedger", () => MemoryLedger.layer())
