/**
 * The standard operations of a kind, run from its pipelines: create, apply, get, get by
 * slug, update and delete, each returning the resource (apply also says whether it
 * created). Mutations run in one transaction. Kind services spread these into their
 * own and add what is theirs.
 */
import type { SqlClient } from "@effect/sql"
import { Aborted, type AnyResource, type NotFound, type ResourceStore, type ResourceTable, Transaction } from "@weft/resource"
import { Effect } from "effect"
import { andThen, make as makePipeline, type Pipeline, run, runInTransaction } from "./Pipeline.js"
import { type ByIdInput, LoadByReference, LoadTarget } from "./Steps.js"

type Body = { readonly body: unknown }

export interface KindPipelines<A extends AnyResource, EC, EA, EU, EG, ES, ED, R> {
  readonly create: Pipeline<Body, { readonly state: A }, EC, R>
  /** Validates and resolves the slug, then loads the resource apply would update. */
  readonly applyLoad: Pipeline<Body, { readonly existing: A | undefined }, EA, R>
  readonly update: Pipeline<ByIdInput & Body, { readonly state: A }, EU, R>
  readonly get: Pipeline<{ readonly id: string }, { readonly target: A }, EG, R>
  readonly getBySlug: Pipeline<{ readonly slug: string; readonly org?: string | undefined }, { readonly target: A }, ES, R>
  readonly delete: Pipeline<ByIdInput, { readonly deleted: A }, ED, R>
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

/**
 * The operations over `pipelines`. `provide` supplies the services the pipelines need
 * (the kind service's captured context).
 */
export const make = <A extends AnyResource, EC, EA, EU, EG, ES, ED, R>(
  name: string,
  pipelines: KindPipelines<A, EC, EA, EU, EG, ES, ED, R>,
  provide: <X, Y>(effect: Effect.Effect<X, Y, R | SqlClient.SqlClient>) => Effect.Effect<X, Y>
) => ({
  create: (body: unknown) =>
    runInTransaction(pipelines.create, { body }).pipe(
      Effect.map((ctx) => ctx.state),
      // An insert is never a stale write: ABORTED cannot come out of a create.
      Effect.catchIf((error): error is Extract<EC, Aborted> => error instanceof Aborted, Effect.die),
      provide
    ),

  /** Creates, or updates the resource with the same (org, slug); one transaction. */
  apply: (body: unknown) =>
    Effect.gen(function*() {
      const loaded = yield* run(pipelines.applyLoad, { body })
      if (loaded.existing === undefined) {
        const created = yield* run(pipelines.create, { body })
        return { resource: created.state, created: true }
      }
      const updated = yield* run(pipelines.update, { id: loaded.existing.metadata.id, body })
      return { resource: updated.state, created: false }
    }).pipe(Transaction.run, Effect.withSpan(`${name}.apply`, { captureStackTrace: false }), provide),

  get: (id: string) => provide(Effect.map(run(pipelines.get, { id }), (ctx) => ctx.target)),

  getBySlug: (slug: string, org?: string) =>
    provide(Effect.map(run(pipelines.getBySlug, { slug, org }), (ctx) => ctx.target)),

  update: (id: string, body: unknown, ifMatch?: string) =>
    provide(Effect.map(runInTransaction(pipelines.update, { id, body, ifMatch }), (ctx) => ctx.state)),

  delete: (id: string, ifMatch?: string) =>
    provide(Effect.map(runInTransaction(pipelines.delete, { id, ifMatch }), (ctx) => ctx.deleted))
})
