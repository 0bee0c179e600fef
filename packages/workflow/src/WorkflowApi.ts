/**
 * The HTTP contract of the Workflow kind (`/v1/workflows`). The server implements it;
 * clients are derived from it. Each endpoint declares the access it needs (`Access`)
 * and is documented for `/openapi.json` (`ApiDocs`).
 */
import { HttpApiGroup, OpenApi } from "@effect/platform"
import { Access, ApiDocs, ResourceApi } from "@weft/resource"
import { Schema } from "effect"
import { Workflow, WorkflowInput } from "./Workflow.js"

const path = "/v1/workflows"

export const ListWorkflowsParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  ...ResourceApi.SelectorParams.fields,
  org: Schema.optional(Schema.String)
})

/** A workflow of two tasks: it sets a greeting, then posts it. */
export const exampleWorkflow = {
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Workflow",
  metadata: { name: "Greeter", org: "acme", ownerScope: "organization", labels: { team: "growth" } },
  spec: {
    description: "Builds a greeting and posts it",
    document: { dsl: "1.0.0", namespace: "acme", name: "greeter", version: "1.0.0" },
    tasks: [
      {
        name: "compose",
        kind: "WORKFLOW_TASK_KIND_SET",
        taskConfig: { variables: { greeting: "${ \"Hello, \" + $input.name }" } }
      },
      {
        name: "post",
        kind: "WORKFLOW_TASK_KIND_HTTP_CALL",
        taskConfig: {
          method: "POST",
          endpoint: { uri: "https://hooks.example.com/greetings" },
          body: { text: "${ .greeting }" }
        }
      }
    ]
  }
}

const examples = { greeter: { summary: "A workflow of two tasks", value: exampleWorkflow } }

const secrets = "A value of `spec.envSpec.data` with `isSecret: true` is write-only: it is stored encrypted, every " +
  "answer shows the entry without its `value`, and run status shows it as `[secret]`. A secret sent without a " +
  "`value` keeps the one stored."

const ifMatch = "`If-Match` (an ETag such as `\"3\"`, a list, or `*`) makes it conditional: 412 ABORTED unless it matches."

export class WorkflowApi extends HttpApiGroup.make("workflows")
  .add(
    ResourceApi.create(path, Workflow, WorkflowInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create a workflow",
        description: "Stores a new workflow and provisions its default instance (`<slug>-default`), in one " +
          "transaction; the answer carries `status.defaultInstanceId`. 409 ALREADY_EXISTS when the slug is " +
          "taken in the org; 400 naming the field for a rule violation. " + secrets,
        examples
      })
    )
  )
  .add(
    ResourceApi.apply(path, Workflow, WorkflowInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Create or update a workflow by (org, slug)",
        description: "Creates the workflow (201, with its default instance) or, when one with the same org " +
          "and slug exists, updates it as `PUT` would (200). An unchanged document writes nothing (a document " +
          "read back, its secrets without values, is unchanged).",
        examples
      })
    )
  )
  .add(
    ResourceApi.list(path, Workflow, ListWorkflowsParams).pipe(
      Access.read,
      ApiDocs.document({
        summary: "List workflows",
        description: "Newest first, in pages of `pageSize` (default 50, at most 1000); pass the answer's " +
          "`nextPageToken` as `pageToken` for the next page (absent on the last one). `org` filters by org. " +
          ResourceApi.selectionDescription
      })
    )
  )
  .add(
    ResourceApi.getBySlug(path, Workflow).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow by slug",
        description: "The workflow with this slug in `org` (no `org`: the workflows without one). 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.get(path, Workflow).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow",
        description: "The workflow with this id, with its version as `ETag`. 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.update(path, Workflow, WorkflowInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Update a workflow",
        description: "Replaces the name, labels, annotations, tags and the whole spec; slug, org and owner " +
          `scope cannot change. Each change bumps the version. ${secrets} ${ifMatch}`,
        examples
      })
    )
  )
  .add(
    ResourceApi.del(path, Workflow).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Delete a workflow",
        description: "Deletes the workflow with its default instance and answers the deleted workflow. " +
          `409 FAILED_PRECONDITION while other instances of it exist. Its executions are kept: they are ` +
          `history, and keep the ids they ran with. ${ifMatch}`
      })
    )
  )
  .annotate(OpenApi.Description, "Workflows: templates, graphs of tasks. Creating one provisions its default instance.")
{}
