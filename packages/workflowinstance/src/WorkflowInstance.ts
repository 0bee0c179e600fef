/**
 * The WorkflowInstance kind: a workflow bound to environment and defaults.
 */
import { Metadata, Resource, ResourceKind, ResourceTable, Slug } from "@weft/resource"
import { Schema } from "effect"

export const Kind = ResourceKind.WorkflowInstance

/** A reference to an environment the instance is bound to. */
export const EnvRef = Schema.Struct({
  scope: Schema.optional(Metadata.OwnerScope),
  org: Schema.optional(Schema.String),
  kind: Schema.optional(Schema.String),
  slug: Schema.optional(Schema.String),
  version: Schema.optional(Schema.String)
})

export const WorkflowInstanceSpec = Schema.Struct({
  /** The workflow this instance binds; must exist, and cannot change. */
  workflowId: Schema.String.pipe(Schema.minLength(1, { message: () => "is required" })),
  description: Schema.optional(Schema.String),
  envRefs: Schema.optional(Schema.Array(EnvRef))
}).annotations({ identifier: "WorkflowInstanceSpec" })
export type WorkflowInstanceSpec = typeof WorkflowInstanceSpec.Type

export const WorkflowInstance = Resource.stored("WorkflowInstance", WorkflowInstanceSpec, {})
  .annotations({ identifier: "WorkflowInstance" })
export type WorkflowInstance = typeof WorkflowInstance.Type

export const WorkflowInstanceInput = Resource.input("WorkflowInstance", WorkflowInstanceSpec)
  .annotations({ identifier: "WorkflowInstanceInput" })
export type WorkflowInstanceInput = typeof WorkflowInstanceInput.Type

export const table = ResourceTable.make<WorkflowInstance>(Kind, {
  workflow_id: (instance) => instance.spec.workflowId
}, { labels: true })

/** The slug of a workflow's default instance: `<workflow slug>-default`, the workflow's part cut to fit 63 characters. */
export const defaultSlug = (workflowSlug: string) => Slug.withSuffix(workflowSlug, "default")
export const defaultDescription = "Default instance (auto-created)"
