/**
 * The WorkflowInstances service, and the Layer that provides the Workflow kind's
 * `DefaultInstanceProvisioner` through the same create pipeline.
 */
import { SqlClient } from "@effect/sql"
import { Pipeline, Steps } from "@weft/pipeline"
import { FailedPrecondition, Migrations, ResourceStore, ResourceTable, ServiceContext, Transaction } from "@weft/resource"
import { DefaultInstanceProvisioner, type Workflow, Workflows } from "@weft/workflow"
import { Effect, Layer } from "effect"
import {
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

const build = (request: WorkflowInstanceInput, parts: Steps.NewStateParts): WorkflowInstance => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowInstance",
  metadata: parts.metadata,
  spec: request.spec,
  status: { audit: parts.audit }
})

const validated = (name: string) =>
  Pipeline.make<CreateInput>(name).pipe(
    Pipeline.andThen(Steps.ValidateSchema(WorkflowInstanceInput)),
    Pipeline.andThen(Steps.ResolveSlug())
  )

export const createPipeline = validated("WorkflowInstances.create").pipe(
  Pipeline.andThen(LoadParentWorkflow),
  Pipeline.andThen(ValidateSameOrg),
  Pipeline.andThen(Steps.CheckDuplicate(table)),
  Pipeline.andThen(Steps.BuildNewState(table, build)),
  Pipeline.andThen(Steps.Persist(table))
)

export const applyPipeline = validated("WorkflowInstances.apply").pipe(
  Pipeline.andThen(Steps.LoadForApply(table))
)

export const updatePipeline = Pipeline.make<Steps.ByIdInput & { readonly body: unknown }>(
  "WorkflowInstances.update"
).pipe(
  Pipeline.andThen(Steps.ValidateSchema(WorkflowInstanceInput)),
  Pipeline.andThen(Steps.LoadExisting(table)),
  Pipeline.andThen(Steps.BuildUpdateState(table, mergeSpec)),
  Pipeline.andThen(Steps.Persist(table))
)

export const getPipeline = Pipeline.make<{ readonly id: string }>("WorkflowInstances.get").pipe(
  Pipeline.andThen(Steps.LoadTarget(table))
)

export const getBySlugPipeline = Pipeline.make<{ readonly slug: string; readonly org?: string | undefined }>(
  "WorkflowInstances.getBySlug"
).pipe(Pipeline.andThen(Steps.LoadByReference(table)))

export const deletePipeline = Pipeline.make<Steps.ByIdInput>("WorkflowInstances.delete").pipe(
  Pipeline.andThen(Steps.LoadExistingForDelete(table)),
  Pipeline.andThen(Steps.DeleteResource(table)),
  Pipeline.andThen(ClearDefaultOnParent)
)

export const migrations = {
  "0001_create_workflow_instances": ResourceTable.createTable(table)
}

const runMigrations = Migrations.run("workflowinstance", migrations)

/** The request that creates a workflow's default instance. */
export const defaultInstanceRequest = (workflow: Workflow.Workflow) => ({
  metadata: {
    name: defaultSlug(workflow.metadata.slug),
    ...(workflow.metadata.org === undefined ? {} : { org: workflow.metadata.org }),
    ...(workflow.metadata.ownerScope === undefined ? {} : { ownerScope: workflow.metadata.ownerScope })
  },
  spec: { workflowId: workflow.metadata.id, description: defaultDescription }
})

export interface ListWorkflowInstances {
  readonly pageSize: number
  readonly pageToken?: string | undefined
  readonly workflowId?: string | undefined
  readonly org?: string | undefined
}

export class WorkflowInstances extends Effect.Service<WorkflowInstances>()("@weft/workflowinstance/WorkflowInstances", {
  effect: Effect.gen(function*() {
    yield* runMigrations
    const context = yield* Effect.context<SqlClient.SqlClient | ResourceStore.ResourceStore | Workflows>()
    const provide = ServiceContext.provider(context)
    const store = yield* ResourceStore.ResourceStore

    /** Creates an instance; `parent` may be given by in-process callers that hold it. */
    const create = (body: unknown, parent?: Workflow.Workflow) =>
      Pipeline.runInTransaction(createPipeline, { body, parent }).pipe(
        Effect.map((ctx) => ctx.state),
        Effect.catchTag("Aborted", Effect.die), // an insert is never a stale write
        provide
      )

    const apply = (body: unknown) =>
      Effect.gen(function*() {
        const loaded = yield* Pipeline.run(applyPipeline, { body })
        if (loaded.existing === undefined) {
          const created = yield* Pipeline.run(createPipeline, { body })
          return { resource: created.state, created: true }
        }
        const updated = yield* Pipeline.run(updatePipeline, { id: loaded.existing.metadata.id, body })
        return { resource: updated.state, created: false }
      }).pipe(
        Transaction.run,
        Effect.withSpan("WorkflowInstances.apply", { captureStackTrace: false }),
        provide
      )

    const get = (id: string) =>
      Pipeline.run(getPipeline, { id }).pipe(Effect.map((ctx) => ctx.target), provide)

    const getBySlug = (slug: string, org?: string) =>
      Pipeline.run(getBySlugPipeline, { slug, org }).pipe(Effect.map((ctx) => ctx.target), provide)

    const update = (id: string, body: unknown, ifMatch?: string) =>
      Pipeline.runInTransaction(updatePipeline, { id, body, ifMatch }).pipe(
        Effect.map((ctx) => ctx.state),
        provide
      )

    const delete_ = (id: string, ifMatch?: string) =>
      Pipeline.runInTransaction(deletePipeline, { id, ifMatch }).pipe(
        Effect.map((ctx) => ctx.deleted),
        provide
      )

    const list = (query: ListWorkflowInstances) =>
      store.list(table, {
        where: { workflow_id: query.workflowId, org: query.org },
        pageSize: query.pageSize,
        pageToken: query.pageToken
      }).pipe(Effect.withSpan("WorkflowInstances.list", { captureStackTrace: false }))

    return { create, apply, get, getBySlug, update, delete: delete_, list } as const
  })
}) {}

/**
 * Provides the Workflow kind's `DefaultInstanceProvisioner`: default instances are
 * created through the instance create pipeline (validation, audit, duplicate check),
 * in the caller's transaction.
 */
export const DefaultInstanceProvisionerLive = Layer.effect(
  DefaultInstanceProvisioner,
  Effect.gen(function*() {
    yield* runMigrations
    const context = yield* Effect.context<SqlClient.SqlClient | ResourceStore.ResourceStore>()
    const provide = ServiceContext.provider(context)
    const store = yield* ResourceStore.ResourceStore
    return DefaultInstanceProvisioner.of({
      provision: (workflow) =>
        Pipeline.runInTransaction(createPipeline, { body: defaultInstanceRequest(workflow), parent: workflow }).pipe(
          Effect.map((ctx) => ctx.state.metadata.id),
          Effect.catchTag("Aborted", Effect.die), // an insert is never a stale write
          provide,
          Effect.withSpan("DefaultInstanceProvisioner.provision", { captureStackTrace: false })
        ),
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
