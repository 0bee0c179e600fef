/**
 * Composes the weft HTTP server: the HttpApi with every group's handlers, the error
 * shaping, OpenAPI and docs routes, request logs and graceful shutdown, over the
 * services of each kind and one SqlClient.
 */
import { HttpApiBuilder, HttpApiSwagger, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type { SqlClient } from "@effect/sql"
import { WeftApi } from "@weft/api"
import { EngineConfig, Interpreter, Weft } from "@weft/engine"
import type { SecretBox } from "@weft/resource"
import { ExecutionRetention, ExecutionRunner } from "@weft/workflowexecution"
import { Effect, Layer } from "effect"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import * as Auth from "./Auth.js"
import * as Console from "./Console.js"
import * as Database from "./Database.js"
import { EnvironmentsLive } from "./handlers/Environments.js"
import { SystemLive } from "./handlers/System.js"
import { WorkflowExecutionsLive } from "./handlers/WorkflowExecutions.js"
import { WorkflowInstancesLive } from "./handlers/WorkflowInstances.js"
import { WorkflowsLive } from "./handlers/Workflows.js"
import * as HttpErrors from "./HttpErrors.js"
import * as Lifecycle from "./Lifecycle.js"
import * as Metrics from "./Metrics.js"
import * as RequestLog from "./RequestLog.js"
import * as Routes from "./Routes.js"
import { ServerConfig, type ServerConfigShape } from "./ServerConfig.js"

/** The services with no engine (`WEFT_RUNNER=none`): executions stay PENDING for an external runner. */
export const ServicesLive = Weft.layer(ExecutionRunner.layerNoop)

/** The services with the engine (`WEFT_RUNNER=embedded`): every execution runs, durably, in this process. */
export const ServicesWithEngineLive = Weft.layerWithEngine(Interpreter.run).pipe(Layer.provide(Interpreter.layerServices))

/** The services as configured (`ServerConfig.engine`). */
export const ConfiguredServicesLive = Layer.unwrapEffect(Effect.map(ServerConfig, (config) =>
  config.engine.runner === "embedded"
    ? ServicesWithEngineLive.pipe(Layer.provide(EngineConfig.layer(config.engine)))
    : ServicesLive
))

/**
 * The background sweep: executions that ended longer ago than `WEFT_RETENTION` (none
 * without it), and idempotency keys past their 24 h, every minute in small batches.
 */
const RetentionLive = Layer.unwrapEffect(Effect.map(ServerConfig, (config) =>
  ExecutionRetention.layer({
    ...ExecutionRetention.defaults,
    retention: config.retention,
    every: config.retentionEvery ?? ExecutionRetention.defaults.every
  })
))

/** Every group's handlers. */
export const HandlersLive = Layer.mergeAll(
  SystemLive,
  WorkflowsLive,
  WorkflowInstancesLive,
  WorkflowExecutionsLive,
  EnvironmentsLive
).pipe(
  Layer.provide(ConfiguredServicesLive),
  Layer.provide(Auth.AccessLive)
)

export const ApiLive = HttpApiBuilder.api(WeftApi).pipe(Layer.provide(HandlersLive))

/** The HTTP app over an `HttpServer` (real or test), and a SqlClient. */
export const HttpLive = Layer.unwrapEffect(Effect.gen(function*() {
  const config = yield* ServerConfig
  const console = yield* Console.make
  const measured = Metrics.middleware(yield* Routes.make)
  return HttpApiBuilder.serve((api) => {
    const app = measured(console(api))
    return Lifecycle.middleware(config.logRequests ? RequestLog.middleware(app) : app).pipe(HttpMiddleware.withLoggerDisabled)
  })
})).pipe(
  // The router the groups add their routes to (the same instance: layers are memoised).
  Layer.provide(HttpApiBuilder.Router.Live),
  Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(HttpErrors.layer),
  Layer.provide(Auth.layer),
  Layer.provide(ApiLive),
  Layer.provideMerge(Lifecycle.layer)
)

/**
 * The app over a database (its SqlClient and the SecretBox that seals its secrets): the
 * HTTP app (unbound: it needs an `HttpServer`), the retention sweep and, in its output too, the services it
 * serves and the database layer's services, so that in-process
 * callers reach the very instances the handlers use (layers are memoised by reference
 * within one build). The one place where a database layer meets the app: the server
 * (`ServerLive`) and the in-process test server both build the app here.
 */
export const appOver = <A extends SqlClient.SqlClient | SecretBox.SecretBox, E, R>(database: Layer.Layer<A, E, R>) =>
  Layer.merge(HttpLive, RetentionLive).pipe(Layer.provideMerge(ConfiguredServicesLive), Layer.provideMerge(database))

/** The node:http server the app listens on, for shutdown to stop accepting. */
export class NodeServer extends Effect.Tag("@weft/server/NodeServer")<NodeServer, import("node:http").Server>() {}

/**
 * Node's own limits: a client must send its whole request within the request timeout
 * (a slow body cannot hold a connection forever) and its headers within 10 s.
 */
const NodeServerLive = Layer.effect(NodeServer, Effect.map(ServerConfig, (config) => makeNodeServer(config)))

/** The node:http server weft listens with: its timeouts, and errors node answers itself in the contract's shape. */
export const makeNodeServer = (config: ServerConfigShape) => {
  const server = createServer({
    requestTimeout: config.requestTimeoutMillis,
    headersTimeout: Math.min(10_000, config.requestTimeoutMillis),
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, config.requestTimeoutMillis)
  })
  server.on("clientError", answerClientError)
  answerWhileStarting(server)
  return server
}

/**
 * The port is bound before the app serves (migrations and the engine's start-up come in
 * between: seconds on PostgreSQL), and node leaves a request that no `request` listener
 * takes unanswered for good. Until the app's handler is attached, requests are answered
 * 503 UNAVAILABLE in the contract's shape (`Retry-After: 1`, the connection closed), as a
 * replica being restarted should be; then this listener removes itself.
 */
const answerWhileStarting = (server: Server) => {
  const starting = (_request: IncomingMessage, response: ServerResponse) => {
    if (server.listenerCount("request") > 1) {
      // The app is serving: it answers this request and every later one.
      server.off("request", starting)
      return
    }
    const body = JSON.stringify({ code: "UNAVAILABLE", message: "the server is starting" })
    response.writeHead(503, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "retry-after": "1",
      connection: "close"
    })
    response.end(body)
  }
  server.on("request", starting)
}

/**
 * Requests node refuses before the app sees them (unparsable request lines, oversized
 * headers, a request not received in time) answered in the contract's shape rather
 * than with node's empty bodies.
 */
const answerClientError = (error: NodeJS.ErrnoException, socket: Duplex) => {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const timeout = error.code === "ERR_HTTP_REQUEST_TIMEOUT"
  const message = timeout
    ? "the request was not received in time"
    : error.code === "HPE_HEADER_OVERFLOW"
    ? "the request headers are too large"
    : "the request is not valid HTTP"
  const body = JSON.stringify({ code: "INVALID_ARGUMENT", message })
  const status = timeout ? "408 Request Timeout" : "400 Bad Request"
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${
      Buffer.byteLength(body)
    }\r\nconnection: close\r\n\r\n${body}`
  )
}

const ListenLive = Layer.unwrapEffect(Effect.gen(function*() {
  const config = yield* ServerConfig
  const server = yield* NodeServer
  return NodeHttpServer.layer(() => server, { port: config.port, host: config.host })
}))

/** The whole server as run by `pnpm start`: listening, over the configured database. */
export const ServerLive = appOver(Database.layer).pipe(
  Layer.provideMerge(ListenLive),
  Layer.provideMerge(NodeServerLive)
)

export { HttpServer }
