/**
 * Idempotent starts over real HTTP: `Idempotency-Key` on POST /v1/workflow-executions,
 * 201 then 200 with `Idempotent-Replayed: true`, one execution under 20 concurrent
 * identical requests, 409 for another body, 400 for a malformed key, and the OpenAPI
 * document of the header.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as TestServer from "./support/TestServer.js"

const request = TestServer.request

const withServer = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, TestServer.make()) as Effect.Effect<A, E, never>

const PATH = "/v1/workflow-executions"

const createWorkflow = Effect.map(
  request("POST", "/v1/workflows", {
    metadata: { name: "Greeter", ownerScope: "organization", org: "acme" },
    spec: {
      document: { dsl: "1.0.0", namespace: "default", name: "greeter", version: "1.0.0" },
      tasks: [{ name: "greet", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
    }
  }),
  (res) => res.body.metadata.id as string
)

const runBody = (workflowId: string, triggerMessage = "hello") => ({
  metadata: { ownerScope: "organization", org: "acme" },
  spec: { workflowId, triggerMessage, triggerMetadata: { a: "1", b: "2" } }
})

const count = Effect.map(request("GET", `${PATH}?pageSize=1000`), (res) => res.body.entries.length as number)

describe("POST /v1/workflow-executions with Idempotency-Key", () => {
  it.live("201 first; the same key and body again: 200, Idempotent-Replayed: true, the same execution", () =>
    withServer(Effect.gen(function*() {
      const workflowId = yield* createWorkflow
      const first = yield* request("POST", PATH, runBody(workflowId), { "idempotency-key": "run-1" })
      assert.strictEqual(first.status, 201)
      assert.isUndefined(first.headers["idempotent-replayed"])
      // Key order aside: the same JSON value.
      const reordered = {
        spec: { triggerMetadata: { b: "2", a: "1" }, triggerMessage: "hello", workflowId },
        metadata: { org: "acme", ownerScope: "organization" }
      }
      const again = yield* request("POST", PATH, reordered, { "idempotency-key": "run-1" })
      assert.strictEqual(again.status, 200)
      assert.strictEqual(again.headers["idempotent-replayed"], "true")
      assert.deepStrictEqual(again.body, first.body)
      assert.strictEqual(again.headers.etag, first.headers.etag)
      assert.strictEqual(yield* count, 1)
      // Without the key, a request starts a run every time.
      assert.strictEqual((yield* request("POST", PATH, runBody(workflowId))).status, 201)
      assert.strictEqual(yield* count, 2)
    })))

  it.live("20 concurrent identical requests start one execution: one 201, nineteen 200 replays of it", () =>
    withServer(Effect.gen(function*() {
      const workflowId = yield* createWorkflow
      const answers = yield* Effect.all(
        Array.from({ length: 20 }, () => request("POST", PATH, runBody(workflowId), { "idempotency-key": "burst" })),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(answers.map((a) => a.status).sort(), [...Array(19).fill(200), 201])
      assert.strictEqual(new Set(answers.map((a) => a.body.metadata.id)).size, 1)
      assert.isTrue(answers.filter((a) => a.status === 200).every((a) => a.headers["idempotent-replayed"] === "true"))
      assert.strictEqual(yield* count, 1)
    })))

  it.live("the same key with a different body: 409 ALREADY_EXISTS, nothing started; another org has its own keys", () =>
    withServer(Effect.gen(function*() {
      const workflowId = yield* createWorkflow
      yield* request("POST", PATH, runBody(workflowId), { "idempotency-key": "run-1" })
      const other = yield* request("POST", PATH, runBody(workflowId, "something else"), { "idempotency-key": "run-1" })
      assert.strictEqual(other.status, 409)
      assert.strictEqual(other.body.code, "ALREADY_EXISTS")
      assert.include(other.body.message, "Idempotency-Key \"run-1\"")
      assert.strictEqual(yield* count, 1)
      const elsewhere = yield* request("POST", PATH, {
        metadata: { ownerScope: "identity_account" },
        spec: { workflowId, triggerMessage: "hello" }
      }, { "idempotency-key": "run-1" })
      assert.strictEqual(elsewhere.status, 201)
    })))

  for (const [what, key] of [["empty", ""], ["too long", "k".repeat(256)], ["with a space", "a b"]] as const) {
    it.live(`a key ${what}: 400 INVALID_ARGUMENT naming Idempotency-Key, nothing started`, () =>
      withServer(Effect.gen(function*() {
        const workflowId = yield* createWorkflow
        const res = yield* request("POST", PATH, runBody(workflowId), { "idempotency-key": key })
        assert.strictEqual(res.status, 400, JSON.stringify(res.body))
        assert.strictEqual(res.body.code, "INVALID_ARGUMENT")
        assert.include(res.body.message, "Idempotency-Key")
        assert.strictEqual(yield* count, 0)
      })))
  }

  it.live("OpenAPI documents the request header and the replay's 200 with its header", () =>
    withServer(Effect.gen(function*() {
      const doc = (yield* request("GET", "/openapi.json")).body
      const operation = doc.paths[PATH].post
      const header = operation.parameters.find((p: any) => p.name === "idempotency-key")
      assert.strictEqual(header?.in, "header")
      assert.isString(header.description)
      assert.isDefined(operation.responses["201"])
      assert.isDefined(operation.responses["200"].headers["Idempotent-Replayed"])
    })))
})
