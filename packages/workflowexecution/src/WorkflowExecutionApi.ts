/**
 * The HTTP contract of the WorkflowExecution kind (`/v1/workflow-executions`). Each
 * endpoint declares the access it needs (`Access`) and is documented for
 * `/openapi.json` (`ApiDocs`).
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  Aborted,
  Access,
  ApiDocs,
  FailedPrecondition,
  InvalidArgument,
  NotFound,
  ProtoEnum,
  ResourceApi,
  Unavailable
} from "@weft/resource"
import { ParseResult, Schema } from "effect"
import { SignalAccepted, SignalInput } from "./ExecutionSignals.js"
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

/** The feed's filters: the list's, without paging. */
export const FeedWorkflowExecutionsParams = Schema.Struct({
  ...ResourceApi.SelectorParams.fields,
  workflowInstanceId: Schema.optional(Schema.String),
  workflowId: Schema.optional(Schema.String),
  phase: Schema.optional(Schema.Array(PhaseParam)),
  org: Schema.optional(Schema.String)
})

/** The list's parameters: the feed's filters and a page. */
export const ListWorkflowExecutionsParams = Schema.Struct({
  ...ResourceApi.PageParams.fields,
  ...FeedWorkflowExecutionsParams.fields
})

/** `Idempotency-Key` on a start: at most 255 visible ASCII characters. */
export const StartHeaders = Schema.Struct({
  "idempotency-key": Schema.optional(Schema.String.pipe(Schema.pattern(/^[\x21-\x7e]{1,255}$/, {
    message: () => "Idempotency-Key: expected 1 to 255 visible ASCII characters"
  })).annotations({
    description: "Makes the start safe to retry: the same key (per org) within 24 h answers the execution the " +
      "first request started (200, `Idempotent-Replayed: true`) and starts nothing new"
  }))
})

/** Documents the `Idempotent-Replayed` header of a replayed start's 200. */
const replayedHeader = ApiDocs.transform((operation) => {
  const ok = operation.responses?.["200"]
  return ok === undefined ? operation : {
    ...operation,
    responses: {
      ...operation.responses,
      "200": {
        ...ok,
        description: "The execution an earlier request with the same Idempotency-Key started",
        headers: {
          ...ok.headers,
          "Idempotent-Replayed": {
            description: "`true`: this request was a replay and started nothing",
            schema: { type: "string", enum: ["true"] }
          }
        }
      }
    }
  }
})

/** `Last-Event-ID`: the sequence number of the last change a client saw. */
export const FeedHeaders = Schema.Struct({
  "last-event-id": Schema.optional(Schema.String.pipe(Schema.pattern(/^\d{1,15}$/, {
    message: () => "Last-Event-ID: expected the decimal sequence number of a feed event"
  })))
})

const eventStream = Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/event-stream" }))

/** A run of a workflow's default instance, with its input. */
export const exampleExecution = {
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowExecution",
  metadata: { org: "acme", ownerScope: "organization" },
  spec: {
    workflowId: "wfl-01jd8x3k4q9v2m7n5p6r8s0t1w",
    triggerMessage: "greet a new customer",
    triggerMetadata: { name: "Jane" },
    runtimeEnv: { REGION: { value: "eu-west-1" } }
  }
}

/** A runner reporting that a run has started and its first task is running. */
export const exampleStarted = {
  phase: "EXECUTION_IN_PROGRESS",
  tasks: [
    { taskId: "compose", taskName: "compose", taskType: "WORKFLOW_TASK_TRANSFORM", status: "WORKFLOW_TASK_IN_PROGRESS" },
    { taskId: "post", taskName: "post", taskType: "WORKFLOW_TASK_API_CALL", status: "WORKFLOW_TASK_PENDING" }
  ]
}

/** A runner reporting the end of a run. */
export const exampleCompleted = {
  phase: "EXECUTION_COMPLETED",
  tasks: [
    { taskId: "compose", taskName: "compose", status: "WORKFLOW_TASK_COMPLETED", output: { greeting: "Hello, Jane" } },
    { taskId: "post", taskName: "post", status: "WORKFLOW_TASK_COMPLETED", output: { sent: true } }
  ],
  output: { sent: true }
}

const ifMatch = "`If-Match` (an ETag such as `\"3\"`, a list, or `*`) makes it conditional: 412 ABORTED unless it matches."

const runExamples = {
  byWorkflow: { summary: "A run of a workflow's default instance", value: exampleExecution }
}

const secrets = "A `runtimeEnv` value with `isSecret: true` is write-only: it is stored encrypted, every answer " +
  "(reads, lists, watch and feed events) shows the entry without its `value`, and run status shows it as " +
  "`[secret]`. A secret sent without a `value` keeps the one stored; every other entry needs a value."

export class WorkflowExecutionApi extends HttpApiGroup.make("workflowExecutions")
  .add(
    ResourceApi.create(path, WorkflowExecution, WorkflowExecutionInput).setHeaders(StartHeaders).addSuccess(WorkflowExecution).pipe(
      Access.write,
      replayedHeader,
      ApiDocs.document({
        summary: "Start a workflow execution",
        description: "Creates a run of `spec.workflowInstanceId`, or of the default instance of " +
          "`spec.workflowId` (created if the workflow has none); one of them is required (400), and must " +
          "exist (404). The name defaults to `<instance slug>-<UTC yyyyMMdd-HHmmss>`. Answers 201 in phase " +
          "`EXECUTION_PENDING`. With `Idempotency-Key`, the same key (per org) within 24 h answers the " +
          "execution the first request started, 200 with `Idempotent-Replayed: true`, and starts nothing; the " +
          "same key with a different body (compared as JSON values) is 409 ALREADY_EXISTS. " + secrets,
        examples: runExamples
      })
    )
  )
  .add(
    ResourceApi.list(path, WorkflowExecution, ListWorkflowExecutionsParams).pipe(
      Access.read,
      ApiDocs.document({
        summary: "List workflow executions",
        description: "Newest first, in pages of `pageSize` (default 50, at most 1000); pass the answer's " +
          "`nextPageToken` as `pageToken` for the next page. `workflowInstanceId`, `workflowId`, `org` and " +
          "`phase` (repeatable: any of them) filter. " + ResourceApi.selectionDescription
      })
    )
  )
  .add(
    HttpApiEndpoint.get("feed", `${path}/watch`)
      .setUrlParams(FeedWorkflowExecutionsParams)
      .setHeaders(FeedHeaders)
      .addSuccess(eventStream)
      .addError(InvalidArgument)
      .pipe(
        Access.read,
        ApiDocs.document({
          summary: "Feed of every change",
          description: "Server-Sent Events of every committed change of a matching execution: `event: execution` " +
            "with the execution as data, `event: deleted` with the deleted execution, each with `id:` a " +
            "server-wide sequence number that only grows. Filters as the list's (`labelSelector`, `createdAfter` " +
            "and `createdBefore` included); `phase` and the labels match the execution after the change. No initial snapshot: the response starts with a comment, then a comment every " +
            "10 s; it ends only when the server shuts down. `Last-Event-ID` resumes after that change while it " +
            "is retained (at least the last 10,000 changes); otherwise the first event is `event: reset` (list " +
            "again; its id is where the feed goes on from)."
        })
      )
  )
  .add(
    ResourceApi.getBySlug(path, WorkflowExecution).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow execution by slug",
        description: "The execution with this slug (its name, e.g. `greeter-default-20260131-120000`) in `org` " +
          "(no `org`: the executions without one). 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.get(path, WorkflowExecution).pipe(
      Access.read,
      ApiDocs.document({
        summary: "Get a workflow execution",
        description: "The execution with this id, with its version as `ETag`. 404 NOT_FOUND otherwise."
      })
    )
  )
  .add(
    ResourceApi.update(path, WorkflowExecution, WorkflowExecutionInput).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Update a workflow execution's spec",
        description: "Replaces the trigger fields and `runtimeEnv`; `workflowInstanceId` and `workflowId` " +
          `cannot change, and the status is untouched (it changes only through the status route). ${secrets} ` +
          ifMatch,
        examples: runExamples
      })
    )
  )
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
      .pipe(
        Access.report,
        ApiDocs.document({
          summary: "Report a workflow execution's status",
          description: "A runner reports progress: the fields sent (`phase`, `tasks`, `output`, `error`, " +
            "`startedAt`, `completedAt`, `temporalWorkflowId`) replace the stored ones, the others are kept; " +
            "`tasks` replaces the whole list. The server sets `startedAt`/`completedAt` of the run, and of " +
            "each task entering IN_PROGRESS or an end state, unless given. A terminal phase cannot be left " +
            "(409 FAILED_PRECONDITION); an empty body is 400. Watchers get the merged execution. " + ifMatch,
          examples: {
            started: { summary: "The run started; its first task is running", value: exampleStarted },
            completed: { summary: "The run completed with an output", value: exampleCompleted }
          }
        })
      )
  )
  .add(
    ResourceApi.del(path, WorkflowExecution).pipe(
      Access.write,
      ApiDocs.document({
        summary: "Delete a workflow execution",
        description: `Deletes the execution and answers it; its watchers get \`event: deleted\`. ${ifMatch}`
      })
    )
  )
  .add(
    HttpApiEndpoint.post("cancel", `${path}/:id/cancel`)
      .setPath(ResourceApi.IdPath)
      .addSuccess(WorkflowExecution)
      .addError(NotFound)
      .addError(FailedPrecondition)
      .pipe(
        Access.write,
        ApiDocs.document({
          summary: "Cancel a workflow execution",
          description: "Stops a run: phase EXECUTION_CANCELLED, running tasks FAILED (`cancelled`), pending " +
            "ones SKIPPED. 409 FAILED_PRECONDITION when the execution is already in a terminal phase."
        })
      )
  )
  .add(
    HttpApiEndpoint.post("signal", `${path}/:id/signals`)
      .setPath(ResourceApi.IdPath)
      .setPayload(SignalInput)
      .addSuccess(SignalAccepted, { status: 202 })
      .addError(InvalidArgument)
      .addError(NotFound)
      .addError(FailedPrecondition)
      .pipe(
        Access.write,
        ApiDocs.document({
          summary: "Send a signal to a workflow execution",
          description: "Stores the signal `{id, data}` for the run and answers 202 `{accepted: true}`. A LISTEN " +
            "task waiting for that id takes it (its output is `data`); until one does, the signal is kept, oldest " +
            "first, also across restarts. 409 FAILED_PRECONDITION when the execution is in a terminal phase.",
          examples: {
            approval: { summary: "An approval with its data", value: { id: "approved", data: { by: "jane" } } }
          }
        })
      )
  )
  .add(
    HttpApiEndpoint.get("watch", `${path}/:id/watch`)
      .setPath(ResourceApi.IdPath)
      .addSuccess(eventStream)
      .addError(NotFound)
      .addError(Unavailable)
      .pipe(
        Access.read,
        ApiDocs.document({
          summary: "Watch a workflow execution",
          description: "Server-Sent Events: `event: execution` with the full execution as data and its version " +
            "as id, first the current state then every change; ends after a terminal phase, or with " +
            "`event: deleted`. A comment every 10 s keeps the connection alive. 404 NOT_FOUND before the " +
            "stream starts for an unknown id; 503 UNAVAILABLE when the server's watcher capacity is full."
        })
      )
  )
  .annotate(OpenApi.Description, "WorkflowExecutions: runs of a workflow instance, and their live status.")
{}
