/**
 * The Workflows service: every operation on the Workflow kind, each a named pipeline
 * run in one transaction. HTTP handlers and in-process callers use the same methods.
 */
import { SqlClient } from "@effect/sql"
import { Operations, Pipeline, Steps } from "@weft/pipeline"
import {
  type Aborted,
  Access,
  Metadata,
  NotFound,
  ResourceKind,
  ResourceStore,
  SecretBox,
  SecretValues,
  ServiceContext
} from "@weft/resource"
import { Effect, Layer, Option } from "effect"
import { DefaultInstanceProvisioner } from "./DefaultInstanceProvisioner.js"
import { EnsureDefaultInstance, ReleaseInstances, SealEnvSpec, ValidateOwnerScope } from "./internal/steps.js"
import { Kind, present, table, type Workflow, WorkflowInput } from "./Workflow.js"
import { WorkflowMigrations } from "./WorkflowMigrations.js"

const build = (request: WorkflowInput, parts: Steps.NewStateParts): Workflow => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "Workflow",
  metadata: parts.metadata,
  spec: request.spec,
  status: { audit: parts.audit }
})

const checked = (name: string) =>
  Pipeline.forRequest<Operations.Request<WorkflowInput>>(name).pipe(
    Pipeline.andThen(ValidateOwnerScope),
    Pipeline.andThen(Steps.ResolveSlug())
  )

export const decodePipeline = Operations.decodePipeline("Workflows", WorkflowInput)

export const createPipeline = checked("Workflows.create").pipe(
  Pipeline.andThen(Steps.CheckDuplicate(table)),
  Pipeline.andThen(SealEnvSpec),
  Pipeline.andThen(Steps.BuildNewState(table, build)),
  Pipeline.andThen(EnsureDefaultInstance),
  Pipeline.andThen(Steps.Persist(table))
)

export const updatePipeline = Pipeline.forRequest<Steps.ByIdInput & Operations.Request<WorkflowInput>>(
  "Workflows.update"
).pipe(
  Pipeline.andThen(Steps.LoadExisting(table)),
  Pipeline.andThen(SealEnvSpec),
  Pipeline.andThen(Steps.BuildUpdateState(table, (_: Workflow, request: WorkflowInput) => Effect.succeed(request.spec))),
  Pipeline.andThen(Steps.Persist(table))
)

export const applyPipeline = checked("Workflows.apply").pipe(
  Pipeline.andThen(Steps.LoadForApply(table))
)

export const getPipeline = Operations.getPipeline("Workflows", table)

export const getBySlugPipeline = Operations.getBySlugPipeline("Workflows", table)

export const deletePipeline = Pipeline.make<Steps.ByIdInput>("Workflows.delete").pipe(
  Pipeline.andThen(Steps.LoadExistingForDelete(table)),
  Pipeline.andThen(ReleaseInstances),
  Pipeline.andThen(Steps.DeleteResource(table))
)

export interface ListWorkflows extends ResourceStore.Selection {
  readonly pageSize: number
  readonly pageToken?: string | undefined
  readonly org?: string | undefined
}

/** A workflow with the values of its `envSpec.data` in plain text; `secrets` are the secret ones. */
export interface ResolvedWorkflow {
  readonly workflow: Workflow
  readonly values: SecretValues.Revealed["values"]
  readonly secrets: SecretValues.Revealed["secrets"]
}

/**
 * Records (or, with `undefined`, clears) a stored workflow's default instance: a status
 * change, so version +1 and the status audit is bumped. Runs in the caller's transaction
 * when there is one.
 */
export const setDefaultInstance = (workflowId: string, instanceId: string | undefined) =>
  Effect.gen(function*() {
    const store = yield* ResourceStore.ResourceStore
    const found = yield* store.get(table, workflowId)
    if (Option.isNone(found)) return yield* NotFound.of(Kind.kind, workflowId)
    const workflow = found.value
    const now = Metadata.timestamp(yield* Effect.clockWith((clock) => clock.currentTimeMillis))
    const { defaultInstanceId: _, ...rest } = workflow.status
    const next: Workflow = {
      ...workflow,
      metadata: { ...workflow.metadata, version: workflow.metadata.version + 1 },
      status: {
        ...rest,
        audit: Metadata.auditStatusUpdated(workflow.status.audit, now, Access.actorOf(yield* Access.currentCaller)),
        ...(instanceId === undefined ? {} : { defaultInstanceId: instanceId })
      }
    }
    return yield* store.update(table, next, workflow).pipe(
      Effect.catchTag("AlreadyExists", Effect.die)
    ) as Effect.Effect<Workflow, Aborted>
  }).pipe(Effect.withSpan("Workflows.setDefaultInstance", { captureStackTrace: false }))

export class Workflows extends Effect.Service<Workflows>()("@weft/workflow/Workflows", {
  effect: Effect.gen(function*() {
    const provide = yield* ServiceContext.capture(
      SqlClient.SqlClient,
      ResourceStore.ResourceStore,
      DefaultInstanceProvisioner,
      SecretBox.SecretBox
    )
    const store = yield* ResourceStore.ResourceStore

    const operations = Operations.present(Operations.make({
      decode: decodePipeline,
      create: createPipeline,
      update: updatePipeline,
      get: getPipeline,
      getBySlug: getBySlugPipeline,
      delete: deletePipeline
    }, provide), present)

    const apply = Operations.presentApply(Operations.apply("Workflows", {
      decode: decodePipeline,
      load: applyPipeline,
      create: createPipeline,
      update: updatePipeline
    }, provide), present)

    const list = (query: ListWorkflows) =>
      store.list(table, {
        ...ResourceStore.selection(query),
        where: { org: query.org },
        pageSize: query.pageSize,
        pageToken: query.pageToken
      }).pipe(
        Effect.map((page) => ({ ...page, entries: page.entries.map(present) })),
        Effect.withSpan("Workflows.list", { captureStackTrace: false })
      )

    /**
     * The workflow `id` names (masked) with the values of its `envSpec.data` opened: the
     * one way to its secrets, for a run's `$env`.
     */
    const resolve = (id: string) =>
      provide(Effect.gen(function*() {
        const found = yield* store.get(table, id)
        if (Option.isNone(found)) return yield* NotFound.of(Kind.kind, id)
        const revealed = yield* SecretValues.reveal(found.value.spec.envSpec?.data)
        return { workflow: present(found.value), ...revealed } satisfies ResolvedWorkflow
      })).pipe(Effect.withSpan("Workflows.resolve", { attributes: { id }, captureStackTrace: false }))

    return {
      ...operations,
      ...apply,
      list,
      resolve,
      setDefaultInstance: (workflowId: string, instanceId: string | undefined) =>
        Effect.map(provide(setDefaultInstance(workflowId, instanceId)), present)
    } as const
  })
}) {}

/**
 * For tests: Workflows over a fresh in-memory SQLite database with the Workflow tables
 * migrated, and the given `DefaultInstanceProvisioner` (the real one lives in
 * `@weft/workflowinstance`) and a fresh secret key; also provides the ResourceStore, the
 * SecretBox and the SqlClient.
 */
export const layerTest = <E>(
  provisioner: Layer.Layer<DefaultInstanceProvisioner, E, SqlClient.SqlClient | ResourceStore.ResourceStore>
) =>
  Workflows.Default.pipe(
    Layer.provide(provisioner),
    Layer.provideMerge(SecretBox.layerTest),
    Layer.provideMerge(ResourceStore.layerTest([WorkflowMigrations]))
  )
