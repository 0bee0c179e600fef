/**
 * Graceful shutdown. The server counts in-flight requests; `drain` stops accepting
 * connections, answers new requests on open connections with 503 UNAVAILABLE, tells
 * long-lived streams (watchers) to end cleanly, and waits for in-flight requests to
 * finish (up to the configured grace period) before the database is closed.
 */
import { HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { Context, Deferred, Duration, Effect, Layer, Ref } from "effect"
import type * as Http from "node:http"
import { ServerConfig } from "./ServerConfig.js"

export interface LifecycleShape {
  /** Completes when shutdown begins; streams end when it does. */
  readonly closing: Deferred.Deferred<void>
  /** Runs `effect` as an in-flight request, or `refused` once shutdown began. */
  readonly track: <A, E, R>(effect: Effect.Effect<A, E, R>, refused: Effect.Effect<A>) => Effect.Effect<A, E, R>
  readonly drain: (server: Http.Server | undefined) => Effect.Effect<void>
}

export class Lifecycle extends Context.Tag("@weft/server/Lifecycle")<Lifecycle, LifecycleShape>() {}

export const make = Effect.gen(function*() {
  const config = yield* ServerConfig
  const closing = yield* Deferred.make<void>()
  const inFlight = yield* Ref.make(0)
  const idle = yield* Ref.make(yield* Deferred.make<void>())

  const enter = Ref.modify(inFlight, (n) => [n + 1, n + 1])
  const leave = Effect.flatMap(Ref.modify(inFlight, (n) => [n - 1, n - 1]), (n) =>
    n === 0 ? Effect.flatMap(Ref.get(idle), (d) => Deferred.succeed(d, undefined)) : Effect.void)

  const track: LifecycleShape["track"] = (effect, refused) =>
    Effect.flatMap(Deferred.isDone(closing), (isClosing) =>
      isClosing ? refused : Effect.acquireUseRelease(enter, () => effect, () => leave))

  const drain: LifecycleShape["drain"] = (server) =>
    Effect.gen(function*() {
      yield* Deferred.succeed(closing, undefined)
      if (server !== undefined) {
        server.close()
        server.closeIdleConnections()
      }
      if ((yield* Ref.get(inFlight)) > 0) {
        const done = yield* Ref.get(idle)
        yield* Deferred.await(done).pipe(Effect.timeout(Duration.millis(config.shutdownGraceMillis)), Effect.ignore)
      }
      server?.closeAllConnections()
    })

  return Lifecycle.of({ closing, track, drain })
})

export const layer = Layer.effect(Lifecycle, make)

/** Counts each request as in flight; refuses new ones once shutdown began. */
const shuttingDown = HttpServerResponse.unsafeJson(
  { code: "UNAVAILABLE", message: "the server is shutting down" },
  { status: 503, headers: { connection: "close" } }
)

export const middleware = HttpMiddleware.make((app) =>
  Effect.flatMap(Lifecycle, (lifecycle) => lifecycle.track(app, Effect.succeed(shuttingDown)))
)
