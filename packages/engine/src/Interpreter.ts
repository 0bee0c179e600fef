/**
 * The task-graph interpreter: runs a workflow document (CONTRACT 6) over a seam of
 * effects. It is pure over (plan, journaled results): every effect that must not run
 * twice goes through `TaskEffects`, which the durable runtime journals, so a replay after
 * a crash recomputes pure tasks and reads effectful results back from the journal.
 */
import type { Workflow } from "@weft/workflow"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Data, type Effect } from "effect"
import type { TaskError } from "./TaskError.js"

type WorkflowTask = Workflow.WorkflowTask
type TaskEntry = WorkflowExecution.TaskEntry

/** Everything a run needs, pinned at its start (JSON-serialisable). */
export interface RunPlan {
  readonly execution: { readonly id: string; readonly name: string; readonly slug: string; readonly org?: string }
  /** `$workflow.definition`. */
  readonly workflow: { readonly id: string; readonly name: string; readonly slug: string }
  /** The workflow's `spec.tasks` as at start. */
  readonly tasks: ReadonlyArray<WorkflowTask>
  /** `$input` (6.1). */
  readonly input: Record<string, unknown>
  /** `$env`, resolved. */
  readonly env: Record<string, string>
  /** Secret values to redact in status. */
  readonly secrets: ReadonlyArray<string>
  readonly maxSteps: number
}

/** Implemented durably by "runtime", in memory by tests. */
export interface TaskEffects {
  /** Runs `run` at most once to completion per key for this run; on replay returns the journaled result or error. */
  readonly activity: <A>(key: string, run: Effect.Effect<A, TaskError>) => Effect.Effect<A, TaskError>
  /** A durable timer under key. */
  readonly sleep: (key: string, millis: number) => Effect.Effect<void>
}

/** A partial status update, as the status path (CONTRACT 4.2) takes it. */
export interface StatusPatch {
  readonly phase?: WorkflowExecution.ExecutionPhase
  /** The whole array of task entries. */
  readonly tasks?: ReadonlyArray<TaskEntry>
  readonly output?: Record<string, unknown>
  readonly error?: string
}

/** "runtime" writes these through WorkflowExecutions.updateStatus. */
export interface StatusReporter {
  /** The run's current status as a partial status update (phase, tasks (whole array), output, error).
      `durable: true` means the caller waits until it is committed (used before a task that waits). */
  readonly report: (patch: StatusPatch, options: { readonly durable: boolean }) => Effect.Effect<void>
}

/**
 * How a run ended. The interpreter has already reported the terminal patch (durably)
 * when it returns this. Cancellation is interruption of `run`; see `cancelledPatch`.
 */
export type RunOutcome = Data.TaggedEnum<{
  Completed: { readonly output: Record<string, unknown> }
  Failed: { readonly error: TaskError; readonly message: string }
}>
export const RunOutcome = Data.taggedEnum<RunOutcome>()

/**
 * The patch that ends a cancelled run, given the last reported tasks: tasks in progress
 * end FAILED with error `cancelled`, pending ones SKIPPED, phase `EXECUTION_CANCELLED`.
 * `now` is an RFC 3339 timestamp (the cancel's time).
 */
export const cancelledPatch = (tasks: ReadonlyArray<TaskEntry>, now: string): StatusPatch => ({
  phase: "EXECUTION_CANCELLED",
  tasks: tasks.map((entry) => {
    switch (entry.status) {
      case "WORKFLOW_TASK_IN_PROGRESS":
        return { ...entry, status: "WORKFLOW_TASK_FAILED", error: "cancelled", completedAt: now }
      case "WORKFLOW_TASK_PENDING":
        return { ...entry, status: "WORKFLOW_TASK_SKIPPED" }
      default:
        return entry
    }
  })
})
