/**
 * The standard operations of a kind, run from its pipelines: create, get, get by slug,
 * update and delete (and apply, for kinds that have it), each returning the resource.
 * Mutations run in one transaction; a kind's after-commit hooks see what was committed,
 * once it is committed (publish to watchers, hand over to a runner). Kind services spread
 * these into their own and add what is theirs.
 */
import type { SqlClient } from "@effect/sql"
import { Aborted, type AnyResource, type NotFound, type ResourceStore, type ResourceTable, Transaction } from "@weft/resource"
import { Effect } from "effect"
import { andThen, make as makePipeline, type Pipeline, run, runInTransaction } from "./Pipeline.js"
import { type ByIdInput, LoadByReference, LoadTarget } from "./Steps.js"

type Body = { readonly body: unknown }

export interface KindPipelines<A extends AnyResource, EC, EU, EG, ES, ED, R> {
  readonly create: Pipeline<Body, { readonly state: A }, EC, R>
  readonly update: Pipeline<
    ByIdInput & Body,
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
export const make = <A extends AnyResource, EC, EU, EG, ES, ED, R, RH = never>(
  pipelines: KindPipelines<A, EC, EU, EG, ES, ED, R>,
  provide: Provide<R | RH>,
  hooks: Hooks<A, RH> = {}
) => {
  const updated = (ctx: { readonly state: A; readonly unchanged?: boolean | undefined }) =>
    ctx.unchanged === true || hooks.updated === undefined ? Effect.void : hooks.updated(ctx.state)
  return {
    create: (body: unknown) =>
      runInTransaction(pipelines.create, { body }, (ctx) =>
        hooks.created === undefined ? Effect.void : hooks.created(ctx.state)).pipe(
          Effect.map((ctx) => ctx.state),
          // An insert is never a stale write: ABORTED cannot come out of a create.
          Effect.catchIf((error): error is Extract<EC, Aborted> => error instanceof Aborted, Effect.die),
          provide
        ),

    get: (id: string) => provide(Effect.map(run(pipelines.get, { id }), (ctx) => ctx.target)),

    getBySlug: (slug: string, org?: string) =>
      provide(Effect.map(run(pipelines.getBySlug, { slug, org }), (ctx) => ctx.target)),

    update: (id: string, body: unknown, ifMatch?: string) =>
      provide(Effect.map(runInTransaction(pipelines.update, { id, body, ifMatch }, updated), (ctx) => ctx.state)),

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
 * answers the resource and whether it created. `load` validates the body and loads the
 * resource it would update; the create or update half is then the kind's own pipeline,
 * and the matching hook runs after commit.
 */
export const apply = <A extends AnyResource, EA, EC, EU, R, RH = never>(
  name: string,
  pipelines: {
    readonly load: Pipeline<Body, { readonly existing: A | undefined }, EA, R>
    readonly create: KindPipelines<A, EC, EU, never, never, never, R>["create"]
    readonly update: KindPipelines<A, EC, EU, never, never, never, R>["update"]
  },
  provide: Provide<R | RH>,
  hooks: Hooks<A, RH> = {}
) =>
(body: unknown) =>
  Transaction.run(
    Effect.gen(function*() {
      const loaded = yield* run(pipelines.load, { body })
      if (loaded.existing === undefined) {
        const created = yield* run(pipelines.create, { body })
        return { resource: created.state, created: true, changed: true }
      }
      const updated = yield* run(pipelines.update, { id: loaded.existing.metadata.id, body })
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

/**
 * The operations of `make`, each answering `f(resource)`: for a kind whose stored form
 * is not what it answers (secret values are stored sealed and answered masked).
 */
export const present = <A, B, EC, EG, ES, EU, ED>(
  operations: {
    readonly create: (body: unknown) => Effect.Effect<A, EC>
    readonly get: (id: string) => Effect.Effect<A, EG>
    readonly getBySlug: (slug: string, org?: string) => Effect.Effect<A, ES>
    readonly update: (id: string, body: unknown, ifMatch?: string) => Effect.Effect<A, EU>
    readonly delete: (id: string, ifMatch?: string) => Effect.Effect<A, ED>
  },
  f: (resource: A) => B
) => ({
  create: (body: unknown) => Effect.map(operations.create(body), f),
  get: (id: string) => Effect.map(operations.get(id), f),
  getBySlug: (slug: string, org?: string) => Effect.map(operations.getBySlug(slug, org), f),
  update: (id: string, body: unknown, ifMatch?: string) => Effect.map(operations.update(id, body, ifMatch), f),
  delete: (id: string, ifMatch?: string) => Effect.map(operations.delete(id, ifMatch), f)
})
