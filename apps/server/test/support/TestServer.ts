/**
 * An in-process weft server on an ephemeral port over a fresh in-memory database, for
 * end-to-end tests. Provides `HttpServer` (for the address) and an `HttpClient` whose
 * requests go to that server.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse, HttpServer } from "@effect/platform"
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Database from "../../src/Database.js"
import { HttpLive, makeNodeServer } from "../../src/Server.js"
import * as ServerConfig from "../../src/ServerConfig.js"

/** Like `NodeHttpServer.layerTest`, but over the node server weft really listens with. */
export const listen = (config: ServerConfig.ServerConfigShape) =>
  HttpServer.layerTestClient.pipe(
    Layer.provide(NodeHttpClient.layerWithoutAgent),
    Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: false })),
    Layer.provideMerge(NodeHttpServer.layer(() => makeNodeServer(config), { port: 0 }))
  )

export const make = (overrides: Partial<ServerConfig.ServerConfigShape> = {}) => {
  const config = { ...ServerConfig.defaults, ...overrides }
  return HttpLive.pipe(
    Layer.provide(Database.layerSqlite(":memory:")),
    Layer.provideMerge(listen(config)),
    Layer.provideMerge(ServerConfig.layer(config))
  )
}

/** `http://127.0.0.1:<port>` of the running test server. */
export const baseUrl = Effect.map(HttpServer.HttpServer, (server) => {
  const address = server.address
  return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""
})

/** Sends a JSON request; answers with the status, headers and parsed JSON body. */
export const request = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    let req = HttpClientRequest.make(method)(path).pipe(HttpClientRequest.setHeaders(headers))
    if (body !== undefined) req = HttpClientRequest.bodyUnsafeJson(req, body)
    const response = yield* client.execute(req)
    const text = yield* response.text
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? undefined : JSON.parse(text) as any
    }
  }).pipe(Effect.scoped, Effect.orDie)

/** The status (and body) of a request whose answer may be an endless event stream. */
export const peek = (method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, headers: Record<string, string>, body?: unknown) =>
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

export { HttpClientResponse }
