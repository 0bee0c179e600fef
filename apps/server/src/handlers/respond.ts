/**
 * Response details the typed endpoints cannot express: the ETag of a single resource
 * and a status chosen at run time (apply answers 201 or 200).
 */
import { HttpApp, HttpServerResponse } from "@effect/platform"
import type { AnyResource } from "@weft/resource"
import { Effect } from "effect"

export const etag = (resource: AnyResource) => `"${resource.metadata.version}"`

/** Sends the resource's version as a quoted ETag. */
export const withETag = <A extends AnyResource, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.tap(effect, (resource) =>
    HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "etag", etag(resource)))
    ))

/** Apply: 201 when it created, 200 when it updated; the resource with its ETag. */
export const applied = <A extends AnyResource, E, R>(
  effect: Effect.Effect<{ readonly resource: A; readonly created: boolean }, E, R>
): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.tap(({ created }) =>
      created
        ? HttpApp.appendPreResponseHandler((_, response) =>
          Effect.succeed(HttpServerResponse.setStatus(response, 201))
        )
        : Effect.void
    ),
    Effect.map(({ resource }) => resource),
    withETag
  )
