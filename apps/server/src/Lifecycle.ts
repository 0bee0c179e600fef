/**
 * Graceful shutdown. The server counts in-flight requests; `drain` stops accepting
 * connections, answers new requests on open connections with 503 UNAVAILABLE, tells
 * long-lived streams (watchers) to end cleanly, and waits for in-flight requests to
 * finish (up to the configured grace period) before the database is closed.
 */
import { HttpMiddleware, HttpServerResponse } from "@effect/platform"
import { Clock, Context, Deferred, Duration, Effect, Exit, FiberId, Layer } from "effect"
import type * as Http from "node:http"
import { ServerConfig } from "./ServerConfig.js"

export interface LifecycleShape {
  /** Completes when shutdown begins; streams end when it does. */
  readonly closing: Deferred.Deferred<void>
  /** Whether shutdown has begun. */
  readonly isClosing: () => boolean
  /** Runs `effect` as an in-flight request, or `refused` once shutdown began. */
  readonly track: <A, E, R>(effect: Effect.Effect<A, E, R>, refused: Effect.Effect<A>) => Effect.Effect<A, E, R>
  readonly drain: (server: Http.Server | undefined) => Effect.Effect<void>
}

export class Lifecycle extends Context.Tag("@weft/server/Lifecycle")<Lifecycle, LifecycleShape>() {}

export const make = Effect.gen(function*() {
  const config = yield* ServerConfig
  const closing = yield* Deferred.make<void>()
  // Plain counters: this runs on every request, and needs no more than a JS variable.
  let shuttingDown = false
  let inFlight = 0
  let idle: Deferred.Deferred<void> | undefined

  const leave = Effect.sync(() => {
    inFlight--
    if (inFlight === 0 && idle !== undefined) Deferred.unsafeDone(idle, Exit.void)
  })

  const track: LifecycleShape["track"] = (effect, refused) =>
    Effect.suspend(() => {
      if (shuttingDown) return refused
      inFlight++
      return Effect.ensuring(effect, leave)
    })

  const grace = Duration.millis(config.shutdownGraceMillis)

  /**
   * Stops listening and waits until every connection has ended: node keeps a connection
   * open while a request on it is arriving or being answered (an in-flight request is
   * more than a running handler: its headers or body may still be on their way), and it
   * goes idle after its response; idle ones are closed as they appear. Plain timers
   * rather than a race: drain runs as a finalizer, uninterruptibly.
   */
  const connectionsClosed = (server: Http.Server, timeout: number) =>
    Effect.async<void>((resume) => {
      let done = false
      const finish = () => {
        if (done) return
        done = true
        clearInterval(poll)
        clearTimeout(timer)
        resume(Effect.void)
      }
      const poll = setInterval(() => server.closeIdleConnections(), 20)
      const timer = setTimeout(finish, timeout)
      server.close(finish)
      server.closeIdleConnections()
    })

  const drain: LifecycleShape["drain"] = (server) =>
    Effect.gen(function*() {
      const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(grace)
      shuttingDown = true
      yield* Deferred.succeed(closing, undefined)
      if (server !== undefined) yield* connectionsClosed(server, Duration.toMillis(grace))
      // Handlers may outlive their connection (a client that went away).
      // Checked and armed in one synchronous step, so a request ending in between is seen.
      const done = yield* Effect.sync(() => inFlight === 0 ? undefined : (idle = Deferred.unsafeMake<void>(FiberId.none)))
      if (done !== undefined) {
        const left = Math.max(0, deadline - (yield* Clock.currentTimeMillis))
        yield* Deferred.await(done).pipe(Effect.timeout(left), Effect.ignore)
      }
      server?.closeAllConnections()
    })

  return Lifecycle.of({ closing, isClosing: () => shuttingDown, track, drain })
})

export const layer = Layer.effect(Lifecycle, make)

const shuttingDown = HttpServerResponse.unsafeJson(
  { code: "UNAVAILABLE", message: "the server is shutting down" },
  { status: 503, headers: { connection: "close" } }
)

/**
 * Counts each request as in flight; refuses new ones once shutdown began, and tells
 * clients answered during shutdown not to reuse their connection.
 */
export const middleware = HttpMiddleware.make((app) =>
  Effect.flatMap(Lifecycle, (lifecycle) =>
    lifecycle.track(
      Effect.map(app, (response) =>
        lifecycle.isClosing() ? HttpServerResponse.setHeader(response, "connection", "close") : response),
      Effect.succeed(shuttingDown)
    ))
)
