/**
 * The HTTP contract of the WorkflowExecution kind (`/v1/workflow-executions`).
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  Aborted,
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  ProtoEnum,
  ResourceApi,
  Unavailable
} from "@weft/resource"
import { ParseResult, Schema } from "effect"
import { PhaseNames, StatusUpdate, WorkflowExecution, WorkflowExecutionInput } from "./WorkflowExecution.js"

const path = "/v1/workflow-executions"

/** A phase in a query string: its name, or its proto number written as digits. */
const PhaseParam = Schema.transformOrFail(
  Schema.String,
  Schema.typeSchema(ProtoEnum.make(PhaseNames, { firstNumber: 1 })),
  {
    strict: true,
    decode: (s, _, ast) => {
      const byName = (PhaseNames as ReadonlyArray<string>).indexOf(s)
      const index = byName >= 0 ? byName : /^\d+$/.test(s) ? Number(s) - 1 : -1
      return index >= 0 && index < PhaseNames.length
        ? ParseResult.succeed(PhaseNames[index])
        : ParseResult.fail(new ParseResult.Type(ast, s, `unknown phase "${s}"; expected one of ${PhaseNames.join(", ")}`))
    },
    encode: ParseResult.succeed
  }
)

export const ListWorkflowExecutionsParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  workflowInstanceId: Schema.optional(Schema.String),
  workflowId: Schema.optional(Schema.String),
  phase: Schema.optional(Schema.Array(PhaseParam)),
  org: Schema.optional(Schema.String)
})

export class WorkflowExecutionApi extends HttpApiGroup.make("workflowExecutions")
  .add(ResourceApi.create(path, WorkflowExecution, WorkflowExecutionInput))
  .add(ResourceApi.list(path, WorkflowExecution, ListWorkflowExecutionsParams))
  .add(ResourceApi.get(path, WorkflowExecution))
  .add(ResourceApi.update(path, WorkflowExecution, WorkflowExecutionInput))
  .add(
    HttpApiEndpoint.patch("updateStatus", `${path}/:id/status`)
      .setPath(ResourceApi.IdPath)
      .setPayload(StatusUpdate)
      .setHeaders(ResourceApi.IfMatchHeaders)
      .addSuccess(WorkflowExecution)
      .addError(InvalidArgument)
      .addError(NotFound)
      .addError(FailedPrecondition)
      .addError(Aborted)
      .annotate(OpenApi.Description, "A runner reports progress: a partial status merged into the execution.")
  )
  .add(
    HttpApiEndpoint.post("cancel", `${path}/:id/cancel`)
      .setPath(ResourceApi.IdPath)
      .addSuccess(WorkflowExecution)
      .addError(NotFound)
      .addError(FailedPrecondition)
      .annotate(
        OpenApi.Description,
        "Stops a run: phase EXECUTION_CANCELLED, running tasks FAILED (`cancelled`), pending ones SKIPPED. 409 FAILED_PRECONDITION when the execution is already in a terminal phase. Needs the API token."
      )
  )
  .add(ResourceApi.del(path, WorkflowExecution))
  .add(
    HttpApiEndpoint.get("watch", `${path}/:id/watch`)
      .setPath(ResourceApi.IdPath)
      .addSuccess(
        Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/event-stream" }))
      )
      .addError(NotFound)
      .addError(Unavailable)
      .annotate(
        OpenApi.Description,
        "Server-Sent Events: `event: execution` with the full execution as data and its version as id, first the current state then every change; ends after a terminal phase, or with `event: deleted`. A comment every 15 s keeps the connection alive."
      )
  )
  .annotate(OpenApi.Description, "WorkflowExecutions: runs of a workflow instance, and their live status.")
{}
