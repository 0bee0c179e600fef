/**
 * The `ExecutionRunner` the app plugs into `WorkflowExecutions` when weft runs its own
 * executions. `start`, `cancel` and `signalled` only queue the execution id: the engine, built over
 * `WorkflowExecutions` (which needs a runner first), takes from the queue; `forget`
 * deletes the journals of runs whose executions retention deletes. Nothing is
 * lost by queueing in memory: a run the engine had not yet started when the process
 * stopped is PENDING (or IN_PROGRESS), and is resumed at the next start.
 */
import { ExecutionRunner } from "@weft/workflowexecution"
import { Context, Effect, Layer, Queue } from "effect"
import * as Children from "./internal/durableChildren.js"
import * as Journal from "./internal/durableJournal.js"
import { RunWorkflow } from "./internal/durableWorkflow.js"

export type RunCommand =
  /** Run it; a child run (RUN) names its parent, checked before it starts. */
  | { readonly _tag: "Start"; readonly executionId: string; readonly parentId?: string | undefined }
  | { readonly _tag: "Cancel"; readonly executionId: string }
  /** A signal for the execution was stored: wake its LISTEN. */
  | { readonly _tag: "Signal"; readonly executionId: string }
  /** The execution, a child run, ended or was deleted: wake the RUN waiting for it. */
  | { readonly _tag: "ChildEnded"; readonly executionId: string }

/** Where the runner leaves the commands for the engine. */
export class RunCommands extends Context.Tag("@weft/engine/RunCommands")<RunCommands, Queue.Queue<RunCommand>>() {}

export const RunCommandsLive = Layer.effect(RunCommands, Queue.unbounded<RunCommand>())

/** `ExecutionRunner` over the engine's command queue (and the queue itself, for `Engine.layer`). */
export const layer: Layer.Layer<ExecutionRunner.ExecutionRunner | RunCommands> = Layer.effect(
  ExecutionRunner.ExecutionRunner,
  Effect.map(RunCommands, (commands) =>
    ExecutionRunner.ExecutionRunner.of({
      start: (execution) =>
        Queue.offer(commands, {
          _tag: "Start",
          executionId: execution.metadata.id,
          parentId: Children.parentOf(execution)
        }),
      cancel: (execution) => Queue.offer(commands, { _tag: "Cancel", executionId: execution.metadata.id }),
      signalled: (execution) => Queue.offer(commands, { _tag: "Signal", executionId: execution.metadata.id }),
      // A journal the collector did not get to (it gave up waiting, or the process stopped first).
      forget: (executions) =>
        Effect.forEach(executions, (execution) => RunWorkflow.executionId({ executionId: execution.metadata.id })).pipe(
          Effect.flatMap(Journal.remove)
        )
    }))
).pipe(Layer.provideMerge(RunCommandsLive))
