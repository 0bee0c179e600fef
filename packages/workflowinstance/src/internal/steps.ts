/**
 * The WorkflowInstance kind's own pipeline steps.
 */
import { Pipeline } from "@weft/pipeline"
import { InvalidArgument, NotFound, ResourceStore } from "@weft/resource"
import { setDefaultInstance, Workflow } from "@weft/workflow"
import { Effect, Option } from "effect"
import type { WorkflowInstance, WorkflowInstanceInput } from "../WorkflowInstance.js"

/** Input of the create pipeline; an in-process caller may hand over the parent it holds. */
export interface CreateInput {
  readonly body: unknown
  readonly parent?: Workflow.Workflow | undefined
}

/** Loads the workflow the instance binds (404 `Workflow not found: <id>`). */
export const LoadParentWorkflow = Pipeline.step(
  "LoadParentWorkflow",
  (ctx: { readonly input: CreateInput; readonly request: WorkflowInstanceInput }) => {
    const id = ctx.request.spec.workflowId
    if (ctx.input.parent !== undefined && ctx.input.parent.metadata.id === id) {
      return Effect.succeed({ parent: ctx.input.parent })
    }
    return Effect.flatMap(ResourceStore.ResourceStore, (store) => store.get(Workflow.table, id)).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.fail(NotFound.of(Workflow.Kind.kind, id)),
        onSome: (parent) => Effect.succeed({ parent })
      }))
    )
  }
)

/** An organization-scoped instance of an organization-scoped workflow shares its org. */
export const ValidateSameOrg = Pipeline.step(
  "ValidateSameOrg",
  (ctx: { readonly request: WorkflowInstanceInput; readonly parent: Workflow.Workflow }) => {
    const instance = ctx.request.metadata
    const workflow = ctx.parent.metadata
    return instance.ownerScope === "organization" && workflow.ownerScope === "organization" &&
        instance.org !== workflow.org
      ? Effect.fail(
        new InvalidArgument({
          message: `metadata.org: an organization instance must be in its workflow's org (${
            workflow.org ?? "none"
          }), not ${instance.org ?? "none"}`
        })
      )
      : Effect.succeed({})
  }
)

/** After deleting a workflow's default instance, the workflow no longer points at it. */
export const ClearDefaultOnParent = Pipeline.step(
  "ClearDefaultOnParent",
  (ctx: { readonly deleted: WorkflowInstance }) =>
    Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      const parent = yield* store.get(Workflow.table, ctx.deleted.spec.workflowId)
      if (Option.isSome(parent) && parent.value.status.defaultInstanceId === ctx.deleted.metadata.id) {
        yield* setDefaultInstance(parent.value.metadata.id, undefined).pipe(
          Effect.catchAll((error) => Effect.die(error))
        )
      }
      return {}
    })
)

/** `spec.workflowId` cannot change on update. */
export const mergeSpec = (existing: WorkflowInstance, request: WorkflowInstanceInput) =>
  request.spec.workflowId === existing.spec.workflowId
    ? Effect.succeed(request.spec)
    : Effect.fail(
      new InvalidArgument({
        message: `spec.workflowId: cannot be changed (is ${existing.spec.workflowId})`
      })
    )
