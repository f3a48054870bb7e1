#!/usr/bin/env node
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { main } from "./index.ts"

main(process.argv.slice(2)).pipe(
  // Set, not `process.exit`: the process ends once stdout has drained.
  Effect.flatMap((code) =>
    Effect.sync(() => {
      process.exitCode = code
    }),
  ),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain,
)
