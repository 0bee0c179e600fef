/**
 * `weft cancel EXECUTION`: stops a run (`POST /v1/workflow-executions/:id/cancel`).
 * Running tasks end FAILED, pending ones SKIPPED; an execution already finished is
 * refused with FAILED_PRECONDITION.
 */
import { Args, Command } from "@effect/cli"
import { WeftClient } from "@weft/client"
import { Effect, Option } from "effect"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import * as Output from "../Output.js"
import { connection, org, withClient } from "../Shared.js"

export const cancel = Command.make(
  "cancel",
  {
    ...connection,
    org,
    execution: Args.text({ name: "EXECUTION" }).pipe(Args.withDescription("Execution id or slug"))
  },
  (options) =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const execution = yield* Kind.findExecution(options.execution, Option.getOrUndefined(options.org))
      const cancelled = yield* weft.workflowExecutions.cancel({ path: { id: execution.metadata.id } })
      yield* Stdio.out(`${Kind.label(cancelled)} ${Output.short(cancelled.status.phase)}`)
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Cancel a run: running tasks end FAILED, pending ones SKIPPED"))
