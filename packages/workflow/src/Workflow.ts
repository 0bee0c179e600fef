/**
 * The Workflow kind: a template, a graph of tasks.
 */
import { ProtoEnum, Resource, ResourceKind, ResourceTable } from "@weft/resource"
import { Schema } from "effect"

export const Kind = ResourceKind.Workflow

export const TaskKindNames = [
  "WORKFLOW_TASK_KIND_SET",
  "WORKFLOW_TASK_KIND_HTTP_CALL",
  "WORKFLOW_TASK_KIND_GRPC_CALL",
  "WORKFLOW_TASK_KIND_CALL_ACTIVITY",
  "WORKFLOW_TASK_KIND_SWITCH",
  "WORKFLOW_TASK_KIND_FOR",
  "WORKFLOW_TASK_KIND_FORK",
  "WORKFLOW_TASK_KIND_TRY",
  "WORKFLOW_TASK_KIND_LISTEN",
  "WORKFLOW_TASK_KIND_WAIT",
  "WORKFLOW_TASK_KIND_RAISE",
  "WORKFLOW_TASK_KIND_RUN",
  "WORKFLOW_TASK_KIND_AGENT_CALL"
] as const
/** Task kinds; proto number 0 is UNSPECIFIED, which is refused. */
export const TaskKind = ProtoEnum.make(TaskKindNames, { firstNumber: 1 })
export type TaskKind = typeof TaskKind.Type

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))

export const WorkflowDocument = Schema.Struct({
  dsl: Schema.Literal("1.0.0").annotations({ message: () => "must be \"1.0.0\"" }),
  namespace: NonEmpty,
  name: NonEmpty,
  version: NonEmpty,
  description: Schema.optional(Schema.String)
})

export const WorkflowTask = Schema.Struct({
  name: NonEmpty,
  kind: TaskKind,
  taskConfig: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  export: Schema.optional(Schema.Struct({ as: NonEmpty })),
  flow: Schema.optional(Schema.Struct({ then: Schema.optional(Schema.String) }))
})
export type WorkflowTask = typeof WorkflowTask.Type

export const EnvVariable = Schema.Struct({
  value: Schema.optional(Schema.String),
  isSecret: Schema.optional(Schema.Boolean),
  description: Schema.optional(Schema.String)
})

export const EnvSpec = Schema.Struct({
  description: Schema.optional(Schema.String),
  data: Schema.optional(Schema.Record({ key: Schema.String, value: EnvVariable }))
})

export const WorkflowSpec = Schema.Struct({
  description: Schema.optional(Schema.String),
  document: WorkflowDocument,
  tasks: Schema.Array(WorkflowTask).pipe(Schema.minItems(1, { message: () => "must have at least one task" })),
  envSpec: Schema.optional(EnvSpec)
}).pipe(
  Schema.filter((spec) => {
    const seen = new Set<string>()
    for (const [i, task] of spec.tasks.entries()) {
      if (seen.has(task.name)) {
        return { path: ["tasks", i, "name"], message: `duplicate task name "${task.name}"` }
      }
      seen.add(task.name)
    }
    return undefined
  })
).annotations({ identifier: "WorkflowSpec" })
export type WorkflowSpec = typeof WorkflowSpec.Type

/** A Workflow as the server stores and returns it. */
export const Workflow = Resource.stored("Workflow", WorkflowSpec, {
  /** The instance executions use when they name only the workflow. */
  defaultInstanceId: Schema.optional(Schema.String)
}).annotations({ identifier: "Workflow" })
export type Workflow = typeof Workflow.Type

/** A Workflow as a client sends it. */
export const WorkflowInput = Resource.input("Workflow", WorkflowSpec).annotations({ identifier: "WorkflowInput" })
export type WorkflowInput = typeof WorkflowInput.Type

export const table = ResourceTable.make<Workflow>(Kind)

/** Owner scopes a Workflow may have. */
export const allowedOwnerScopes = ["platform", "organization"] as const
