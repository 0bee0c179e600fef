/**
 * `POST /v1/workflow-executions/{id}/signals` end to end, in process:
 *
 * - with the engine on, a run waiting in a LISTEN: 202 `{accepted: true}`, and the run
 *   completes with the signal's data as the LISTEN's output;
 * - a signal for a PENDING run (`WEFT_RUNNER=none`) is kept: 202;
 * - a terminal run: 409 FAILED_PRECONDITION; unknown: 404 NOT_FOUND; a body without an
 *   id, or not JSON: 400 INVALID_ARGUMENT;
 * - the API token may signal, the runner token may not (403).
 */
import type { HttpClient } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { EngineConfig } from "@weft/engine"
import { Effect, Layer } from "effect"
import * as Auth from "../src/Auth.js"
import * as TestServer from "./support/TestServer.js"

const withEngine = TestServer.make({ engine: { ...EngineConfig.defaults, runner: "embedded" } })
const withoutEngine = TestServer.make()

const API_TOKEN = "api-5b2e8d1c7f3a4960-secret"
const RUNNER_TOKEN = "runner-9c4a1e7b2d6f3085-secret"

const provide = <A, E>(effect: Effect.Effect<A, E, any>, layer: Layer.Layer<any, any, never>) =>
  Effect.provide(effect, layer) as Effect.Effect<A, E, never>

const tasks = [
  { name: "approval", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "approved" }] } } },
  { name: "after", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { done: true } } }
]

const setup = (headers: Record<string, string> = {}) => TestServer.startRun("Approval", tasks, headers)

const get = TestServer.getExecution

/** Reads the execution every 20 ms until `predicate` holds. */
const until = (id: string, predicate: (e: any) => boolean) => {
  const poll: Effect.Effect<any, never, HttpClient.HttpClient> = Effect.flatMap(get(id), (e: any) =>
    predicate(e) ? Effect.succeed(e) : Effect.delay(poll, "20 millis"))
  return poll.pipe(Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the run never got there") }))
}

const signal = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  TestServer.request("POST", `/v1/workflow-executions/${id}/signals`, body, headers)

describe("POST /v1/workflow-executions/{id}/signals", () => {
  it.live("a run waiting in a LISTEN: 202 {accepted: true}, then it completes with the signal's data", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        yield* until(id, (e) => e.status.tasks?.[0]?.status === "WORKFLOW_TASK_IN_PROGRESS")
        const res = yield* signal(id, { id: "approved", data: { by: "ada" } })
        assert.strictEqual(res.status, 202, JSON.stringify(res.body))
        assert.deepStrictEqual(res.body, { accepted: true })
        const done = yield* until(id, (e) => e.status.phase === "EXECUTION_COMPLETED")
        assert.deepStrictEqual(done.status.tasks[0].output, { by: "ada" })
        assert.deepStrictEqual(done.status.output, { by: "ada", done: true })

        const late = yield* signal(id, { id: "approved" })
        assert.strictEqual(late.status, 409)
        assert.strictEqual(late.body.code, "FAILED_PRECONDITION")
        assert.include(late.body.message, "EXECUTION_COMPLETED")
      }),
      withEngine
    ), 90_000)

  it.live("a PENDING run (WEFT_RUNNER=none) keeps the signal: 202, the execution unchanged", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        const res = yield* signal(id, { id: "approved" })
        assert.strictEqual(res.status, 202)
        assert.deepStrictEqual(res.body, { accepted: true })
        const after = yield* get(id)
        assert.strictEqual(after.metadata.version, 1)
        assert.strictEqual(after.status.phase, "EXECUTION_PENDING")
      }),
      withoutEngine
    ), 60_000)

  it.live("an unknown execution is 404; a body without an id, with an empty id, or not JSON is 400", () =>
    provide(
      Effect.gen(function*() {
        const missing = yield* signal("wex-01j0000000000000000000000z", { id: "x" })
        assert.strictEqual(missing.status, 404)
        assert.strictEqual(missing.body.code, "NOT_FOUND")
        assert.strictEqual(missing.body.message, "WorkflowExecution not found: wex-01j0000000000000000000000z")
        const id = yield* setup()
        for (const body of [{ data: 1 }, { id: "" }, { id: 7 }]) {
          const bad = yield* signal(id, body)
          assert.strictEqual(bad.status, 400, JSON.stringify(body))
          assert.strictEqual(bad.body.code, "INVALID_ARGUMENT")
          assert.include(bad.body.message, "id")
        }
        const notJson = yield* TestServer.sendText("POST", `/v1/workflow-executions/${id}/signals`, "{nope")
        assert.strictEqual(notJson.status, 400)
        assert.strictEqual(notJson.body.code, "INVALID_ARGUMENT")
      }),
      withoutEngine
    ), 60_000)

  it.live("a cancelled run is 409 FAILED_PRECONDITION", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        assert.strictEqual((yield* TestServer.request("POST", `/v1/workflow-executions/${id}/cancel`)).status, 200)
        const res = yield* signal(id, { id: "approved" })
        assert.strictEqual(res.status, 409)
        assert.strictEqual(res.body.code, "FAILED_PRECONDITION")
      }),
      withoutEngine
    ), 60_000)

  it.live("the API token may signal; the runner token gets 403", () =>
    provide(
      Effect.gen(function*() {
        const api = { authorization: `Bearer ${API_TOKEN}` }
        const runner = { authorization: `Bearer ${RUNNER_TOKEN}` }
        const id = yield* setup(api)
        const refused = yield* signal(id, { id: "approved" }, runner)
        assert.strictEqual(refused.status, 403)
        assert.strictEqual(refused.body.code, "PERMISSION_DENIED")
        assert.strictEqual((yield* signal(id, { id: "approved" })).status, 401)
        assert.strictEqual((yield* signal(id, { id: "approved" }, api)).status, 202)
      }),
      withoutEngine.pipe(Layer.provide(Auth.layerTokens({ apiToken: API_TOKEN, runnerToken: RUNNER_TOKEN })))
    ), 60_000)
})
