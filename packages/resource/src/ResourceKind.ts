/**
 * The kind registry: what the API calls each kind, the prefix of its ids and the table
 * its documents live in.
 */
export const ApiVersion = "agentic.stigmer.ai/v1" as const

export interface ResourceKind<K extends string = string> {
  /** The `kind` field of the resource, also its display name in messages. */
  readonly kind: K
  /** Prefix of server-generated ids: `<prefix>-<ulid>`. */
  readonly idPrefix: string
  /** The SQL table that stores this kind. */
  readonly table: string
}

export const Workflow: ResourceKind<"Workflow"> = { kind: "Workflow", idPrefix: "wfl", table: "workflows" }
export const WorkflowInstance: ResourceKind<"WorkflowInstance"> = {
  kind: "WorkflowInstance",
  idPrefix: "win",
  table: "workflow_instances"
}
export const WorkflowExecution: ResourceKind<"WorkflowExecution"> = {
  kind: "WorkflowExecution",
  idPrefix: "wex",
  table: "workflow_executions"
}

export const Environment: ResourceKind<"Environment"> = { kind: "Environment", idPrefix: "env", table: "environments" }

export const all: ReadonlyArray<ResourceKind> = [Workflow, WorkflowInstance, WorkflowExecution, Environment]

export const byIdPrefix = (id: string): ResourceKind | undefined => all.find((k) => id.startsWith(`${k.idPrefix}-`))
