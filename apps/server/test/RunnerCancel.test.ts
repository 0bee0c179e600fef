/**
 * `POST /v1/workflow-executions/{id}/cancel` end to end, in process:
 *
 * - with the engine on, a run parked in a WAIT: 200 with phase EXECUTION_CANCELLED, the
 *   WAIT FAILED (`cancelled`), the tasks after it SKIPPED and never run;
 * - already terminal: 409 FAILED_PRECONDITION; unknown: 404 NOT_FOUND;
 * - with `WEFT_RUNNER=none`: the PENDING execution just becomes CANCELLED;
 * - the API token may cancel, the runner token may not (403).
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
  { name: "first", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } },
  { name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 3600 } },
  { name: "after", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { b: 2 } } }
]

const setup = (headers: Record<string, string> = {}) => TestServer.startRun("Cancellable", tasks, headers)

const get = TestServer.getExecution

/** Reads the execution every 20 ms until the WAIT is IN_PROGRESS: the run is parked in it. */
const parked = (id: string) => {
  const poll: Effect.Effect<void, never, HttpClient.HttpClient> = Effect.flatMap(get(id), (e: any) =>
    e.status.tasks?.find((t: any) => t.taskName === "pause")?.status === "WORKFLOW_TASK_IN_PROGRESS"
      ? Effect.void
      : Effect.delay(poll, "20 millis"))
  return poll.pipe(
    Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("the run never reached its WAIT") })
  )
}

const cancel = (id: string, headers: Record<string, string> = {}) =>
  TestServer.request("POST", `/v1/workflow-executions/${id}/cancel`, undefined, headers)

describe("POST /v1/workflow-executions/{id}/cancel", () => {
  it.live("cancels a run parked in a WAIT: 200 CANCELLED, the WAIT FAILED (cancelled), later tasks SKIPPED; then 409", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        yield* parked(id)
        const res = yield* cancel(id)
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assert.strictEqual(res.body.status.phase, "EXECUTION_CANCELLED")
        assert.strictEqual(res.headers["etag"], `"${res.body.metadata.version}"`)
        assert.deepStrictEqual(res.body.status.tasks.map((t: any) => [t.taskName, t.status, t.error]), [
          ["first", "WORKFLOW_TASK_COMPLETED", undefined],
          ["pause", "WORKFLOW_TASK_FAILED", "cancelled"],
          ["after", "WORKFLOW_TASK_SKIPPED", undefined]
        ])
        assert.isString(res.body.status.completedAt)

        const again = yield* cancel(id)
        assert.strictEqual(again.status, 409)
        assert.strictEqual(again.body.code, "FAILED_PRECONDITION")
        assert.include(again.body.message, "EXECUTION_CANCELLED")
        // Nothing the run could still report changed it.
        assert.deepStrictEqual(yield* get(id), res.body)
      }),
      withEngine
    ), 60_000)

  it.live("a completed run is 409 FAILED_PRECONDITION and unchanged", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        const done = yield* TestServer.request("PATCH", `/v1/workflow-executions/${id}/status`, {
          phase: "EXECUTION_COMPLETED"
        })
        assert.strictEqual(done.status, 200)
        const res = yield* cancel(id)
        assert.strictEqual(res.status, 409)
        assert.strictEqual(res.body.code, "FAILED_PRECONDITION")
        assert.strictEqual((yield* get(id)).metadata.version, done.body.metadata.version)
      }),
      withoutEngine
    ), 60_000)

  it.live("an unknown execution is 404 NOT_FOUND", () =>
    provide(
      Effect.gen(function*() {
        const res = yield* cancel("wex-01j0000000000000000000000z")
        assert.strictEqual(res.status, 404)
        assert.strictEqual(res.body.code, "NOT_FOUND")
        assert.strictEqual(res.body.message, "WorkflowExecution not found: wex-01j0000000000000000000000z")
      }),
      withoutEngine
    ), 60_000)

  it.live("WEFT_RUNNER=none: a PENDING execution becomes CANCELLED", () =>
    provide(
      Effect.gen(function*() {
        const id = yield* setup()
        const res = yield* cancel(id)
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assert.strictEqual(res.body.status.phase, "EXECUTION_CANCELLED")
        assert.strictEqual(res.body.metadata.version, 2)
      }),
      withoutEngine
    ), 60_000)

  it.live("the API token may cancel; the runner token gets 403 and changes nothing", () =>
    provide(
      Effect.gen(function*() {
        const api = { authorization: `Bearer ${API_TOKEN}` }
        const runner = { authorization: `Bearer ${RUNNER_TOKEN}` }
        const id = yield* setup(api)
        const refused = yield* cancel(id, runner)
        assert.strictEqual(refused.status, 403)
        assert.strictEqual(refused.body.code, "PERMISSION_DENIED")
        assert.strictEqual((yield* get(id, api)).status.phase, "EXECUTION_PENDING")
        const res = yield* cancel(id, api)
        assert.strictEqual(res.status, 200)
        assert.strictEqual(res.body.status.phase, "EXECUTION_CANCELLED")
      }),
      withoutEngine.pipe(Layer.provide(Auth.layerTokens({ apiToken: API_TOKEN, runnerToken: RUNNER_TOKEN })))
    ), 60_000)
})
