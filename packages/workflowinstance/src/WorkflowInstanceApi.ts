/**
 * The HTTP contract of the WorkflowInstance kind (`/v1/workflow-instances`).
 */
import { HttpApiGroup, OpenApi } from "@effect/platform"
import { ResourceApi } from "@weft/resource"
import { Schema } from "effect"
import { WorkflowInstance, WorkflowInstanceInput } from "./WorkflowInstance.js"

const path = "/v1/workflow-instances"

export const ListWorkflowInstancesParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  workflowId: Schema.optional(Schema.String),
  org: Schema.optional(Schema.String)
})

export class WorkflowInstanceApi extends HttpApiGroup.make("workflowInstances")
  .add(ResourceApi.create(path, WorkflowInstance, WorkflowInstanceInput))
  .add(ResourceApi.apply(path, WorkflowInstance, WorkflowInstanceInput))
  .add(ResourceApi.list(path, WorkflowInstance, ListWorkflowInstancesParams))
  .add(ResourceApi.getBySlug(path, WorkflowInstance))
  .add(ResourceApi.get(path, WorkflowInstance))
  .add(ResourceApi.update(path, WorkflowInstance, WorkflowInstanceInput))
  .add(ResourceApi.del(path, WorkflowInstance))
  .annotate(
    OpenApi.Description,
    "WorkflowInstances: a workflow bound to environment and defaults. Deleting a workflow's default instance clears it on the workflow."
  )
{}
