/**
 * The HTTP contract of the Workflow kind (`/v1/workflows`). The server implements it;
 * clients are derived from it.
 */
import { HttpApiGroup, OpenApi } from "@effect/platform"
import { ResourceApi } from "@weft/resource"
import { Schema } from "effect"
import { Workflow, WorkflowInput } from "./Workflow.js"

const path = "/v1/workflows"

export const ListWorkflowsParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  org: Schema.optional(Schema.String)
})

export class WorkflowApi extends HttpApiGroup.make("workflows")
  .add(ResourceApi.create(path, Workflow, WorkflowInput))
  .add(ResourceApi.apply(path, Workflow, WorkflowInput))
  .add(ResourceApi.list(path, Workflow, ListWorkflowsParams))
  .add(ResourceApi.getBySlug(path, Workflow))
  .add(ResourceApi.get(path, Workflow))
  .add(ResourceApi.update(path, Workflow, WorkflowInput))
  .add(ResourceApi.del(path, Workflow))
  .annotate(OpenApi.Description, "Workflows: templates, graphs of tasks. Creating one provisions its default instance.")
{}
