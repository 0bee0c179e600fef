/**
 * `weft watch EXECUTION`: follows an execution until it ends. Exit code 0 when it
 * COMPLETED, 1 when it FAILED, was CANCELLED or deleted.
 */
import { Args, Command } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Kind from "../Kind.js"
import { connection, org, withClient } from "../Shared.js"
import * as WatchView from "../WatchView.js"

export const watch = Command.make(
  "watch",
  {
    ...connection,
    org,
    execution: Args.text({ name: "EXECUTION" }).pipe(Args.withDescription("Execution id or slug"))
  },
  (options) =>
    Effect.gen(function*() {
      const execution = yield* Kind.findExecution(options.execution, Option.getOrUndefined(options.org))
      yield* WatchView.watch(execution)
    }).pipe((effect) => withClient(options, effect))
).pipe(
  Command.withDescription(
    "Follow an execution live (phase, tasks, elapsed time) until it ends; exit code 0 for COMPLETED, 1 otherwise"
  )
)
