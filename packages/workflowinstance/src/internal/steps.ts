/**
 * The WorkflowInstance kind's own pipeline steps.
 */
import { Pipeline } from "@weft/pipeline"
import { describeRef, Environment } from "@weft/environment"
import { InvalidArgument, NotFound, ResourceStore } from "@weft/resource"
import { setDefaultInstance, Workflow } from "@weft/workflow"
import { Effect, Option } from "effect"
import type { WorkflowInstance, WorkflowInstanceInput } from "../WorkflowInstance.js"

/** Input of the create pipeline; an in-process caller may hand over the parent it holds. */
export interface CreateInput {
  readonly request: WorkflowInstanceInput
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

/**
 * Every `spec.envRefs` entry names an Environment the instance may use: `kind` is
 * `Environment` (or absent) and `slug` is given (400 otherwise); the environment is in the
 * instance's org or has no org (`org` absent or empty: 400 otherwise, naming both orgs);
 * and it exists (404 `Environment not found: <org>/<slug>`).
 */
export const CheckEnvRefs = Pipeline.step(
  "CheckEnvRefs",
  (ctx: { readonly request: WorkflowInstanceInput; readonly existing?: WorkflowInstance | undefined }) =>
    Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      // On update the org cannot change; a request may leave it out.
      const org = ctx.existing?.metadata.org ?? (ctx.request.metadata.org === "" ? undefined : ctx.request.metadata.org)
      for (const [index, ref] of (ctx.request.spec.envRefs ?? []).entries()) {
        const at = `spec.envRefs[${index}]`
        if (ref.kind !== undefined && ref.kind !== Environment.Kind.kind) {
          return yield* new InvalidArgument({ message: `${at}.kind: must be "Environment", not "${ref.kind}"` })
        }
        if (ref.slug === undefined || ref.slug === "") {
          return yield* new InvalidArgument({ message: `${at}.slug: is required` })
        }
        const refOrg = ref.org === "" ? undefined : ref.org
        const target = { org: refOrg, slug: ref.slug }
        if (refOrg !== undefined && refOrg !== org) {
          return yield* new InvalidArgument({
            message: `${at}.org: environment ${describeRef(target)} belongs to org ${refOrg}; an instance ${
              org === undefined ? "without org" : `of org ${org}`
            } may use environments of its own org or without org`
          })
        }
        const found = yield* store.getBySlug(Environment.table, refOrg, ref.slug)
        if (Option.isNone(found)) return yield* NotFound.of(Environment.Kind.kind, describeRef(target))
      }
      return {}
    })
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
