/**
 * `pnpm start`: runs the server in the foreground until SIGTERM or SIGINT, then drains
 * in-flight requests and closes the database.
 */
import { HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import * as Auth from "./Auth.js"
import * as RotateSecrets from "./RotateSecrets.js"
import { Lifecycle } from "./Lifecycle.js"
import { NodeServer, ServerLive } from "./Server.js"
import * as ServerConfig from "./ServerConfig.js"
import * as Tracing from "./Tracing.js"

const serve = Effect.gen(function*() {
  const address = yield* HttpServer.HttpServer.pipe(Effect.map((server) => server.address))
  const lifecycle = yield* Lifecycle
  const node = yield* NodeServer
  yield* Effect.addFinalizer(() =>
    Effect.logInfo("shutting down").pipe(Effect.zipRight(lifecycle.drain(node)), Effect.zipRight(Effect.logInfo("stopped")))
  )
  if (address._tag === "TcpAddress") {
    const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname
    process.stdout.write(`weft listening on http://${host}:${address.port}\n`)
  }
  return yield* Effect.never
})

const main = Effect.gen(function*() {
  const config = yield* ServerConfig.fromEnv
  if (process.argv[2] === "rotate-secrets") {
    yield* RotateSecrets.run.pipe(Effect.provide(ServerConfig.layer(config)))
    return yield* Effect.sync(() => process.exit(0))
  }
  const auth = yield* Auth.fromEnv
  yield* Auth.checkExposure(auth, config.host)
  yield* Auth.logWarnings(auth)
  const tracing = yield* Tracing.fromEnv
  const server = serve.pipe(
    Effect.scoped,
    Effect.provide(ServerLive.pipe(Layer.provide(ServerConfig.layer(config)))),
    Effect.provide(Layer.succeed(Auth.AuthConfig, auth))
  )
  return yield* Option.match(tracing, {
    // No span exporter is configured: spans would be built and dropped on every request.
    onNone: () =>
      server.pipe(
        Effect.withTracerEnabled(false),
        Effect.locally(HttpMiddleware.currentTracerDisabledWhen, () => true)
      ),
    // Spans still batched are sent once the server has stopped.
    onSome: (settings) => Effect.provide(server, Tracing.layer(settings))
  })
}).pipe(
  // A server that cannot start says why in one line and exits 1.
  Effect.catchAll((error) =>
    Effect.sync(() => {
      const cause = (error as { readonly cause?: unknown }).cause
      const reason = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error)
      process.stderr.write(`weft: cannot ${process.argv[2] === "rotate-secrets" ? "rotate secrets" : "start"}: ${reason}\n`)
      process.exit(1)
    })
  ),
  Effect.provide(Logger.json),
  Logger.withMinimumLogLevel(LogLevel.Info)
)

NodeRuntime.runMain(main, { disablePrettyLogger: true })
