/**
 * Where a created execution is handed to be run. The default does nothing: a runner
 * (a Temporal worker, a queue, a script) plugs in its own Layer and reports progress
 * through status updates.
 */
import type { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import type { WorkflowExecution } from "./WorkflowExecution.js"

export interface ExecutionRunnerShape {
  /**
   * Called once the create transaction has committed, with the execution as stored
   * (PENDING): it is readable by the time `start` runs. Called once per created
   * execution, also when the caller gave up waiting after the commit. If `start` dies,
   * the failure is logged and the create still succeeds: the execution stays stored,
   * PENDING, for the runner to pick up later. Keep it short (enqueue, don't run): the
   * create's answer waits for it. Inside a transaction the caller opened itself, it is
   * called when weft's own part of that transaction is done, before the caller commits.
   */
  readonly start: (execution: WorkflowExecution) => Effect.Effect<void>
  /**
   * Called after a cancel committed the execution's CANCELLED status: stop running it.
   * Whatever the run reports afterwards is refused (the phase is terminal). A runner
   * without it only sees the status change.
   */
  readonly cancel?: (execution: WorkflowExecution) => Effect.Effect<void>
  /**
   * Called after a signal for the execution was stored (`POST …/signals`): a LISTEN
   * waiting for it may take it now. The signal stays stored until one does, so a runner
   * without it finds it when it next looks.
   */
  readonly signalled?: (execution: WorkflowExecution) => Effect.Effect<void>
  /**
   * Called when retention deletes ended executions, in the transaction that deletes
   * them (with the caller's SqlClient): drop what the runner still keeps of their runs,
   * so that it goes with them or not at all.
   */
  readonly forget?: (executions: ReadonlyArray<WorkflowExecution>) => Effect.Effect<void, never, SqlClient.SqlClient>
}

export class ExecutionRunner extends Context.Tag("@weft/workflowexecution/ExecutionRunner")<
  ExecutionRunner,
  ExecutionRunnerShape
>() {}

/** No runner configured: executions stay PENDING until something reports on them. */
export const layerNoop = Layer.succeed(
  ExecutionRunner,
  ExecutionRunner.of({ start: () => Effect.void, cancel: () => Effect.void })
)
