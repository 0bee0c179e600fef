/**
 * The status update rules: the transition table and the merge of a partial status.
 */
import { FailedPrecondition, InvalidArgument, Metadata } from "@weft/resource"
import { Effect } from "effect"
import {
  type ExecutionPhase,
  isTerminal,
  type StatusUpdate,
  type WorkflowExecution,
  type WorkflowExecutionStatus
} from "../WorkflowExecution.js"

const allowed: Record<ExecutionPhase, ReadonlyArray<ExecutionPhase>> = {
  EXECUTION_PENDING: ["EXECUTION_IN_PROGRESS", "EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"],
  EXECUTION_IN_PROGRESS: ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"],
  EXECUTION_COMPLETED: [],
  EXECUTION_FAILED: [],
  EXECUTION_CANCELLED: []
}

/** Whether `from → to` is legal; the same phase again always is. */
export const canTransition = (from: ExecutionPhase, to: ExecutionPhase): boolean =>
  from === to || allowed[from].includes(to)

const updatableKeys = ["phase", "tasks", "output", "error", "startedAt", "completedAt", "temporalWorkflowId"] as const

/**
 * Merges a partial status into the execution: absent fields keep their value, `tasks`
 * replaces the array (with the task times of `stampTasks`), the server sets `startedAt`
 * when the phase first becomes IN_PROGRESS and `completedAt` when it becomes terminal
 * (unless the body gives them), the status audit is bumped and the version grows by one.
 */
export const merge = (
  execution: WorkflowExecution,
  update: StatusUpdate,
  now: string,
  actor: typeof Metadata.Actor.Type = Metadata.SystemActor
): Effect.Effect<WorkflowExecution, InvalidArgument | FailedPrecondition> => {
  if (!updatableKeys.some((key) => update[key] !== undefined)) {
    return Effect.fail(
      new InvalidArgument({ message: `body: give at least one of ${updatableKeys.join(", ")}` })
    )
  }
  const current = execution.status
  const from = current.phase ?? "EXECUTION_PENDING"
  const to = update.phase ?? from
  if (!canTransition(from, to)) {
    return Effect.fail(
      new FailedPrecondition({
        message: isTerminal(from)
          ? `WorkflowExecution ${execution.metadata.id} is ${from}, a terminal phase: it cannot become ${to}`
          : `WorkflowExecution ${execution.metadata.id} cannot go from ${from} to ${to}`
      })
    )
  }
  const status: Record<string, unknown> = { ...current }
  for (const key of updatableKeys) {
    if (update[key] !== undefined) status[key] = update[key]
  }
  if (update.tasks !== undefined) status.tasks = stampTasks(update.tasks, current.tasks ?? [], now)
  if (to === "EXECUTION_IN_PROGRESS" && current.startedAt === undefined && update.startedAt === undefined) {
    status.startedAt = now
  }
  if (isTerminal(to) && !isTerminal(from) && update.completedAt === undefined) {
    status.completedAt = now
  }
  status.audit = Metadata.auditStatusUpdated(current.audit, now, actor)
  return Effect.succeed({
    ...execution,
    metadata: { ...execution.metadata, version: execution.metadata.version + 1 },
    status: status as WorkflowExecutionStatus
  })
}

type TaskEntry = NonNullable<StatusUpdate["tasks"]>[number]

const endStates: ReadonlySet<string> = new Set([
  "WORKFLOW_TASK_COMPLETED",
  "WORKFLOW_TASK_FAILED",
  "WORKFLOW_TASK_SKIPPED"
])

/** The stored entry a reported one updates: the same `taskId`, else the same `taskName`. */
const storedEntry = (stored: ReadonlyArray<TaskEntry>) => {
  const byId = new Map<string, TaskEntry>()
  const byName = new Map<string, TaskEntry>()
  for (const task of stored) {
    if (task.taskId !== undefined && !byId.has(task.taskId)) byId.set(task.taskId, task)
    if (task.taskName !== undefined && !byName.has(task.taskName)) byName.set(task.taskName, task)
  }
  return (task: TaskEntry): TaskEntry | undefined =>
    task.taskId !== undefined ? byId.get(task.taskId) : task.taskName !== undefined ? byName.get(task.taskName) : undefined
}

/**
 * The times of the reported task entries: a time the body gives is kept; otherwise a task
 * that is IN_PROGRESS or in an end state keeps the `startedAt` its stored entry had, and
 * one in an end state the stored `completedAt`; failing that, the server sets `startedAt`
 * of a task that is IN_PROGRESS and `completedAt` of one that is COMPLETED, FAILED or
 * SKIPPED to `now`. (`tasks` replaces the whole list, so without this a runner reporting
 * `{taskId, status}` would erase the times.)
 */
export const stampTasks = (
  tasks: ReadonlyArray<TaskEntry>,
  stored: ReadonlyArray<TaskEntry>,
  now: string
): ReadonlyArray<TaskEntry> => {
  const previous = storedEntry(stored)
  return tasks.map((task) => {
    const running = task.status === "WORKFLOW_TASK_IN_PROGRESS"
    const ended = task.status !== undefined && endStates.has(task.status)
    if (!running && !ended) return task
    const before = previous(task)
    const startedAt = task.startedAt ?? before?.startedAt ?? (running ? now : undefined)
    const completedAt = ended ? task.completedAt ?? before?.completedAt ?? now : task.completedAt
    return startedAt === task.startedAt && completedAt === task.completedAt
      ? task
      : {
        ...task,
        ...(startedAt === undefined ? {} : { startedAt }),
        ...(completedAt === undefined ? {} : { completedAt })
      }
  })
}

/** The error a task cut off by a cancel ends with (`"<type>: <detail>"`). */
export const cancelledTaskError = "cancelled"

/**
 * The status update that cancels a run: phase CANCELLED, tasks still running end
 * FAILED (`cancelled`), tasks that never started end SKIPPED.
 */
export const cancelled = (status: WorkflowExecutionStatus, now: string): StatusUpdate => ({
  phase: "EXECUTION_CANCELLED",
  ...(status.tasks === undefined ? {} : {
    tasks: status.tasks.map((task) =>
      task.status === "WORKFLOW_TASK_IN_PROGRESS"
        ? { ...task, status: "WORKFLOW_TASK_FAILED" as const, error: cancelledTaskError, completedAt: now }
        : task.status === "WORKFLOW_TASK_PENDING" || task.status === undefined
        ? { ...task, status: "WORKFLOW_TASK_SKIPPED" as const }
        : task
    )
  })
})
