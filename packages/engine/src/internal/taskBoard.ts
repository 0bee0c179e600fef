/**
 * The task entries of a run's status (CONTRACT 6.3): top-level tasks listed PENDING from
 * the start, nested ones added when they first run, one entry per task path however
 * often it runs (`metadata.runs` counts), values redacted as they are recorded.
 */
import type { Workflow } from "@weft/workflow"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { type Redact, wrap } from "./data.js"

type TaskEntry = WorkflowExecution.TaskEntry
type TaskType = NonNullable<TaskEntry["taskType"]>

const taskTypes: Partial<Record<Workflow.TaskKind, TaskType>> = {
  WORKFLOW_TASK_KIND_HTTP_CALL: "WORKFLOW_TASK_API_CALL",
  WORKFLOW_TASK_KIND_GRPC_CALL: "WORKFLOW_TASK_API_CALL",
  WORKFLOW_TASK_KIND_SWITCH: "WORKFLOW_TASK_CONDITIONAL",
  WORKFLOW_TASK_KIND_FORK: "WORKFLOW_TASK_PARALLEL",
  WORKFLOW_TASK_KIND_SET: "WORKFLOW_TASK_TRANSFORM",
  WORKFLOW_TASK_KIND_LISTEN: "WORKFLOW_TASK_APPROVAL",
  WORKFLOW_TASK_KIND_AGENT_CALL: "WORKFLOW_TASK_AGENT_INVOCATION"
}

/** The `taskType` a kind is reported as. */
export const taskType = (kind: Workflow.TaskKind): TaskType => taskTypes[kind] ?? "WORKFLOW_TASK_CUSTOM"

export class TaskBoard {
  private readonly entries = new Map<string, TaskEntry>()
  private readonly runs = new Map<string, number>()

  constructor(private readonly redact: Redact) {}

  /** Lists a task PENDING (the top-level ones, at start). */
  pending(taskId: string, task: Workflow.WorkflowTask): void {
    this.entries.set(taskId, {
      taskId,
      taskName: task.name,
      taskType: taskType(task.kind),
      status: "WORKFLOW_TASK_PENDING"
    })
  }

  /** The task starts (again): IN_PROGRESS with its input. Answers how many times it has run. */
  start(taskId: string, task: Workflow.WorkflowTask, input: unknown, now: string): number {
    const runs = (this.runs.get(taskId) ?? 0) + 1
    this.runs.set(taskId, runs)
    this.entries.set(taskId, {
      taskId,
      taskName: task.name,
      taskType: taskType(task.kind),
      status: "WORKFLOW_TASK_IN_PROGRESS",
      input: this.redact(wrap(input)),
      startedAt: now,
      ...(runs > 1 ? { metadata: { runs: String(runs) } } : {})
    })
    return runs
  }

  /** Adds to the entry's metadata (a SWITCH's case, a TRY's attempts, a FORK's winner). */
  annotate(taskId: string, metadata: Record<string, string>): void {
    const entry = this.entries.get(taskId)
    if (entry !== undefined) this.entries.set(taskId, { ...entry, metadata: { ...entry.metadata, ...metadata } })
  }

  complete(taskId: string, output: unknown, now: string): void {
    this.end(taskId, { status: "WORKFLOW_TASK_COMPLETED", output: this.redact(wrap(output)), completedAt: now })
  }

  fail(taskId: string, error: string, now: string): void {
    this.end(taskId, { status: "WORKFLOW_TASK_FAILED", error: this.redact(error), completedAt: now })
  }

  /** An interrupted task (a FORK branch that lost, a run that ended): FAILED `cancelled`. */
  cancel(taskId: string, now: string): void {
    if (this.entries.get(taskId)?.status === "WORKFLOW_TASK_IN_PROGRESS") {
      this.end(taskId, { status: "WORKFLOW_TASK_FAILED", error: "cancelled", completedAt: now })
    }
  }

  private end(taskId: string, fields: Partial<TaskEntry>): void {
    const entry = this.entries.get(taskId)
    if (entry !== undefined) this.entries.set(taskId, { ...entry, ...fields })
  }

  /** Every entry, in order: top-level tasks first, nested ones as they first ran. */
  snapshot(): ReadonlyArray<TaskEntry> {
    return Array.from(this.entries.values())
  }

  /** The entries at the end of a run: tasks that never ran are SKIPPED. */
  final(now: string): ReadonlyArray<TaskEntry> {
    for (const taskId of this.entries.keys()) this.cancel(taskId, now)
    return this.snapshot().map((entry) =>
      entry.status === "WORKFLOW_TASK_PENDING" ? { ...entry, status: "WORKFLOW_TASK_SKIPPED" } : entry
    )
  }
}
