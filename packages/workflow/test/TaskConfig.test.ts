/**
 * Task configs are checked against their kind (CONTRACT 6.2) when a workflow is created
 * or updated, at every depth; the 400 names the path of the offending field.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TaskConfig, Workflows } from "../src/index.js"
import { body, makeLayer, makeProvisioner, workflowCount } from "./fixtures.js"

const withFake = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, makeLayer(makeProvisioner().layer)) as Effect.Effect<A, E, never>

const t = (name: string, kind: string, taskConfig: unknown, extra: Record<string, unknown> = {}) => ({
  name,
  kind: `WORKFLOW_TASK_KIND_${kind}`,
  taskConfig,
  ...extra
})
const set = (name: string, extra: Record<string, unknown> = {}) => t(name, "SET", { variables: { a: 1 } }, extra)
const http = { method: "GET", endpoint: { uri: "https://example.com" } }

/** create with these tasks must be a 400 whose message includes `path` (and `text`); nothing stored. */
const refused = (tasks: ReadonlyArray<unknown>, path: string, text?: string) =>
  Effect.gen(function*() {
    const workflows = yield* Workflows
    const error = yield* Effect.flip(workflows.createUnknown(body({}, { tasks })))
    assert.strictEqual(error._tag, "InvalidArgument")
    assert.include(error.message, path)
    if (text !== undefined) assert.include(error.message, text)
    assert.strictEqual(yield* workflowCount, 0)
  })

const accepted = (tasks: ReadonlyArray<unknown>) =>
  Effect.gen(function*() {
    const workflows = yield* Workflows
    const created = yield* workflows.createUnknown(body({}, { tasks }))
    return created.spec.tasks
  })

describe("task configs", () => {
  it.effect("a valid config of every kind is accepted, nested lists included", () =>
    withFake(Effect.gen(function*() {
      const tasks = yield* accepted([
        set("set"),
        t("call", "HTTP_CALL", { ...http, method: "get", headers: { A: "b" }, body: { x: 1 }, timeoutSeconds: 300 }),
        t("grpc", "GRPC_CALL", { service: "s", method: "m" }),
        t("activity", "CALL_ACTIVITY", { activity: "a", input: { x: 1 } }),
        t("switch", "SWITCH", { cases: [{ name: "a", when: "${ .a }", then: "set" }, { name: "b", then: "end" }] }),
        t("loop", "FOR", { in: "${ .items }", each: "user", at: "i", do: [set("inner", { flow: { then: "exit" } })] }),
        t("parallel", "FORK", { compete: true, branches: [{ name: "l", do: [set("x")] }, { name: "r", do: [set("x")] }] }),
        t("guard", "TRY", {
          try: [t("risky", "HTTP_CALL", http)],
          catch: { as: "err", do: [set("recover")], retry: { limit: 3, delaySeconds: 1, backoff: "exponential" } }
        }),
        t("listen", "LISTEN", { to: { mode: "all", signals: [{ id: "approve", type: "signal" }] }, timeoutSeconds: 60 }),
        t("wait", "WAIT", { seconds: 1 }),
        t("raise", "RAISE", { error: "bad", message: "went wrong" }),
        t("run", "RUN", { workflow: "child", input: { a: 1 } }),
        t("agent", "AGENT_CALL", { agent: "helper", message: "hi" })
      ])
      assert.strictEqual(tasks.length, 13)
    })))

  it.effect("HTTP_CALL: method enum, endpoint.uri required, timeoutSeconds 1–300", () =>
    withFake(Effect.gen(function*() {
      yield* refused([set("a"), set("b"), t("c", "HTTP_CALL", { ...http, method: "FETCH" })], "spec.tasks[2].taskConfig.method", "GET")
      yield* refused([t("c", "HTTP_CALL", { endpoint: http.endpoint })], "spec.tasks[0].taskConfig.method", "is missing")
      yield* refused([t("c", "HTTP_CALL", { method: "GET" })], "spec.tasks[0].taskConfig.endpoint")
      yield* refused([t("c", "HTTP_CALL", { method: "GET", endpoint: { uri: "" } })], "spec.tasks[0].taskConfig.endpoint.uri")
      yield* refused([t("c", "HTTP_CALL", { ...http, timeoutSeconds: 0 })], "spec.tasks[0].taskConfig.timeoutSeconds", "between 1 and 300")
      yield* refused([t("c", "HTTP_CALL", { ...http, timeoutSeconds: 301 })], "spec.tasks[0].taskConfig.timeoutSeconds")
      yield* refused([t("c", "HTTP_CALL", { ...http, timeoutSeconds: 1.5 })], "spec.tasks[0].taskConfig.timeoutSeconds")
      yield* refused([t("c", "HTTP_CALL", { ...http, headers: { A: 1 } })], "spec.tasks[0].taskConfig.headers.A")
    })))

  it.effect("SET needs variables; WAIT seconds ≥ 1; RAISE error and message; GRPC/AGENT/RUN/ACTIVITY required fields", () =>
    withFake(Effect.gen(function*() {
      yield* refused([t("a", "SET", {})], "spec.tasks[0].taskConfig.variables", "is missing")
      yield* refused([t("a", "SET", { variables: [1] })], "spec.tasks[0].taskConfig.variables")
      yield* refused([t("a", "WAIT", { seconds: 0 })], "spec.tasks[0].taskConfig.seconds", "at least 1")
      yield* refused([t("a", "WAIT", {})], "spec.tasks[0].taskConfig.seconds")
      yield* refused([t("a", "RAISE", { error: "x" })], "spec.tasks[0].taskConfig.message")
      yield* refused([t("a", "GRPC_CALL", { service: "s" })], "spec.tasks[0].taskConfig.method")
      yield* refused([t("a", "AGENT_CALL", { agent: "a" })], "spec.tasks[0].taskConfig.message")
      yield* refused([t("a", "RUN", {})], "spec.tasks[0].taskConfig.workflow")
      yield* refused([t("a", "CALL_ACTIVITY", {})], "spec.tasks[0].taskConfig.activity")
    })))

  it.effect("SWITCH, FOR, FORK, TRY, LISTEN shapes", () =>
    withFake(Effect.gen(function*() {
      yield* refused([t("s", "SWITCH", { cases: [] })], "spec.tasks[0].taskConfig.cases")
      yield* refused([t("s", "SWITCH", { cases: [{ name: "a" }] })], "spec.tasks[0].taskConfig.cases[0].then")
      yield* refused([t("s", "SWITCH", { cases: [{ name: "a", when: 1, then: "end" }] })], "spec.tasks[0].taskConfig.cases[0].when")
      yield* refused([t("f", "FOR", { in: "${ .a }", do: [] })], "spec.tasks[0].taskConfig.do", "at least one task")
      yield* refused([t("f", "FOR", { in: "", do: [set("x")] })], "spec.tasks[0].taskConfig.in")
      yield* refused([t("f", "FOR", { in: { a: 1 }, do: [set("x")] })], "spec.tasks[0].taskConfig.in")
      yield* refused([t("f", "FOR", { in: "${ .a }", each: "not a name", do: [set("x")] })], "spec.tasks[0].taskConfig.each")
      yield* refused([t("k", "FORK", { branches: [{ name: "only", do: [set("x")] }] })], "spec.tasks[0].taskConfig.branches", "at least two")
      yield* refused(
        [t("k", "FORK", { branches: [{ name: "b", do: [set("x")] }, { name: "b", do: [set("x")] }] })],
        "spec.tasks[0].taskConfig.branches[1].name",
        "duplicate branch"
      )
      yield* refused([t("y", "TRY", { try: [set("x")] })], "spec.tasks[0].taskConfig.catch")
      yield* refused(
        [t("y", "TRY", { try: [set("x")], catch: { retry: { limit: 2, backoff: "linear" } } })],
        "spec.tasks[0].taskConfig.catch.retry.backoff",
        "constant, exponential"
      )
      yield* refused([t("y", "TRY", { try: [set("x")], catch: { retry: { limit: -1 } } })], "spec.tasks[0].taskConfig.catch.retry.limit")
      yield* refused([t("l", "LISTEN", { to: { mode: "some", signals: [{ id: "a" }] } })], "spec.tasks[0].taskConfig.to.mode")
      yield* refused([t("l", "LISTEN", { to: { mode: "one", signals: [] } })], "spec.tasks[0].taskConfig.to.signals")
    })))

  it.effect("nested tasks are checked like top-level ones, with their path", () =>
    withFake(Effect.gen(function*() {
      yield* refused(
        [t("loop", "FOR", { in: "${ .a }", do: [set("ok"), t("bad", "HTTP_CALL", { ...http, method: "TRACE" })] })],
        "spec.tasks[0].taskConfig.do[1].taskConfig.method"
      )
      yield* refused(
        [t("loop", "FOR", { in: "${ .a }", do: [{ name: "x", kind: "WORKFLOW_TASK_KIND_NOPE", taskConfig: {} }] })],
        "spec.tasks[0].taskConfig.do[0].kind"
      )
      yield* refused(
        [t("p", "FORK", { branches: [{ name: "a", do: [set("x")] }, { name: "b", do: [t("w", "WAIT", { seconds: 0 })] }] })],
        "spec.tasks[0].taskConfig.branches[1].do[0].taskConfig.seconds"
      )
      yield* refused(
        [t("g", "TRY", { try: [set("x")], catch: { do: [t("deep", "FOR", { in: "${ . }", do: [t("r", "RAISE", {})] })] } })],
        "spec.tasks[0].taskConfig.catch.do[0].taskConfig.do[0].taskConfig.error"
      )
    })))

  it.effect("names are unique per list; the same name in different lists is fine", () =>
    withFake(Effect.gen(function*() {
      yield* refused([t("loop", "FOR", { in: "${ .a }", do: [set("x"), set("x")] })], "spec.tasks[0].taskConfig.do[1].name", "duplicate")
      yield* accepted([set("x"), t("loop", "FOR", { in: "${ .a }", do: [set("x")] })])
    })))

  it.effect("every then names a task of its own list, or continue/exit/end", () =>
    withFake(Effect.gen(function*() {
      yield* refused([set("a", { flow: { then: "nowhere" } })], "spec.tasks[0].flow.then", "nowhere")
      // A jump out of a nested list is refused: `then` only names tasks of the same list.
      yield* refused(
        [set("outer"), t("loop", "FOR", { in: "${ .a }", do: [set("x"), set("y", { flow: { then: "outer" } })] })],
        "spec.tasks[1].taskConfig.do[1].flow.then"
      )
      yield* refused(
        [set("a"), t("s", "SWITCH", { cases: [{ name: "c", when: "${ true }", then: "b" }] })],
        "spec.tasks[1].taskConfig.cases[0].then"
      )
      yield* accepted([
        set("a", { flow: { then: "c" } }),
        set("b", { flow: { then: "exit" } }),
        set("c", { flow: { then: "a" } }),
        t("s", "SWITCH", { cases: [{ name: "x", then: "continue" }, { name: "y", then: "end" }] })
      ])
    })))

  it.effect("update is checked the same way and leaves the stored workflow as it was", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const error = yield* Effect.flip(workflows.updateUnknown(created.metadata.id, body({}, { tasks: [t("w", "WAIT", { seconds: "5" })] })))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.include(error.message, "spec.tasks[0].taskConfig.seconds")
      const stored = yield* workflows.get(created.metadata.id)
      assert.strictEqual(stored.metadata.version, 1)
    })))

  it("decode gives the typed config, HTTP methods upper-cased", () => {
    const decoded = TaskConfig.decode({ name: "c", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { ...http, method: "post" } })
    assert.strictEqual(decoded._tag, "Right")
    if (decoded._tag === "Right" && decoded.right.kind === "WORKFLOW_TASK_KIND_HTTP_CALL") {
      assert.strictEqual(decoded.right.config.method, "POST")
    }
  })
})
