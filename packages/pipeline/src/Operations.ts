/**
 * The standard operations of a kind, run from its pipelines: create, get, get by slug,
 * update and delete (and apply, for kinds that have it), each returning the resource.
 * Create, update and apply take the decoded request (`Req`): HttpApi decoded it at the
 * edge, and nothing decodes it again; a caller holding JSON decodes it first with
 * `decode` (the kind's ValidateSchema), or calls `createUnknown` / `updateUnknown`.
 * Mutations run in one transaction; a kind's after-commit hooks see what was committed,
 * once it is committed (publish to watchers, hand over to a runner). Kind services spread
 * these into their own and add what is theirs.
 */
import type { SqlClient } from "@effect/sql"
import {
  Aborted,
  type AnyResource,
  type InvalidArgument,
  type NotFound,
  type ResourceStore,
  type ResourceTable,
  Transaction
} from "@weft/resource"
import { Effect, type Schema } from "effect"
import { andThen, make as makePipeline, type Pipeline, run, runInTransaction } from "./Pipeline.js"
import { type ByIdInput, LoadByReference, LoadTarget, ValidateSchema } from "./Steps.js"

/** What create, update and apply take: the request, decoded. */
export type Request<Req> = { readonly request: Req }

export interface KindPipelines<A extends AnyResource, Req, EC, EU, EG, ES, ED, R> {
  /** `<service>.decode`: an untyped body to the request, for callers holding JSON. */
  readonly decode: Pipeline<{ readonly body: unknown }, Request<Req>, InvalidArgument>
  readonly create: Pipeline<Request<Req>, { readonly state: A }, EC, R>
  readonly update: Pipeline<
    ByIdInput & Request<Req>,
    { readonly state: A; readonly unchanged?: boolean | undefined },
    EU,
    R
  >
  readonly get: Pipeline<{ readonly id: string }, { readonly target: A }, EG, R>
  readonly getBySlug: Pipeline<{ readonly slug: string; readonly org?: string | undefined }, { readonly target: A }, ES, R>
  readonly delete: Pipeline<ByIdInput, { readonly deleted: A }, ED, R>
}

/**
 * What a kind does once a change of one of its resources has committed. Hooks cannot
 * fail: the change is stored whatever they do (a hook that dies is logged).
 */
export interface Hooks<A, R = never> {
  /** A resource was created. */
  readonly created?: ((resource: A) => Effect.Effect<void, never, R>) | undefined
  /** A resource was changed (an update that changed nothing is not a change). */
  readonly updated?: ((resource: A) => Effect.Effect<void, never, R>) | undefined
  /** A resource was deleted; it is handed over as it was. */
  readonly deleted?: ((resource: A) => Effect.Effect<void, never, R>) | undefined
}

/**
 * The one decode of a kind's requests, for callers holding JSON: `<service>.decode`,
 * ValidateSchema (400 naming every issue, as HttpApi's decode at the edge does).
 */
export const decodePipeline = <Req, I>(
  service: string,
  schema: Schema.Schema<Req, I>
): Pipeline<{ readonly body: unknown }, Request<Req>, InvalidArgument> =>
  makePipeline<{ readonly body: unknown }>(`${service}.decode`).pipe(andThen(ValidateSchema(schema)))

/** The read pipeline every kind has: `<service>.get`, LoadTarget. */
export const getPipeline = <A extends AnyResource>(
  service: string,
  table: ResourceTable.ResourceTable<A>
): Pipeline<{ readonly id: string }, { readonly target: A }, NotFound, ResourceStore.ResourceStore> =>
  makePipeline<{ readonly id: string }>(`${service}.get`).pipe(andThen(LoadTarget(table)))

/** The by-reference read: `<service>.getBySlug`, LoadByReference. */
export const getBySlugPipeline = <A extends AnyResource>(
  service: string,
  table: ResourceTable.ResourceTable<A>
): Pipeline<
  { readonly slug: string; readonly org?: string | undefined },
  { readonly target: A },
  NotFound,
  ResourceStore.ResourceStore
> =>
  makePipeline<{ readonly slug: string; readonly org?: string | undefined }>(`${service}.getBySlug`).pipe(
    andThen(LoadByReference(table))
  )

/** The services a kind's pipelines and hooks need, supplied from what the service captured. */
export type Provide<R> = <X, Y>(effect: Effect.Effect<X, Y, R | SqlClient.SqlClient>) => Effect.Effect<X, Y>

/** The operations over `pipelines`, with the kind's after-commit `hooks`. */
/** A JSON body decoded by a kind's decode pipeline into its typed request. */
const decodeWith = <Req>(decode: Pipeline<{ readonly body: unknown }, Request<Req>, InvalidArgument>) =>
(body: unknown): Effect.Effect<Req, InvalidArgument> => Effect.map(run(decode, { body }), (ctx) => ctx.request)

export const make = <A extends AnyResource, Req, EC, EU, EG, ES, ED, R, RH = never>(
  pipelines: KindPipelines<A, Req, EC, EU, EG, ES, ED, R>,
  provide: Provide<R | RH>,
  hooks: Hooks<A, RH> = {}
) => {
  const updated = (ctx: { readonly state: A; readonly unchanged?: boolean | undefined }) =>
    ctx.unchanged === true || hooks.updated === undefined ? Effect.void : hooks.updated(ctx.state)
  const decode = decodeWith(pipelines.decode)
  const create = (request: Req) =>
    runInTransaction(pipelines.create, { request }, (ctx) =>
      hooks.created === undefined ? Effect.void : hooks.created(ctx.state)).pipe(
        Effect.map((ctx) => ctx.state),
        // An insert is never a stale write: ABORTED cannot come out of a create.
        Effect.catchIf((error): error is Extract<EC, Aborted> => error instanceof Aborted, Effect.die),
        provide
      )
  const update = (id: string, request: Req, ifMatch?: string) =>
    provide(Effect.map(runInTransaction(pipelines.update, { id, request, ifMatch }, updated), (ctx) => ctx.state))
  return {
    decode,
    create,
    createUnknown: (body: unknown) => Effect.flatMap(decode(body), create),
    update,
    updateUnknown: (id: string, body: unknown, ifMatch?: string) =>
      Effect.flatMap(decode(body), (request) => update(id, request, ifMatch)),
    get: (id: string) => provide(Effect.map(run(pipelines.get, { id }), (ctx) => ctx.target)),
    getBySlug: (slug: string, org?: string) =>
      provide(Effect.map(run(pipelines.getBySlug, { slug, org }), (ctx) => ctx.target)),
    delete: (id: string, ifMatch?: string) =>
      provide(
        Effect.map(
          runInTransaction(pipelines.delete, { id, ifMatch }, (ctx) =>
            hooks.deleted === undefined ? Effect.void : hooks.deleted(ctx.deleted)),
          (ctx) => ctx.deleted
        )
      )
  }
}

/**
 * Apply: creates, or updates the resource with the same (org, slug), in one transaction;
 * answers the resource and whether it created. `load` checks the request and loads the
 * resource it would update; the create or update half is then the kind's own pipeline,
 * and the matching hook runs after commit. `applyUnknown` decodes a JSON body first.
 */
export const apply = <A extends AnyResource, Req, EA, EC, EU, R, RH = never>(
  name: string,
  pipelines: {
    readonly decode: KindPipelines<A, Req, EC, EU, never, never, never, R>["decode"]
    readonly load: Pipeline<Request<Req>, { readonly existing: A | undefined }, EA, R>
    readonly create: KindPipelines<A, Req, EC, EU, never, never, never, R>["create"]
    readonly update: KindPipelines<A, Req, EC, EU, never, never, never, R>["update"]
  },
  provide: Provide<R | RH>,
  hooks: Hooks<A, RH> = {}
) => {
  const apply = (request: Req) =>
    Transaction.run(
      Effect.gen(function*() {
        const loaded = yield* run(pipelines.load, { request })
        if (loaded.existing === undefined) {
          const created = yield* run(pipelines.create, { request })
          return { resource: created.state, created: true, changed: true }
        }
        const updated = yield* run(pipelines.update, { id: loaded.existing.metadata.id, request })
        return { resource: updated.state, created: false, changed: updated.unchanged !== true }
      }),
      (result) => {
        const after = result.created ? hooks.created : result.changed ? hooks.updated : undefined
        return after === undefined ? Effect.void : after(result.resource)
      }
    ).pipe(
      Effect.map(({ created, resource }) => ({ resource, created })),
      Effect.withSpan(`${name}.apply`, { captureStackTrace: false }),
      provide
    )
  return {
    apply,
    applyUnknown: (body: unknown) => Effect.flatMap(decodeWith(pipelines.decode)(body), apply)
  }
}

/**
 * The operations of `make`, each answering `f(resource)`: for a kind whose stored form
 * is not what it answers (secret values are stored sealed and answered masked).
 */
export const present = <A, B, Req, EC, EG, ES, EU, ED>(
  operations: {
    readonly decode: (body: unknown) => Effect.Effect<Req, InvalidArgument>
    readonly create: (request: Req) => Effect.Effect<A, EC>
    readonly get: (id: string) => Effect.Effect<A, EG>
    readonly getBySlug: (slug: string, org?: string) => Effect.Effect<A, ES>
    readonly update: (id: string, request: Req, ifMatch?: string) => Effect.Effect<A, EU>
    readonly delete: (id: string, ifMatch?: string) => Effect.Effect<A, ED>
  },
  f: (resource: A) => B
) => {
  const create = (request: Req) => Effect.map(operations.create(request), f)
  const update = (id: string, request: Req, ifMatch?: string) => Effect.map(operations.update(id, request, ifMatch), f)
  return {
    decode: operations.decode,
    create,
    createUnknown: (body: unknown) => Effect.flatMap(operations.decode(body), create),
    update,
    updateUnknown: (id: string, body: unknown, ifMatch?: string) =>
      Effect.flatMap(operations.decode(body), (request) => update(id, request, ifMatch)),
    get: (id: string) => Effect.map(operations.get(id), f),
    getBySlug: (slug: string, org?: string) => Effect.map(operations.getBySlug(slug, org), f),
    delete: (id: string, ifMatch?: string) => Effect.map(operations.delete(id, ifMatch), f)
  }
}

/** The operations of `apply`, each answering the resource as `f(resource)` (see `present`). */
export const presentApply = <A, B, Req, E1, E2>(
  operations: {
    readonly apply: (request: Req) => Effect.Effect<{ readonly resource: A; readonly created: boolean }, E1>
    readonly applyUnknown: (body: unknown) => Effect.Effect<{ readonly resource: A; readonly created: boolean }, E2>
  },
  f: (resource: A) => B
) => {
  const answer = ({ created, resource }: { readonly resource: A; readonly created: boolean }) => ({
    created,
    resource: f(resource)
  })
  return {
    apply: (request: Req) => Effect.map(operations.apply(request), answer),
    applyUnknown: (body: unknown) => Effect.map(operations.applyUnknown(body), answer)
  }
}
