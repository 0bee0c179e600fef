/**
 * RUN's child runs. A child is an ordinary execution, created through the
 * WorkflowExecutions service (so it is run, watched, listed and fed like any other) in
 * its parent's org and ownerScope, carrying `weft/parent-execution: <parent id>` as an
 * annotation and as a label (so that a run's children can be listed with a label
 * selector, as the cancel of a parent does).
 *
 * - Starting it is the activity `<key>`: the start is idempotent (the idempotency key
 *   `weft-run/<parent id>/<key>`), so a crash after the child was created and before the
 *   activity's result was journaled starts no second child when the activity runs again.
 * - Waiting for it is LISTEN's wait (`durableWaits`): the activity `<key>/look/<n>` reads
 *   the child and answers how it ended, or, as it is still running, registers the wait on
 *   the deferred `<key>/child/<n>` with the child as subject, in the same transaction. The
 *   child's end (any terminal phase, however written, or its deletion) wakes it.
 */
import { SqlClient } from "@effect/sql"
import { Activity, type WorkflowEngine } from "@effect/workflow"
import { ResourceKind } from "@weft/resource"
import type { Workflows } from "@weft/workflow"
import { WorkflowExecution, type WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Option, Schema } from "effect"
import type { ChildOutcome, ChildRequest } from "../Interpreter.js"
import * as TaskErrors from "../TaskError.js"
import { TaskError } from "../TaskError.js"
import * as Waits from "./durableWaits.js"

/** The annotation (and label) naming a child's parent execution. */
export const parentKey = "weft/parent-execution"

type InRun<A, E = never> = Effect.Effect<A, E, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>

export interface ChildServices {
  readonly sql: SqlClient.SqlClient
  readonly executions: WorkflowExecutions
  readonly workflows: Workflows
}

/** The workflow a RUN names: its id, or its slug in the parent's org. Another org's workflow is not found. */
const resolveWorkflow = (workflows: Workflows, reference: string, org: string | undefined) => {
  const found = reference.startsWith(`${ResourceKind.Workflow.idPrefix}-`)
    ? workflows.get(reference)
    : workflows.getBySlug(reference, org)
  return found.pipe(
    Effect.flatMap((workflow) =>
      workflow.metadata.org === undefined || workflow.metadata.org === org ? Effect.succeed(workflow) : Effect.fail(undefined)
    ),
    Effect.mapError(() =>
      TaskErrors.make("validation", `Workflow not found: ${reference}${org === undefined ? "" : ` (in org ${org})`}`)
    )
  )
}

/** Creates the child (once per parent and key); answers its id. */
const create = (services: ChildServices, parentId: string, key: string, request: ChildRequest) =>
  Effect.gen(function*() {
    const parent = yield* Effect.mapError(
      services.executions.get(parentId),
      () => TaskErrors.make("run", `the parent execution ${parentId} is gone`)
    )
    const { org, ownerScope } = parent.metadata
    const workflow = yield* resolveWorkflow(services.workflows, request.workflow, org)
    const started = yield* services.executions.start({
      metadata: {
        ...(org === undefined ? {} : { org }),
        ownerScope,
        labels: { [parentKey]: parentId },
        annotations: { [parentKey]: parentId }
      },
      spec: { workflowId: workflow.metadata.id, triggerMetadata: request.triggerMetadata }
    }, `weft-run/${parentId}/${key}`).pipe(
      Effect.catchAll((error) => Effect.fail(TaskErrors.make("validation", `the child run cannot start: ${error.message}`)))
    )
    return started.execution.metadata.id
  })

/** Starts the child run of the RUN at `key`, once: on replay, answers the child it started. */
export const start = (
  services: ChildServices,
  parentId: string,
  key: string,
  request: ChildRequest
): InRun<string, TaskError> =>
  Activity.make({ name: key, success: Schema.String, error: TaskError, execute: create(services, parentId, key, request) })

/** How the child stands: its end, or `undefined` while it runs. */
const outcomeOf = (execution: Option.Option<WorkflowExecution.WorkflowExecution>): ChildOutcome | undefined => {
  if (Option.isNone(execution)) return { _tag: "Deleted" }
  const { error, output, phase } = execution.value.status
  switch (phase) {
    case "EXECUTION_COMPLETED":
      return { _tag: "Completed", output: output ?? {} }
    case "EXECUTION_FAILED":
      return { _tag: "Failed", error: error ?? "" }
    case "EXECUTION_CANCELLED":
      return { _tag: "Cancelled" }
    default:
      return undefined
  }
}

/**
 * Waits until the child has ended. The look locks the child's row (on PostgreSQL), so a
 * status write ending the child commits either before it (the look sees the end) or
 * after the wait is registered (the wake-up that follows it finds the wait).
 */
export const awaitEnd = (
  services: ChildServices,
  options: { readonly runId: string; readonly key: string; readonly childId: string }
): InRun<ChildOutcome> =>
  Waits.awaitChange({
    sql: services.sql,
    runId: options.runId,
    key: options.key,
    subject: options.childId,
    names: { look: "look", wait: "child" },
    look: () =>
      Effect.map(Effect.option(services.executions.get(options.childId)), (found) => Option.fromNullable(outcomeOf(found)))
  })

/** Whether a change of `execution` may end a parent's wait: a child that ended or is gone. */
export const endsAWait = (event: { readonly _tag: "Updated" | "Deleted"; readonly execution: WorkflowExecution.WorkflowExecution }) =>
  event.execution.metadata.annotations?.[parentKey] !== undefined &&
  (event._tag === "Deleted" || WorkflowExecution.isTerminal(event.execution.status.phase))

/** The parent of a child run (RUN), by its annotation. */
export const parentOf = (execution: WorkflowExecution.WorkflowExecution): string | undefined =>
  execution.metadata.annotations?.[parentKey]

/**
 * Whether the child of `parentId` is an orphan: its parent has ended or is gone (it
 * ended while no engine ran to cancel the child), so the child is cancelled rather than resumed.
 */
export const isOrphan = (executions: WorkflowExecutions, parentId: string | undefined) => {
  if (parentId === undefined) return Effect.succeed(false)
  return Effect.map(
    Effect.option(executions.get(parentId)),
    (parent) => Option.isNone(parent) || WorkflowExecution.isTerminal(parent.value.status.phase)
  )
}

/** Cancels a run, unless it has ended meanwhile. */
export const cancel = (executions: WorkflowExecutions, id: string) =>
  executions.cancel(id).pipe(
    Effect.asVoid,
    Effect.catchTags({ FailedPrecondition: () => Effect.void, NotFound: () => Effect.void })
  )

/**
 * Cancels the children of `parentId` that are still running (each cancel goes on to
 * their children). A child that ended meanwhile is left as it is.
 */
export const cancelAll = (executions: WorkflowExecutions, parentId: string) =>
  Effect.gen(function*() {
    let pageToken: string | undefined
    do {
      const page = yield* executions.list({
        pageSize: 1000,
        pageToken,
        phase: ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS"],
        labelSelector: [{ _tag: "Equals", key: parentKey, value: parentId }]
      })
      yield* Effect.forEach(page.entries, (child) => cancel(executions, child.metadata.id), { discard: true })
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
  }).pipe(Effect.orDie, Effect.withSpan("Engine.cancelChildren", { attributes: { parentId }, captureStackTrace: false }))
