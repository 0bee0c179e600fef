/**
 * `pnpm start`: runs the server in the foreground until SIGTERM or SIGINT, then drains
 * in-flight requests and closes the database.
 */
import { HttpServer } from "@effect/platform"
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { Lifecycle } from "./Lifecycle.js"
import { NodeServer, ServerLive } from "./Server.js"
import * as ServerConfig from "./ServerConfig.js"

const main = Effect.gen(function*() {
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
}).pipe(
  Effect.scoped,
  Effect.provide(ServerLive.pipe(Layer.provide(ServerConfig.layerEnv))),
  Effect.provide(Logger.json),
  Logger.withMinimumLogLevel(LogLevel.Info)
)

NodeRuntime.runMain(main, { disablePrettyLogger: true })
