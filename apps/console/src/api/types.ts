/**
 * The JSON the weft API sends and takes (proto3 JSON mapping, as in the HTTP contract).
 * Only the fields the console reads or writes are spelled out.
 */

export type Phase =
  | "EXECUTION_PENDING"
  | "EXECUTION_IN_PROGRESS"
  | "EXECUTION_COMPLETED"
  | "EXECUTION_FAILED"
  | "EXECUTION_CANCELLED"

export const phases: ReadonlyArray<Phase> = [
  "EXECUTION_PENDING",
  "EXECUTION_IN_PROGRESS",
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_CANCELLED"
]

export const isTerminal = (phase: Phase | undefined): boolean =>
  phase === "EXECUTION_COMPLETED" || phase === "EXECUTION_FAILED" || phase === "EXECUTION_CANCELLED"

export type TaskStatus =
  | "WORKFLOW_TASK_PENDING"
  | "WORKFLOW_TASK_IN_PROGRESS"
  | "WORKFLOW_TASK_COMPLETED"
  | "WORKFLOW_TASK_FAILED"
  | "WORKFLOW_TASK_SKIPPED"

export interface Audit {
  readonly createdBy?: { readonly id?: string }
  readonly createdAt?: string
  readonly updatedBy?: { readonly id?: string }
  readonly updatedAt?: string
  readonly event?: string
}

export interface Metadata {
  readonly name: string
  readonly slug: string
  readonly id: string
  readonly org?: string
  readonly ownerScope?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly tags?: ReadonlyArray<string>
  readonly version?: number
}

export interface Resource<Spec, Status> {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: Metadata
  readonly spec: Spec
  readonly status: Status & { readonly audit?: { readonly specAudit?: Audit; readonly statusAudit?: Audit } }
}

export interface TaskEntry {
  readonly taskId?: string
  readonly taskName?: string
  readonly taskType?: string
  readonly input?: unknown
  readonly output?: unknown
  readonly status?: TaskStatus
  readonly startedAt?: string
  readonly completedAt?: string
  readonly error?: string
  readonly metadata?: Readonly<Record<string, string>>
}

export interface ExecutionSpec {
  readonly workflowInstanceId?: string
  readonly workflowId?: string
  readonly triggerMessage?: string
  readonly triggerMetadata?: Readonly<Record<string, string>>
  readonly runtimeEnv?: Readonly<Record<string, { readonly value?: string; readonly isSecret?: boolean }>>
}

export interface ExecutionStatus {
  readonly phase?: Phase
  readonly tasks?: ReadonlyArray<TaskEntry>
  readonly output?: unknown
  readonly error?: string
  readonly startedAt?: string
  readonly completedAt?: string
}

export type Execution = Resource<ExecutionSpec, ExecutionStatus>

/** A task definition of a workflow document; nested lists sit in `taskConfig`. */
export interface TaskDef {
  readonly name: string
  readonly kind: string
  readonly taskConfig?: Readonly<Record<string, unknown>>
  readonly export?: { readonly as?: string }
  readonly flow?: { readonly then?: string }
}

export interface WorkflowSpec {
  readonly description?: string
  readonly document?: {
    readonly dsl?: string
    readonly namespace?: string
    readonly name?: string
    readonly version?: string
    readonly description?: string
  }
  readonly tasks?: ReadonlyArray<TaskDef>
  readonly envSpec?: unknown
}

export type Workflow = Resource<WorkflowSpec, { readonly defaultInstanceId?: string }>

export interface InstanceSpec {
  readonly workflowId: string
  readonly description?: string
  readonly envRefs?: ReadonlyArray<Readonly<Record<string, string>>>
}

export type Instance = Resource<InstanceSpec, Record<never, never>>

export interface EnvironmentValue {
  readonly value?: string
  readonly isSecret?: boolean
  readonly description?: string
}

export interface EnvironmentSpec {
  readonly description?: string
  readonly data?: Readonly<Record<string, EnvironmentValue>>
}

export type Environment = Resource<EnvironmentSpec, Record<never, never>>

export interface Page<A> {
  readonly entries: ReadonlyArray<A>
  readonly nextPageToken?: string
}

/** The contract's error body. */
export interface ApiErrorBody {
  readonly code: string
  readonly message: string
}
