/**
 * Graceful shutdown in process (`Lifecycle.drain` without a node server, as the parts
 * that do not need one): it waits for handlers in flight, answers requests that arrive
 * meanwhile with 503 UNAVAILABLE in the contract's shape, and gives up after the grace
 * period. The node-server side (stop listening, connections) is in Process.test.ts; here
 * only what the node server answers before the app serves.
 */
import { assert, describe, it } from "@effect/vitest"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { SystemApi } from "@weft/api"
import { Internal, InvalidArgument, NotFound, PayloadTooLarge, Unavailable } from "@weft/resource"
import { Deferred, Effect, Fiber, FiberId, Layer, Option, Schema, TestClock } from "effect"
import { ServerProcess as Proc } from "@weft/testing"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as HttpErrors from "../src/HttpErrors.js"
import * as Lifecycle from "../src/Lifecycle.js"
import { makeNodeServer } from "../src/Server.js"
import * as TestServer from "./support/TestServer.js"
import * as ServerConfig from "../src/ServerConfig.js"

/** The slow handlers tell when they have started and finish only when released. */
let entered = Deferred.unsafeMake<void>(FiberId.none)
let release = Deferred.unsafeMake<void>(FiberId.none)

class SlowApi extends HttpApiGroup.make("slow", { topLevel: true })
  .add(HttpApiEndpoint.get("slow", "/slow").addSuccess(Schema.Struct({ done: Schema.Boolean })))
{}

const TestApi = HttpApi.make("weft")
  .add(SystemApi)
  .add(SlowApi)
  .addError(InvalidArgument)
  .addError(NotFound)
  .addError(PayloadTooLarge)
  .addError(Internal)
  .addError(Unavailable)

const SlowLive = HttpApiBuilder.group(TestApi, "slow", (handlers) =>
  handlers.handle("slow", () =>
    Deferred.succeed(entered, undefined).pipe(Effect.zipRight(Deferred.await(release)), Effect.as({ done: true }))))

/** A request to /slow that has reached its handler, and the fiber answering it. */
const slowInFlight = Effect.gen(function*() {
  entered = yield* Deferred.make<void>()
  release = yield* Deferred.make<void>()
  const fiber = yield* Effect.fork(get("/slow"))
  yield* Deferred.await(entered)
  return fiber
})

const makeServer = (config: Partial<ServerConfig.ServerConfigShape> = {}) =>
  HttpApiBuilder.serve(Lifecycle.middleware).pipe(
    Layer.provide(HttpErrors.layer),
    Layer.provide(HttpApiBuilder.api(TestApi).pipe(Layer.provide([SlowLive, TestServer.SystemOnlyLive]))),
    Layer.provideMerge(Lifecycle.layer),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(ServerConfig.layer({ ...ServerConfig.defaults, ...config }))
  )

const get = (path: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(HttpClientRequest.get(path))
    const text = yield* response.text
    return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
  }).pipe(Effect.scoped, Effect.orDie)

describe("graceful shutdown (in process)", () => {
  it.effect("drain waits for a handler in flight, also after earlier requests have finished", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      // A finished request first: the "all idle" signal must not stay set from it.
      assert.strictEqual((yield* get("/health")).status, 200)
      const slow = yield* slowInFlight
      const draining = yield* Effect.fork(lifecycle.drain(undefined))
      yield* TestClock.adjust("4999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(draining)), "drain returned while a handler was in flight")
      yield* Deferred.succeed(release, undefined)
      const res = yield* Fiber.join(slow)
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.body, { done: true })
      yield* Fiber.join(draining)
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 5_000 }))))

  it.effect("requests arriving while draining get 503 UNAVAILABLE in the contract's shape", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      const slow = yield* slowInFlight
      const draining = yield* Effect.fork(lifecycle.drain(undefined))
      yield* Deferred.await(lifecycle.closing)
      const res = yield* get("/health")
      assert.strictEqual(res.status, 503)
      assert.strictEqual(res.body.code, "UNAVAILABLE")
      assert.isString(res.body.message)
      assert.strictEqual(res.headers["connection"], "close")
      yield* Deferred.succeed(release, undefined)
      assert.strictEqual((yield* Fiber.join(slow)).status, 200, "the one in flight still finishes")
      yield* Fiber.join(draining)
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 5_000 }))))

  it.effect("drain gives up after the grace period", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      const slow = yield* slowInFlight
      const draining = yield* Effect.fork(lifecycle.drain(undefined))
      yield* TestClock.adjust("299 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(draining)), "drain gave up before the grace period")
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(draining)
      yield* Fiber.interrupt(slow)
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 300 }))))
})

describe("start-up (node server)", () => {
  /** The node server weft listens with, on a free port of 127.0.0.1; closed with the scope. */
  const listening = Effect.acquireRelease(
    Effect.async<{ readonly server: Server; readonly url: string }>((resume) => {
      const server = makeNodeServer(ServerConfig.defaults)
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}` }))
      })
    }),
    ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
  )

  it.live("a request before the app serves gets 503 UNAVAILABLE, not silence; once it serves, the app alone answers", () =>
    Effect.gen(function*() {
      const { server, url } = yield* listening
      const early = yield* Proc.get(`${url}/health`)
      assert.strictEqual(early.status, 503)
      assert.strictEqual(JSON.parse(early.body).code, "UNAVAILABLE")
      assert.isString(JSON.parse(early.body).message)
      assert.strictEqual(early.headers["retry-after"], "1")
      // The app starts serving (as `NodeHttpServer` does: a `request` listener).
      server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end("{\"status\":\"ok\"}")
      })
      const served = yield* Proc.get(`${url}/health`)
      assert.strictEqual(served.status, 200)
      assert.deepStrictEqual(JSON.parse(served.body), { status: "ok" })
      assert.strictEqual(server.listenerCount("request"), 1, "the start-up answer stepped aside")
      assert.strictEqual((yield* Proc.get(`${url}/health`)).status, 200)
    }).pipe(Effect.scoped))
})
