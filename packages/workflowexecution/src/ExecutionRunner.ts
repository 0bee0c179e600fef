/**
 * Where a created execution is handed to be run. The default does nothing: a runner
 * (a Temporal worker, a queue, a script) plugs in its own Layer and reports progress
 * through status updates.
 */
import { Context, Effect, Layer } from "effect"
import type { WorkflowExecution } from "./WorkflowExecution.js"

export interface ExecutionRunnerShape {
  /** Called in the create transaction, after the execution is persisted. */
  readonly start: (execution: WorkflowExecution) => Effect.Effect<void>
  /**
   * Called after a cancel committed the execution's CANCELLED status: stop running it.
   * Whatever the run reports afterwards is refused (the phase is terminal). A runner
   * without it only sees the status change.
   */
  readonly cancel?: (execution: WorkflowExecution) => Effect.Effect<void>
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
