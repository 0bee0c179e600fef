/**
 * The in-process weft server of the end-to-end tests, and the HTTP helpers they share.
 *
 * `make()` is the app as the server composes it (`Server.appOver`), listening on an
 * ephemeral port with node's real server, over `database(backend)`: a fresh database for
 * each build (each `Effect.provide`): an in-memory SQLite, or on PostgreSQL
 * (`WEFT_TEST_PG`) a schema of its own, dropped when the layer is released. It provides
 * `HttpServer` (for the address), an `HttpClient` whose requests go to that server, the
 * services and the SqlClient.
 *
 * A suite runs on every backend `TestDatabase.backends` offers with
 * `describe.each(TestDatabase.backends)` and `withServer(config, { database: database(backend) })`.
 */
import { HttpClient, HttpClientRequest, HttpServer } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import type { SqlClient } from "@effect/sql"
import { assert } from "@effect/vitest"
import { SecretBox, TestDatabase } from "@weft/resource"
import { Effect, Layer } from "effect"
import * as Auth from "../../src/Auth.js"
import * as Database from "../../src/Database.js"
import { SystemLive } from "../../src/handlers/System.js"
import { appOver, makeNodeServer } from "../../src/Server.js"
import * as ServerConfig from "../../src/ServerConfig.js"

/** A database layer: the SqlClient, and the SecretBox that seals the secrets stored in it. */
export type DatabaseLayer = Layer.Layer<SqlClient.SqlClient | SecretBox.SecretBox, unknown>

/** A fresh PostgreSQL schema on the `WEFT_TEST_PG` server, dropped with the layer; a key of its own. */
const freshPostgres: DatabaseLayer = Layer.unwrapScoped(Effect.gen(function*() {
  if (TestDatabase.pgUrl === undefined) return yield* Effect.dieMessage("WEFT_TEST_PG is not set: no PostgreSQL server to test on")
  const fresh = yield* TestDatabase.freshSchema(TestDatabase.pgUrl)
  return Database.layerPostgres(fresh.url, ServerConfig.defaults.engine.runnerAddress).pipe(
    Layer.merge(SecretBox.layerTest)
  )
}))

/** The database of a test server on `backend`: a fresh, empty one each time the layer is built. */
export const database = (backend: TestDatabase.Backend = "sqlite"): DatabaseLayer =>
  backend === "pg" ? freshPostgres : Database.layerSqlite(":memory:")

/** Like `NodeHttpServer.layerTest`, but over the node server weft really listens with. */
export const listen = (config: ServerConfig.ServerConfigShape) =>
  HttpServer.layerTestClient.pipe(
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: false })),
    Layer.provideMerge(NodeHttpServer.layer(() => makeNodeServer(config), { port: 0 }))
  )

/**
 * The system group's handlers alone (health, metrics), for test apps built from some
 * groups only: an open API, and a database of their own for the metrics.
 */
export const SystemOnlyLive = SystemLive.pipe(Layer.provide(Auth.AccessLive), Layer.provide(database()))

export interface Options {
  /** The database the app runs on (default: `database()`). */
  readonly database?: DatabaseLayer
}

/** The app with `overrides` over the default configuration, listening, over a fresh database. */
export const make = (overrides: Partial<ServerConfig.ServerConfigShape> = {}, options: Options = {}) => {
  const config = { ...ServerConfig.defaults, ...overrides }
  return appOver(options.database ?? database()).pipe(
    Layer.provideMerge(listen(config)),
    Layer.provideMerge(ServerConfig.layer(config)),
    Layer.orDie
  )
}

/** Runs `effect` against a fresh `make(overrides, options)` server. */
export const withServer = (overrides: Partial<ServerConfig.ServerConfigShape> = {}, options: Options = {}) =>
<A, E>(effect: Effect.Effect<A, E, any>): Effect.Effect<A, E, never> =>
  Effect.provide(effect, make(overrides, options)) as Effect.Effect<A, E, never>

/** `withServer(overrides)` over a fresh database of `backend`. */
export const withServerOn = (backend: TestDatabase.Backend, overrides: Partial<ServerConfig.ServerConfigShape> = {}) =>
  withServer(overrides, { database: database(backend) })

/** `http://127.0.0.1:<port>` of the running test server. */
export const baseUrl = Effect.map(HttpServer.HttpServer, (server) => {
  const address = server.address
  return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
})

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

export interface Response {
  readonly status: number
  readonly headers: Record<string, string>
  /** The parsed JSON body; undefined when empty. */
  readonly body: any
}

const exchange = (req: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(req)
    const text = yield* response.text
    return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) } as Response
  }).pipe(Effect.scoped, Effect.orDie)

/** Sends a JSON request (no body when `body` is undefined); answers the status, headers and parsed JSON body. */
export const request = (method: Method, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const req = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(headers))
  return exchange(body === undefined ? req : HttpClientRequest.bodyUnsafeJson(req, body))
}

/** Sends `text` as an `application/json` body as it is (malformed JSON, say), or no body at all. */
export const sendText = (method: Method, path: string, text?: string, headers: Record<string, string> = {}) => {
  const req = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(headers))
  return exchange(text === undefined ? req : HttpClientRequest.bodyText(req, text, "application/json"))
}

/** Asserts the status; answers the body. */
export const expectStatus = (res: Response, status: number, what = "") => {
  assert.strictEqual(res.status, status, `${what}${what === "" ? "" : ": "}${JSON.stringify(res.body)}`)
  return res.body
}

/** Asserts an error in the contract's shape: this status, this `code`, a message (containing `messagePart`). */
export const assertError = (res: Response, status: number, code: string, messagePart?: string) => {
  assert.strictEqual(res.status, status, JSON.stringify(res.body))
  assert.isObject(res.body)
  assert.strictEqual(res.body.code, code, JSON.stringify(res.body))
  assert.isString(res.body.message)
  if (messagePart !== undefined) assert.include(res.body.message, messagePart)
}

/** Asserts the ETag header and the body's version are both `version`. */
export const assertETag = (res: Response, version: number) => {
  assert.strictEqual(res.headers["etag"], `"${version}"`)
  assert.strictEqual(res.body.metadata.version, version)
}

/** The status (and body) of a request whose answer may be an endless event stream. */
export const peek = (method: Method, path: string, headers: Record<string, string>, body?: unknown) =>
  Effect.gen(function*() {
    const base = yield* baseUrl
    return yield* Effect.promise(async () => {
      const controller = new AbortController()
      const response = await fetch(base + path, {
        method,
        signal: controller.signal,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const contentType = response.headers.get("content-type") ?? ""
      const parsed: any = contentType.startsWith("text/event-stream") ? undefined : await response.json().catch(() => undefined)
      controller.abort()
      return { status: response.status, contentType, body: parsed }
    })
  })

/** Creates a workflow of `tasks` in org acme and starts a run of it; answers the execution id. */
export const startRun = (name: string, tasks: ReadonlyArray<unknown>, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const wf = yield* request("POST", "/v1/workflows", {
      metadata: { name, ownerScope: "organization", org: "acme" },
      spec: { document: { dsl: "1.0.0", namespace: "t", name: name.toLowerCase(), version: "1.0.0" }, tasks }
    }, headers)
    if (wf.status !== 201) return yield* Effect.dieMessage(`workflow not created: ${JSON.stringify(wf.body)}`)
    const created = yield* request("POST", "/v1/workflow-executions", {
      metadata: { ownerScope: "organization", org: "acme" },
      spec: { workflowId: wf.body.metadata.id }
    }, headers)
    if (created.status !== 201) return yield* Effect.dieMessage(`execution not created: ${JSON.stringify(created.body)}`)
    return created.body.metadata.id as string
  })

/** The execution's JSON. */
export const getExecution = (id: string, headers: Record<string, string> = {}) =>
  Effect.map(request("GET", `/v1/workflow-executions/${id}`, undefined, headers), (r) => r.body)
