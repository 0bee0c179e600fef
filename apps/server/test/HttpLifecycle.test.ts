/**
 * Graceful shutdown in process (`Lifecycle.drain` without a node server, as the parts
 * that do not need one): it waits for handlers in flight, answers requests that arrive
 * meanwhile with 503 UNAVAILABLE in the contract's shape, and gives up after the grace
 * period. The node-server side (stop listening, connections) is in Process.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { SystemApi } from "@weft/api"
import { Internal, InvalidArgument, NotFound, PayloadTooLarge, Unavailable } from "@weft/resource"
import { Effect, Fiber, Layer, Schema } from "effect"
import * as HttpErrors from "../src/HttpErrors.js"
import * as Lifecycle from "../src/Lifecycle.js"
import * as TestServer from "./support/TestServer.js"
import * as ServerConfig from "../src/ServerConfig.js"

const SLOW_MS = 400

class SlowApi extends HttpApiGroup.make("slow", { topLevel: true })
  .add(HttpApiEndpoint.get("slow", "/slow").addSuccess(Schema.Struct({ done: Schema.Boolean })))
  .add(HttpApiEndpoint.get("slower", "/slower").addSuccess(Schema.Struct({ done: Schema.Boolean })))
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
  handlers
    .handle("slow", () => Effect.as(Effect.sleep(SLOW_MS), { done: true }))
    .handle("slower", () => Effect.as(Effect.sleep(5_000), { done: true })))

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
  it.live("drain waits for a handler in flight, also after earlier requests have finished", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      // A finished request first: the "all idle" signal must not stay set from it.
      assert.strictEqual((yield* get("/health")).status, 200)
      const slow = yield* Effect.fork(get("/slow"))
      yield* Effect.sleep("100 millis")
      const started = Date.now()
      yield* lifecycle.drain(undefined)
      const waited = Date.now() - started
      assert.isAtLeast(waited, SLOW_MS - 150, `drain returned after ${waited} ms, before the slow request ended`)
      const res = yield* Fiber.join(slow)
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.body, { done: true })
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 5_000 }))))

  it.live("requests arriving while draining get 503 UNAVAILABLE in the contract's shape", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      const slow = yield* Effect.fork(get("/slow"))
      yield* Effect.sleep("100 millis")
      const draining = yield* Effect.fork(lifecycle.drain(undefined))
      yield* Effect.sleep("20 millis")
      const res = yield* get("/health")
      assert.strictEqual(res.status, 503)
      assert.strictEqual(res.body.code, "UNAVAILABLE")
      assert.isString(res.body.message)
      assert.strictEqual(res.headers["connection"], "close")
      assert.strictEqual((yield* Fiber.join(slow)).status, 200, "the one in flight still finishes")
      yield* Fiber.join(draining)
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 5_000 }))))

  it.live("drain gives up after the grace period", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle.Lifecycle
      yield* Effect.fork(get("/slower"))
      yield* Effect.sleep("100 millis")
      const started = Date.now()
      yield* lifecycle.drain(undefined)
      const waited = Date.now() - started
      assert.isAtLeast(waited, 250)
      assert.isBelow(waited, 2_000, `drain took ${waited} ms with a 300 ms grace period`)
    }).pipe(Effect.provide(makeServer({ shutdownGraceMillis: 300 }))))
})
