/**
 * The WorkflowInstances service, and the Layer that provides the Workflow kind's
 * `DefaultInstanceProvisioner` through the same create pipeline.
 */
import { SqlClient } from "@effect/sql"
import { EnvironmentMigrations, Environments } from "@weft/environment"
import { Operations, Pipeline, Steps } from "@weft/pipeline"
import { FailedPrecondition, ResourceKind, ResourceStore, SecretBox, ServiceContext } from "@weft/resource"
import { DefaultInstanceProvisioner, setDefaultInstance, Workflow, WorkflowMigrations, Workflows } from "@weft/workflow"
import { Effect, Layer, Option } from "effect"
import {
  CheckEnvRefs,
  ClearDefaultOnParent,
  type CreateInput,
  LoadParentWorkflow,
  mergeSpec,
  ValidateSameOrg
} from "./internal/steps.js"
import {
  defaultDescription,
  defaultSlug,
  table,
  type WorkflowInstance,
  WorkflowInstanceInput
} from "./WorkflowInstance.js"
import { WorkflowInstanceMigrations } from "./WorkflowInstanceMigrations.js"

const build = (request: WorkflowInstanceInput, parts: Steps.NewStateParts): WorkflowInstance => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "WorkflowInstance",
  metadata: parts.metadata,
  spec: request.spec,
  status: { audit: parts.audit }
})

const checked = (name: string) =>
  Pipeline.forRequest<CreateInput>(name).pipe(
    Pipeline.andThen(Steps.ResolveSlug())
  )

export const decodePipeline = Operations.decodePipeline("WorkflowInstances", WorkflowInstanceInput)

export const createPipeline = checked("WorkflowInstances.create").pipe(
  Pipeline.andThen(LoadParentWorkflow),
  Pipeline.andThen(ValidateSameOrg),
  Pipeline.andThen(CheckEnvRefs),
  Pipeline.andThen(Steps.CheckDuplicate(table)),
  Pipeline.andThen(Steps.BuildNewState(table, build)),
  Pipeline.andThen(Steps.Persist(table))
)

export const applyPipeline = checked("WorkflowInstances.apply").pipe(
  Pipeline.andThen(Steps.LoadForApply(table))
)

export const updatePipeline = Pipeline.forRequest<Steps.ByIdInput & Operations.Request<WorkflowInstanceInput>>(
  "WorkflowInstances.update"
).pipe(
  Pipeline.andThen(Steps.LoadExisting(table)),
  Pipeline.andThen(CheckEnvRefs),
  Pipeline.andThen(Steps.BuildUpdateState(table, mergeSpec)),
  Pipeline.andThen(Steps.Persist(table))
)

export const getPipeline = Operations.getPipeline("WorkflowInstances", table)

export const getBySlugPipeline = Operations.getBySlugPipeline("WorkflowInstances", table)

export const deletePipeline = Pipeline.make<Steps.ByIdInput>("WorkflowInstances.delete").pipe(
  Pipeline.andThen(Steps.LoadExistingForDelete(table)),
  Pipeline.andThen(Steps.DeleteResource(table)),
  Pipeline.andThen(ClearDefaultOnParent)
)

/** The request that creates a workflow's default instance. */
export const defaultInstanceRequest = (workflow: Workflow.Workflow): WorkflowInstanceInput => ({
  metadata: {
    name: defaultSlug(workflow.metadata.slug),
    ...(workflow.metadata.org === undefined ? {} : { org: workflow.metadata.org }),
    ...(workflow.metadata.ownerScope === undefined ? {} : { ownerScope: workflow.metadata.ownerScope })
  },
  spec: { workflowId: workflow.metadata.id, description: defaultDescription }
})

export interface ListWorkflowInstances extends ResourceStore.Selection {
  readonly pageSize: number
  readonly pageToken?: string | undefined
  readonly workflowId?: string | undefined
  readonly org?: string | undefined
}

export class WorkflowInstances extends Effect.Service<WorkflowInstances>()("@weft/workflowinstance/WorkflowInstances", {
  effect: Effect.gen(function*() {
    const provide = yield* ServiceContext.capture(SqlClient.SqlClient, ResourceStore.ResourceStore)
    const store = yield* ResourceStore.ResourceStore

    const operations = Operations.make({
      decode: decodePipeline,
      create: createPipeline,
      update: updatePipeline,
      get: getPipeline,
      getBySlug: getBySlugPipeline,
      delete: deletePipeline
    }, provide)

    const apply = Operations.apply("WorkflowInstances", {
      decode: decodePipeline,
      load: applyPipeline,
      create: createPipeline,
      update: updatePipeline
    }, provide)

    const list = (query: ListWorkflowInstances) =>
      store.list(table, {
        ...ResourceStore.selection(query),
        where: { workflow_id: query.workflowId, org: query.org },
        pageSize: query.pageSize,
        pageToken: query.pageToken
      }).pipe(Effect.withSpan("WorkflowInstances.list", { captureStackTrace: false }))

    return {
      ...operations,
      ...apply,
      list,
      ensureDefault: (workflow: Workflow.Workflow) => provide(ensureDefault(workflow))
    } as const
  })
}) {}

/**
 * The one path to a workflow's default instance: the one `status.defaultInstanceId`
 * names while it exists; otherwise `<workflow slug>-default`, created through the
 * instance create pipeline (validation, audit, duplicate check) in the caller's
 * transaction, and recorded on the workflow: a stored workflow is updated (version +1),
 * one not stored yet comes back with the id set for its caller to store.
 */
export const ensureDefault = (workflow: Workflow.Workflow) =>
  Effect.gen(function*() {
    const store = yield* ResourceStore.ResourceStore
    const recorded = workflow.status.defaultInstanceId
    if (recorded !== undefined) {
      const found = yield* store.get(table, recorded)
      if (Option.isSome(found)) return { instance: found.value, workflow }
    }
    const instance = yield* Pipeline.runInTransaction(createPipeline, {
      request: defaultInstanceRequest(workflow),
      parent: workflow
    }).pipe(
      Effect.map((ctx) => ctx.state),
      Effect.catchTag("Aborted", Effect.die) // an insert is never a stale write
    )
    const stored = yield* store.get(Workflow.table, workflow.metadata.id)
    const next = Option.isSome(stored)
      ? yield* setDefaultInstance(workflow.metadata.id, instance.metadata.id).pipe(
        Effect.catchTag("Aborted", Effect.die) // the row was just read in this transaction
      )
      : { ...workflow, status: { ...workflow.status, defaultInstanceId: instance.metadata.id } }
    return { instance, workflow: next }
  }).pipe(Effect.withSpan("WorkflowInstances.ensureDefault", { captureStackTrace: false }))

/**
 * Provides the Workflow kind's `DefaultInstanceProvisioner` over `ensureDefault`, in the
 * caller's transaction.
 */
export const DefaultInstanceProvisionerLive = Layer.effect(
  DefaultInstanceProvisioner,
  Effect.gen(function*() {
    const provide = yield* ServiceContext.capture(SqlClient.SqlClient, ResourceStore.ResourceStore)
    const store = yield* ResourceStore.ResourceStore
    return DefaultInstanceProvisioner.of({
      ensureDefault: (workflow) =>
        provide(Effect.map(ensureDefault(workflow), (ensured) => ({
          instanceId: ensured.instance.metadata.id,
          workflow: ensured.workflow
        }))),
      release: (workflow) =>
        Effect.gen(function*() {
          const defaultId = workflow.status.defaultInstanceId
          const others = yield* store.exists(table, { workflow_id: workflow.metadata.id }, defaultId)
          if (others) {
            return yield* new FailedPrecondition({
              message:
                `Workflow ${workflow.metadata.id} still has instances other than its default; delete them first`
            })
          }
          if (defaultId !== undefined) yield* store.delete(table, defaultId)
        }).pipe(Effect.withSpan("DefaultInstanceProvisioner.release", { captureStackTrace: false }))
    })
  })
)

/**
 * For tests: both workflow kinds as an app composes them (the real
 * `DefaultInstanceProvisionerLive`), and the Environments that instances refer to, over a
 * fresh in-memory SQLite database with their tables migrated and a fresh secret key; also
 * provides the ResourceStore and SqlClient.
 */
export const layerTest = WorkflowInstances.Default.pipe(
  Layer.provideMerge(Workflows.Default),
  Layer.provideMerge(Environments.Default),
  Layer.provide(DefaultInstanceProvisionerLive),
  Layer.provideMerge(SecretBox.layerTest),
  Layer.provideMerge(ResourceStore.layerTest([WorkflowMigrations, WorkflowInstanceMigrations, EnvironmentMigrations]))
)
