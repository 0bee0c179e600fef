/**
 * The WorkflowExecution kind: one run of a workflow instance with its inputs, whose
 * status a runner reports while it runs.
 */
import { Metadata, ProtoEnum, Resource, ResourceKind, ResourceTable, SecretValues } from "@weft/resource"
import { Schema } from "effect"

export const Kind = ResourceKind.WorkflowExecution

export const PhaseNames = [
  "EXECUTION_PENDING",
  "EXECUTION_IN_PROGRESS",
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_CANCELLED"
] as const
/** Execution phases; proto number 0 (unspecified) is refused. */
export const ExecutionPhase = ProtoEnum.make(PhaseNames, { firstNumber: 1 })
export type ExecutionPhase = typeof ExecutionPhase.Type

export const terminalPhases: ReadonlySet<ExecutionPhase> = new Set([
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_CANCELLED"
])
export const isTerminal = (phase: ExecutionPhase | undefined): boolean =>
  phase !== undefined && terminalPhases.has(phase)

export const TaskStatusNames = [
  "WORKFLOW_TASK_PENDING",
  "WORKFLOW_TASK_IN_PROGRESS",
  "WORKFLOW_TASK_COMPLETED",
  "WORKFLOW_TASK_FAILED",
  "WORKFLOW_TASK_SKIPPED"
] as const
export const TaskStatus = ProtoEnum.make(TaskStatusNames, { firstNumber: 1 })

export const TaskTypeNames = [
  "WORKFLOW_TASK_AGENT_INVOCATION",
  "WORKFLOW_TASK_APPROVAL",
  "WORKFLOW_TASK_API_CALL",
  "WORKFLOW_TASK_CONDITIONAL",
  "WORKFLOW_TASK_PARALLEL",
  "WORKFLOW_TASK_TRANSFORM",
  "WORKFLOW_TASK_CUSTOM"
] as const
export const TaskType = ProtoEnum.make(TaskTypeNames, { firstNumber: 1 })

/** An RFC 3339 timestamp, e.g. `2026-01-11T14:30:22.000Z`. */
export const Timestamp = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, {
    message: () => "must be an RFC 3339 timestamp"
  }),
  Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "must be a valid date")
)

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const TaskEntry = Schema.Struct({
  taskId: Schema.optional(Schema.String),
  taskName: Schema.optional(Schema.String),
  taskType: Schema.optional(TaskType),
  input: Schema.optional(Schema.Unknown),
  output: Schema.optional(Schema.Unknown),
  status: Schema.optional(TaskStatus),
  startedAt: Schema.optional(Timestamp),
  completedAt: Schema.optional(Timestamp),
  error: Schema.optional(Schema.String),
  metadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}).annotations({ identifier: "WorkflowTaskStatus" })
export type TaskEntry = typeof TaskEntry.Type

/**
 * One value of `spec.runtimeEnv`. A secret's `value` is write-only: it is stored sealed,
 * reads show `isSecret: true` without it, and one sent without a value keeps the stored
 * one. Every other entry needs a value (checked when the request is sealed).
 */
export const RuntimeEnvValue = Schema.Struct({
  value: Schema.optional(Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))),
  isSecret: Schema.optional(Schema.Boolean)
}).annotations({
  identifier: "RuntimeEnvValue",
  description: "A value of `$env` for this run. With `isSecret: true` the `value` is write-only: answers show the " +
    "entry without it, and one sent without it keeps the stored one; every other entry needs a value"
})

/** Base64 as the proto3 JSON mapping writes bytes: standard or URL-safe, padded or not. */
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$|^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/

export const WorkflowExecutionSpec = Schema.Struct({
  workflowInstanceId: Schema.optional(Schema.String),
  workflowId: Schema.optional(Schema.String),
  triggerMessage: Schema.optional(Schema.String),
  triggerMetadata: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  runtimeEnv: Schema.optional(Schema.Record({ key: Schema.String, value: RuntimeEnvValue })),
  callbackToken: Schema.optional(
    Schema.String.pipe(Schema.pattern(base64, { message: () => "must be base64 (standard or URL-safe)" }))
  )
}).annotations({ identifier: "WorkflowExecutionSpec" })
export type WorkflowExecutionSpec = typeof WorkflowExecutionSpec.Type

/** The status fields a runner reports; every one optional. */
export const StatusFields = {
  phase: Schema.optional(ExecutionPhase),
  tasks: Schema.optional(Schema.Array(TaskEntry)),
  output: Schema.optional(JsonObject),
  error: Schema.optional(Schema.String),
  startedAt: Schema.optional(Timestamp),
  completedAt: Schema.optional(Timestamp),
  temporalWorkflowId: Schema.optional(Schema.String)
}

/**
 * A WorkflowExecution as the server answers it (secrets of `runtimeEnv` without their
 * values), and as it stores it (each secret's value sealed instead, see `SecretValues`).
 */
export const WorkflowExecution = Resource.stored("WorkflowExecution", WorkflowExecutionSpec, StatusFields)
  .annotations({ identifier: "WorkflowExecution" })
export type WorkflowExecution = typeof WorkflowExecution.Type
export type WorkflowExecutionStatus = WorkflowExecution["status"]

export const WorkflowExecutionInput = Resource.input("WorkflowExecution", WorkflowExecutionSpec)
  .annotations({ identifier: "WorkflowExecutionInput" })
export type WorkflowExecutionInput = typeof WorkflowExecutionInput.Type

/**
 * The body of a status update: a partial status. `audit` is accepted and ignored;
 * other keys (`spec`, `metadata`) are ignored, since nothing but status changes here.
 */
export const StatusUpdate = Schema.Struct({
  ...StatusFields,
  audit: Schema.optional(Schema.Unknown)
}).pipe(Resource.body).annotations({ identifier: "WorkflowExecutionStatusUpdate" })
export type StatusUpdate = typeof StatusUpdate.Type

/**
 * When an execution in a terminal phase ended, in UTC as weft writes times: its
 * `completedAt` (a runner may report it with an offset), else its last update.
 * Undefined while it runs. Retention deletes by it.
 */
export const endedAt = (execution: WorkflowExecution): string | undefined => {
  if (!isTerminal(execution.status.phase)) return undefined
  const { completedAt } = execution.status
  return completedAt !== undefined ? Metadata.timestamp(Date.parse(completedAt)) : Metadata.lastUpdate(execution.status.audit)
}

export const table = ResourceTable.make<WorkflowExecution>(Kind, {
  workflow_instance_id: (e) => e.spec.workflowInstanceId,
  workflow_id: (e) => e.spec.workflowId,
  phase: (e) => e.status.phase,
  ended_at: endedAt
}, { labels: true })

/** Owner scopes an execution may have. */
export const allowedOwnerScopes = ["organization", "identity_account"] as const

/** The answered form of a stored execution: the secrets of `spec.runtimeEnv` masked. */
export const present = (stored: WorkflowExecution): WorkflowExecution =>
  stored.spec.runtimeEnv === undefined
    ? stored
    : { ...stored, spec: { ...stored.spec, runtimeEnv: SecretValues.mask(stored.spec.runtimeEnv) } }
