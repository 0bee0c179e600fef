/**
 * The HTTP contract of the WorkflowInstance kind (`/v1/workflow-instances`). Each
 * endpoint declares the access it needs (`Access`) and is documented for
 * `/openapi.json` (`ApiDocs`).
 */
import { HttpApiGroup, OpenApi } from "@effect/platform"
import { Access, ApiDocs, ResourceApi } from "@weft/resource"
import { Schema } from "effect"
import { WorkflowInstance, WorkflowInstanceInput } from "./WorkflowInstance.js"

const path = "/v1/workflow-instances"

export const ListWorkflowInstancesParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  ...ResourceApi.SelectorParams.fields,
  workflowId: Schema.optional(Schema.String),
  org: Schema.optional(Schema.String)
})

/** An instance of a workflow for one org's production environment. */
export const exampleInstance = {
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowInstance",
  metadata: { name: "Greeter production", org: "acme", ownerScope: "organization" },
  spec: {
    workflowId: "wfl-01jd8x3k4q9v2m7n5p6r8s0t1w",
    description: "Greets customers of the production environment",
    envRefs: [{ scope: "organization", org: "acme", kind: "Environment", slug: "production" }]
  }
}

const examples = { production: { summary: "An instance bound to an environment", value: exampleInstance } }

const ifMatch = "`If-Match` (an ETag such as `\"3\"`, a list, or `*`) makes it conditional: 412 ABORTED unless it matches."

export class WorkflowInstanceApi extends HttpApiGroup.make("workflowInstances")
  .add(
    ResourceApi.create(path, WorkflowInstance, WorkflowInstanceInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create a workflow instance",
        description: "Binds the workflow `spec.workflowId` (404 NOT_FOUND when it does not exist). When both " +
          "are `organization` scoped, the instance's org must be the workflow's (400). 409 ALREADY_EXISTS " +
          "when the slug is taken in the org.",
        examples
      })
    )
  )
  .add(
    ResourceApi.apply(path, WorkflowInstance, WorkflowInstanceInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create or update a workflow instance by (org, slug)",
        description: "Creates the instance (201) or, when one with the same org and slug exists, updates it " +
          "as `PUT` would (200). `spec.workflowId` cannot change.",
        examples
      })
    )
  )
  .add(
    ResourceApi.list(path, WorkflowInstance, ListWorkflowInstancesParams).pipe(
      Access.read,
      ApiDocs.document({
        summary: "List workflow instances",
        description: "Newest first, in pages of `pageSize` (default 50, at most 1000); pass the answer's " +
          "`nextPageToken` as `pageToken` for the next page. `workflowId` and `org` filter. " + ResourceApi.selectionDescription
      })
    )
  )
  .add(
    ResourceApi.getBySlug(path, WorkflowInstance).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow instance by slug",
        description: "The instance with this slug in `org` (no `org`: the instances without one). 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.get(path, WorkflowInstance).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow instance",
        description: "The instance with this id, with its version as `ETag`. 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.update(path, WorkflowInstance, WorkflowInstanceInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Update a workflow instance",
        description: "Replaces the name, labels, annotations, tags, description and `envRefs`; " +
          `\`spec.workflowId\`, slug, org and owner scope cannot change. ${ifMatch}`,
        examples
      })
    )
  )
  .add(
    ResourceApi.del(path, WorkflowInstance).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Delete a workflow instance",
        description: "Deletes the instance and answers it. Deleting a workflow's default instance clears " +
          `\`status.defaultInstanceId\` on the workflow. Executions keep the ids they ran with. ${ifMatch}`
      })
    )
  )
  .annotate(
    OpenApi.Description,
    "WorkflowInstances: a workflow bound to environment and defaults. Deleting a workflow's default instance clears it on the workflow."
  )
{}
