/**
 * The Workflow kind: a template, a graph of tasks.
 */
import { Resource, ResourceKind, ResourceTable, SecretValues } from "@weft/resource"
import { Schema } from "effect"
import { validateTasks, WorkflowTask } from "./TaskConfig.js"

export const Kind = ResourceKind.Workflow

export { TaskKind, TaskKindNames, WorkflowTask } from "./TaskConfig.js"

const NonEmpty = Schema.String.pipe(Schema.minLength(1, { message: () => "must not be empty" }))

export const WorkflowDocument = Schema.Struct({
  dsl: Schema.Literal("1.0.0").annotations({ message: () => "must be \"1.0.0\"" }),
  namespace: NonEmpty,
  name: NonEmpty,
  version: NonEmpty,
  description: Schema.optional(Schema.String)
})

/**
 * One value of `envSpec.data`. A secret's `value` is write-only: it is stored sealed, and
 * reads show `isSecret: true` without it.
 */
export const EnvVariable = Schema.Struct({
  value: Schema.optional(Schema.String),
  isSecret: Schema.optional(Schema.Boolean),
  description: Schema.optional(Schema.String)
}).annotations({
  identifier: "EnvVariable",
  description: "A value of `$env`. With `isSecret: true` the `value` is write-only: answers show the entry without it"
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
  // Every task config against its kind, at every depth; names and `then`s per list.
  Schema.filter((spec) => validateTasks(spec.tasks, ["tasks"]))
).annotations({ identifier: "WorkflowSpec" })
export type WorkflowSpec = typeof WorkflowSpec.Type

/**
 * A Workflow as the server answers it (secrets of `envSpec.data` without their values),
 * and as it stores it (each secret's value sealed instead, see `SecretValues`).
 */
export const Workflow = Resource.stored("Workflow", WorkflowSpec, {
  /** The instance executions use when they name only the workflow. */
  defaultInstanceId: Schema.optional(Schema.String)
}).annotations({ identifier: "Workflow" })
export type Workflow = typeof Workflow.Type

/** A Workflow as a client sends it. */
export const WorkflowInput = Resource.input("Workflow", WorkflowSpec).annotations({ identifier: "WorkflowInput" })
export type WorkflowInput = typeof WorkflowInput.Type

export const table = ResourceTable.make<Workflow>(Kind, {}, { labels: true })

/** Owner scopes a Workflow may have. */
export const allowedOwnerScopes = ["platform", "organization"] as const

/** The answered form of a stored workflow: the secrets of `envSpec.data` masked. */
export const present = (stored: Workflow): Workflow =>
  stored.spec.envSpec?.data === undefined
    ? stored
    : { ...stored, spec: { ...stored.spec, envSpec: { ...stored.spec.envSpec, data: SecretValues.mask(stored.spec.envSpec.data) } } }
