/**
 * The WorkflowExecution kind's own create steps, after the seed's controller.
 */
import { Pipeline, Steps } from "@weft/pipeline"
import { InvalidArgument, type Metadata, NotFound, ResourceStore, type SecretValues, Slug } from "@weft/resource"
import { Workflow } from "@weft/workflow"
import { ensureDefault, WorkflowInstance } from "@weft/workflowinstance"
import { DateTime, Effect, Option } from "effect"
import {
  allowedOwnerScopes,
  table,
  type WorkflowExecution,
  type WorkflowExecutionInput
} from "../WorkflowExecution.js"

type Request = { readonly request: WorkflowExecutionInput }

/** An execution is owned by an organization or an identity account; required. */
export const ValidateOwnerScope = Steps.ValidateOwnerScope("WorkflowExecution", allowedOwnerScopes)

/** Either `spec.workflowInstanceId` or `spec.workflowId` must be given. */
export const ValidateWorkflowOrInstance = Pipeline.step("ValidateWorkflowOrInstance", (ctx: Request) => {
  const { workflowId, workflowInstanceId } = ctx.request.spec
  return nonEmpty(workflowId) || nonEmpty(workflowInstanceId)
    ? Effect.succeed({})
    : Effect.fail(
      new InvalidArgument({ message: "spec: either workflowId or workflowInstanceId must be provided" })
    )
})

const nonEmpty = (value: string | undefined): value is string => value !== undefined && value !== ""

/**
 * Resolves the instance the execution runs: the given one (which must exist), or the
 * workflow's default (`ensureDefault`: created and recorded on the workflow when it has
 * none). The resolved ids are written into the request's spec.
 */
export const CreateDefaultInstanceIfNeeded = Pipeline.step(
  "CreateDefaultInstanceIfNeeded",
  (ctx: Request) =>
    Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      const { workflowId, workflowInstanceId } = ctx.request.spec
      let instance: WorkflowInstance.WorkflowInstance
      if (nonEmpty(workflowInstanceId)) {
        const found = yield* store.get(WorkflowInstance.table, workflowInstanceId)
        if (Option.isNone(found)) return yield* NotFound.of(WorkflowInstance.Kind.kind, workflowInstanceId)
        instance = found.value
        if (nonEmpty(workflowId) && instance.spec.workflowId !== workflowId) {
          return yield* new InvalidArgument({
            message:
              `spec.workflowId: ${workflowId} is not the workflow of instance ${workflowInstanceId} (${instance.spec.workflowId})`
          })
        }
      } else {
        const id = workflowId as string
        const workflow = yield* store.get(Workflow.table, id)
        if (Option.isNone(workflow)) return yield* NotFound.of(Workflow.Kind.kind, id)
        instance = (yield* ensureDefault(workflow.value)).instance
      }
      const request: WorkflowExecutionInput = {
        ...ctx.request,
        spec: { ...ctx.request.spec, workflowInstanceId: instance.metadata.id, workflowId: instance.spec.workflowId }
      }
      return { request, instance }
    })
)

const pad = (n: number) => String(n).padStart(2, "0")

/** `yyyyMMdd-HHmmss` in UTC. */
export const formatRunStamp = (millis: number): string => {
  const d = new Date(millis)
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${
    pad(d.getUTCMinutes())
  }${pad(d.getUTCSeconds())}`
}

/**
 * When `metadata.name` is absent, names the run `<instance slug>-<UTC yyyyMMdd-HHmmss>`,
 * adding `-2`, `-3`… while that slug is taken in the org. Concurrent creates in one
 * second take turns at reading the taken slugs (`slugsWithPrefixForUpdate`), so two
 * never choose the same name.
 */
export const ResolveName = Pipeline.step(
  "ResolveName",
  (ctx: Request & { readonly instance: WorkflowInstance.WorkflowInstance }) =>
    Effect.gen(function*() {
      const metadata: Metadata.MetadataInput = ctx.request.metadata
      if (metadata.name !== undefined && metadata.name.trim() !== "") return { request: ctx.request }
      if (metadata.slug !== undefined) return { request: withName(ctx.request, metadata.slug) }
      const store = yield* ResourceStore.ResourceStore
      const now = yield* DateTime.now
      // Room is left for the `-2`, `-3`… of nextFree: the slug stays within 63 characters.
      const base = Slug.withSuffix(ctx.instance.metadata.slug, formatRunStamp(DateTime.toEpochMillis(now)), 4)
      return { request: withName(ctx.request, nextFree(base, yield* store.slugsWithPrefixForUpdate(table, metadata.org, base))) }
    })
)

/** `base` when free, else `base-n` with n one past the highest taken suffix (from 2). */
export const nextFree = (base: string, taken: ReadonlyArray<string>): string => {
  if (!taken.includes(base)) return base
  let highest = 1
  for (const slug of taken) {
    const suffix = slug.slice(base.length + 1)
    if (/^[1-9]\d*$/.test(suffix)) highest = Math.max(highest, Number(suffix))
  }
  return `${base}-${highest + 1}`
}

const withName = (request: WorkflowExecutionInput, name: string): WorkflowExecutionInput => ({
  ...request,
  metadata: { ...request.metadata, name }
})

/** Every new execution starts PENDING; other status fields are kept. */
export const SetInitialPhase = Pipeline.step(
  "SetInitialPhase",
  (ctx: { readonly state: WorkflowExecution }) =>
    Effect.succeed({ state: { ...ctx.state, status: { ...ctx.state.status, phase: "EXECUTION_PENDING" as const } } })
)

/** Seals the secret values of `spec.runtimeEnv`; one sent without a value keeps the stored one. */
export const SealRuntimeEnv: Steps.SealStep<WorkflowExecutionInput> = Steps.SealSecrets<WorkflowExecutionInput>({
  get: (spec) => spec.runtimeEnv,
  set: (spec, runtimeEnv) => ({ ...spec, runtimeEnv })
})

/** After `SealRuntimeEnv`: every entry has a value, sealed or not; else 400 naming the first without. */
export const RequireRuntimeValues = Pipeline.step("RequireRuntimeValues", (ctx: Request) => {
  const missing = Object.entries(ctx.request.spec.runtimeEnv ?? {}).find(([, entry]) =>
    entry.value === undefined && (entry as SecretValues.Sealed<SecretValues.Entry>).sealed === undefined
  )
  return missing === undefined
    ? Effect.succeed({})
    : Effect.fail(
      new InvalidArgument({
        message: `spec.runtimeEnv.${missing[0]}.value: is missing` +
          (missing[1].isSecret === true ? " (a secret sent without its value keeps the stored one; there is none)" : "")
      })
    )
})

/** `workflowInstanceId` and `workflowId` cannot change on update; absent means kept. */
export const mergeSpec = (existing: WorkflowExecution, request: WorkflowExecutionInput) => {
  for (const key of ["workflowInstanceId", "workflowId"] as const) {
    const given = request.spec[key]
    if (given !== undefined && given !== existing.spec[key]) {
      return Effect.fail(new InvalidArgument({ message: `spec.${key}: cannot be changed (is ${existing.spec[key]})` }))
    }
  }
  return Effect.succeed({
    ...request.spec,
    workflowInstanceId: existing.spec.workflowInstanceId,
    workflowId: existing.spec.workflowId
  })
}
