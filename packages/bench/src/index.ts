/**
 * `pnpm bench`: every cross-package benchmark, each against a baseline
 * measured in the same run.
 */
import * as AdaptersBench from "./AdaptersBench.ts"
import { environment } from "./Report.ts"

console.log(environment())
console.log(AdaptersBench.run())
