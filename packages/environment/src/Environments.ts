/**
 * The Environments service: create, apply, get, get by slug, list, update and delete,
 * each a pipeline of the standard steps plus `SealSecrets`. Every answer has its secret
 * values masked; `resolve` is the one way to their plain values, for a run's `$env`.
 */
import { SqlClient } from "@effect/sql"
import { Operations, Pipeline, Steps } from "@weft/pipeline"
import { NotFound, ResourceKind, ResourceStore, SecretBox, SecretValues, ServiceContext } from "@weft/resource"
import { Effect, Layer, Option } from "effect"
import { type Environment, EnvironmentInput, present, type StoredEnvironment, table } from "./Environment.js"
import { EnvironmentMigrations } from "./EnvironmentMigrations.js"
import { SealSecrets, type SealedRequest } from "./internal/steps.js"

const build = (request: SealedRequest, parts: Steps.NewStateParts): StoredEnvironment => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "Environment",
  metadata: parts.metadata,
  spec: request.spec,
  status: { audit: parts.audit }
})

const checked = (name: string) =>
  Pipeline.forRequest<Operations.Request<EnvironmentInput>>(name).pipe(Pipeline.andThen(Steps.ResolveSlug()))

export const decodePipeline = Operations.decodePipeline("Environments", EnvironmentInput)

export const createPipeline = checked("Environments.create").pipe(
  Pipeline.andThen(Steps.CheckDuplicate(table)),
  Pipeline.andThen(SealSecrets),
  Pipeline.andThen(Steps.BuildNewState(table, build)),
  Pipeline.andThen(Steps.Persist(table))
)

export const applyPipeline = checked("Environments.apply").pipe(Pipeline.andThen(Steps.LoadForApply(table)))

export const updatePipeline = Pipeline.forRequest<Steps.ByIdInput & Operations.Request<EnvironmentInput>>(
  "Environments.update"
).pipe(
  Pipeline.andThen(Steps.LoadExisting(table)),
  Pipeline.andThen(SealSecrets),
  Pipeline.andThen(Steps.BuildUpdateState(table, (_, request: SealedRequest) => Effect.succeed(request.spec))),
  Pipeline.andThen(Steps.Persist(table))
)

export const getPipeline = Operations.getPipeline("Environments", table)

export const getBySlugPipeline = Operations.getBySlugPipeline("Environments", table)

export const deletePipeline = Pipeline.make<Steps.ByIdInput>("Environments.delete").pipe(
  Pipeline.andThen(Steps.LoadExistingForDelete(table)),
  Pipeline.andThen(Steps.DeleteResource(table))
)

export interface ListEnvironments extends ResourceStore.Selection {
  readonly pageSize: number
  readonly pageToken?: string | undefined
  readonly org?: string | undefined
}

/** A reference to an environment, as an instance's `envRefs` entry holds it. */
export interface EnvironmentRef {
  readonly org?: string | undefined
  readonly slug: string
}

/** An environment's values in plain text, for a run's `$env`; `secrets` are the secret ones. */
export interface ResolvedEnvironment {
  readonly environment: Environment
  readonly values: SecretValues.Revealed["values"]
  readonly secrets: SecretValues.Revealed["secrets"]
}

export class Environments extends Effect.Service<Environments>()("@weft/environment/Environments", {
  effect: Effect.gen(function*() {
    const provide = yield* ServiceContext.capture(SqlClient.SqlClient, ResourceStore.ResourceStore, SecretBox.SecretBox)
    const store = yield* ResourceStore.ResourceStore

    const operations = Operations.present(Operations.make({
      decode: decodePipeline,
      create: createPipeline,
      update: updatePipeline,
      get: getPipeline,
      getBySlug: getBySlugPipeline,
      delete: deletePipeline
    }, provide), present)

    const apply = Operations.presentApply(Operations.apply("Environments", {
      decode: decodePipeline,
      load: applyPipeline,
      create: createPipeline,
      update: updatePipeline
    }, provide), present)

    const list = (query: ListEnvironments) =>
      store.list(table, {
        ...ResourceStore.selection(query),
        where: { org: query.org },
        pageSize: query.pageSize,
        pageToken: query.pageToken
      }).pipe(
        Effect.map((page) => ({ ...page, entries: page.entries.map(present) })),
        Effect.withSpan("Environments.list", { captureStackTrace: false })
      )

    /** The environment `ref` names, with its values opened (404 naming it when it does not exist). */
    const resolve = (ref: EnvironmentRef) =>
      provide(Effect.gen(function*() {
        const found = yield* store.getBySlug(table, ref.org === "" ? undefined : ref.org, ref.slug)
        if (Option.isNone(found)) return yield* NotFound.of("Environment", describeRef(ref))
        const revealed = yield* SecretValues.reveal(found.value.spec.data)
        return { environment: present(found.value), ...revealed } satisfies ResolvedEnvironment
      })).pipe(Effect.withSpan("Environments.resolve", { captureStackTrace: false }))

    /** The environment `ref` names, masked, or nothing. */
    const find = (ref: EnvironmentRef) =>
      provide(Effect.map(store.getBySlug(table, ref.org === "" ? undefined : ref.org, ref.slug), Option.map(present)))

    return { ...operations, ...apply, list, resolve, find } as const
  })
}) {}

/** `<org>/<slug>`, or the slug alone for an environment without org: how messages name a reference. */
export const describeRef = (ref: EnvironmentRef): string =>
  ref.org === undefined || ref.org === "" ? ref.slug : `${ref.org}/${ref.slug}`

/**
 * For tests: the service over a fresh in-memory SQLite database with its table migrated
 * and a fresh secret key; also provides the ResourceStore, the SecretBox and the SqlClient.
 */
export const layerTest = Environments.Default.pipe(
  Layer.provideMerge(SecretBox.layerTest),
  Layer.provideMerge(ResourceStore.layerTest([EnvironmentMigrations]))
)
