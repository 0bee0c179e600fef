import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as TestServer from "./support/TestServer.js"

describe("system routes", () => {
  it.live("GET /health answers ok", () =>
    Effect.gen(function*() {
      const res = yield* TestServer.request("GET", "/health")
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.body, { status: "ok" })
    }).pipe(Effect.provide(TestServer.make())))

  it.live("an unknown route is a 404 in the contract's shape", () =>
    Effect.gen(function*() {
      const res = yield* TestServer.request("GET", "/nope")
      assert.strictEqual(res.status, 404)
      assert.strictEqual(res.body.code, "NOT_FOUND")
      assert.isString(res.body.message)
    }).pipe(Effect.provide(TestServer.make())))
})
