/**
 * The interpreter over the durable runtime, as the server composes them: every kind the
 * engine runs, nested entries in the stored status, HTTP calls journaled (a restart in
 * the middle of a run never calls twice).
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Deferred, Effect, Exit, Layer } from "effect"
import { Expressions, HttpCalls, HttpPolicy, Interpreter } from "../src/index.js"
import type { Interpret } from "../src/internal/durableWorkflow.js"
import { tempDatabase, withEngine } from "./support/Layers.js"
import { awaitState, ended, realInterpreter, startRun, t } from "./support/RealEngine.js"
import { testServer } from "./support.js"

const deniedServices = Layer.mergeAll(
  Expressions.layer,
  HttpCalls.layer.pipe(Layer.provide(HttpPolicy.layer({ deny: ["127.0.0.0/8"] })))
)

describe.each(TestDatabase.backends)("the durable engine on %s", (backend) => {
  describe("the interpreter on the durable engine", () => {
    it.live("runs SET, HTTP_CALL, FOR, TRY/RAISE and SWITCH to COMPLETED, with nested entries in the stored status", () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* testServer((req) => ({ body: JSON.stringify({ id: 7, path: req.url }) }))
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([
            t("init", "SET", { variables: { who: "${ $input.who }" } }),
            t("fetch", "HTTP_CALL", { method: "GET", endpoint: { uri: `\${ "${server.url}/users/" + .who }` } }, {
              export: { as: "${ {user: .id} }" }
            }),
            t("loop", "FOR", { in: "${ [1, 2] }", do: [t("double", "SET", { variables: { n: "${ $item * 2 }" } })] }),
            t("guard", "TRY", {
              try: [t("boom", "RAISE", { error: "nope", message: "failed on purpose" })],
              catch: { do: [t("recover", "SET", { variables: { recovered: "${ $error.type }", user: "${ $context.user }" } })] }
            }),
            t("route", "SWITCH", { cases: [{ name: "done", when: "${ .recovered == \"nope\" }", then: "end" }] }),
            t("never", "SET", { variables: {} })
          ], { who: "ada" })
          return yield* awaitState(created.metadata.id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { recovered: "nope", user: 7 })
        const byId = Object.fromEntries((result.status.tasks ?? []).map((e) => [e.taskId, e]))
        assert.deepStrictEqual(Object.keys(byId).sort(), [
          "fetch", "guard", "guard/catch/recover", "guard/try/boom", "init", "loop", "loop/0/double", "loop/1/double", "never", "route"
        ])
        assert.deepStrictEqual(byId["fetch"].output, { id: 7, path: "/users/ada" })
        assert.strictEqual(byId["guard/try/boom"].error, "nope: failed on purpose")
        assert.strictEqual(byId["never"].status, "WORKFLOW_TASK_SKIPPED")
        // The FOR gets the HTTP call's output; each iteration starts from it.
        assert.deepStrictEqual(byId["loop"].output, { value: [{ id: 7, path: "/users/ada", n: 2 }, { id: 7, path: "/users/ada", n: 4 }] })
        assert.strictEqual(server.requests(), 1)
      })), 120_000)

    it.live("an engine stopped during an HTTP call: the next one calls it again, never the call that completed", () =>
      Effect.scoped(Effect.gen(function*() {
        const calls: Record<string, number> = {}
        const slowCalled = yield* Deferred.make<void>()
        const server = yield* testServer((req) => {
          calls[req.url] = (calls[req.url] ?? 0) + 1
          if (req.url !== "/slow" || calls[req.url] !== 1) return { body: JSON.stringify({ url: req.url }) }
          // The first call to /slow never answers: the engine is stopped while it waits.
          Deferred.unsafeDone(slowCalled, Exit.void)
          return { hang: true }
        })
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const tasks = [
          t("first", "HTTP_CALL", { method: "POST", endpoint: { uri: `${server.url}/first` }, body: { n: 1 } }),
          t("slow", "HTTP_CALL", { method: "GET", endpoint: { uri: `${server.url}/slow` } }),
          t("after", "SET", { variables: { done: true } })
        ]
        const id = yield* Effect.gen(function*() {
          const created = yield* startRun(tasks)
          yield* Deferred.await(slowCalled)
          return created.metadata.id
        }).pipe(Effect.provide(withEngine(database, interpret)))
        const finished = yield* awaitState(id, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(finished.status.phase, "EXECUTION_COMPLETED", finished.status.error)
        assert.deepStrictEqual(finished.status.output, { url: "/slow", done: true })
        assert.deepStrictEqual(calls, { "/first": 1, "/slow": 2 })
      })), 120_000)

    it.live("an engine stopped during a WAIT: the next one finishes the run, the HTTP call before it not made again", () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* testServer(() => ({ body: "{\"ok\":true}" }))
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const tasks = [
          t("call", "HTTP_CALL", { method: "POST", endpoint: { uri: server.url }, body: { n: 1 } }),
          t("pause", "WAIT", { seconds: 2 }),
          t("after", "SET", { variables: { done: true } })
        ]
        const id = yield* Effect.gen(function*() {
          const created = yield* startRun(tasks)
          yield* awaitState(created.metadata.id, (e) => e.status.tasks?.find((x) => x.taskId === "pause")?.status === "WORKFLOW_TASK_IN_PROGRESS")
          return created.metadata.id
        }).pipe(Effect.provide(withEngine(database, interpret)))
        const finished = yield* awaitState(id, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(finished.status.phase, "EXECUTION_COMPLETED", finished.status.error)
        assert.deepStrictEqual(finished.status.output, { ok: true, done: true })
        assert.strictEqual(server.requests(), 1)
      })), 60_000)

    it.live("the outbound policy applies on the engine: a denied address fails the task with type http", () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* testServer(() => ({ body: "{}" }))
        const database = yield* tempDatabase(backend)
        const denied: Interpret<never> = (plan, effects, reporter) =>
          Interpreter.run(plan, effects, reporter).pipe(Effect.provide(deniedServices))
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([t("call", "HTTP_CALL", { method: "GET", endpoint: { uri: server.url } })])
          return yield* awaitState(created.metadata.id, ended)
        }).pipe(Effect.provide(withEngine(database, denied)))
        assert.strictEqual(result.status.phase, "EXECUTION_FAILED")
        assert.strictEqual(result.status.error, "http: refused: 127.0.0.1 is denied by WEFT_HTTP_DENY")
        assert.strictEqual(server.requests(), 0)
      })), 120_000)
  })
})
