/**
 * Single-resource responses: the resource as JSON with its version as a quoted ETag,
 * and the status chosen at run time (apply answers 201 or 200).
 *
 * Stored resources are already in their canonical encoded form (they were decoded and
 * built by the pipelines), so they are written as JSON directly instead of being encoded
 * again through the endpoint's schema on every response.
 */
import { HttpServerResponse } from "@effect/platform"
import type { AnyResource } from "@weft/resource"
import { Effect } from "effect"

export const etag = (resource: AnyResource) => `"${resource.metadata.version}"`

export const json = (
  resource: AnyResource,
  status = 200,
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(resource, { status, headers: { ...headers, etag: etag(resource) } })

/** Answers the resource with its ETag. */
export const withETag = <A extends AnyResource, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> => Effect.map(effect, (resource) => json(resource))

/** Answers 201 with the resource when it was created. */
export const created = <A extends AnyResource, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> => Effect.map(effect, (resource) => json(resource, 201))

/** Apply: 201 when it created, 200 when it updated. */
export const applied = <A extends AnyResource, E, R>(
  effect: Effect.Effect<{ readonly resource: A; readonly created: boolean }, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.map(effect, ({ created, resource }) => json(resource, created ? 201 : 200))

/** An idempotent start: 201 when it started the execution, 200 with `Idempotent-Replayed: true` when an earlier request had. */
export const started = <A extends AnyResource, E, R>(
  effect: Effect.Effect<{ readonly execution: A; readonly replayed: boolean }, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.map(effect, ({ execution, replayed }) =>
    replayed ? json(execution, 200, { "idempotent-replayed": "true" }) : json(execution, 201))

/** A list page `{entries, nextPageToken?}` as JSON. */
export const listed = <P extends object, E, R>(
  effect: Effect.Effect<P, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.map(effect, (page) => HttpServerResponse.unsafeJson(page))
