/**
 * CALL_ACTIVITY: activities registered with `Activities.layer`, called by name with the
 * task's input decoded by the activity's schema, its output encoded; an unknown name,
 * a bad input and a failing activity fail the task; on the durable engine a finished
 * call is never run again after a restart.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Layer, Schema } from "effect"
import { Activities, Interpreter, TaskError } from "../src/index.js"
import { tempDatabase, withEngine, withoutEngine } from "./support/Layers.js"
import { awaitRunning, awaitState, ended, realInterpreterWith, startRun, t } from "./support/RealEngine.js"
import { EngineTest, entry, plan, runPlan, set, task } from "./support.js"

const greet = Activities.make({
  name: "greet",
  input: Schema.Struct({ name: Schema.String, times: Schema.optional(Schema.NumberFromString) }),
  output: Schema.Struct({ greeting: Schema.String, at: Schema.DateFromString }),
  execute: ({ name, times }) =>
    Effect.succeed({ greeting: `Hello ${name}`.repeat(times ?? 1), at: new Date(Date.UTC(2026, 0, 2)) })
})

const refuse = Activities.make({
  name: "refuse",
  input: Schema.Unknown,
  output: Schema.Unknown,
  execute: () => Effect.fail(new Error("the ledger is closed"))
})

const raise = Activities.make({
  name: "raise",
  input: Schema.Unknown,
  output: Schema.Unknown,
  execute: () => Effect.fail(new TaskError.TaskError({ type: "ledger", status: 409, title: "Closed", detail: "closed" }))
})

const crash = Activities.make({
  name: "crash",
  input: Schema.Unknown,
  output: Schema.Unknown,
  execute: () => Effect.dieMessage("boom")
})

const lie = Activities.make({
  name: "lie",
  input: Schema.Unknown,
  output: Schema.Struct({ n: Schema.Number }),
  execute: () => Effect.succeed({ n: "not a number" } as unknown as { n: number })
})

const Registered = Layer.merge(EngineTest, Activities.layer([greet, refuse, raise, crash, lie]))

const call = (name: string, activity: string, input?: unknown, extra?: Record<string, unknown>) =>
  task(name, "CALL_ACTIVITY", { activity, ...(input === undefined ? {} : { input }), ...extra })

const failure = (outcome: Interpreter.RunOutcome) => {
  assert.strictEqual(outcome._tag, "Failed")
  return (outcome as Extract<Interpreter.RunOutcome, { _tag: "Failed" }>).error
}

describe("CALL_ACTIVITY", () => {
  it.effect("calls the named activity with its evaluated input decoded; the encoded result is the output", () =>
    Effect.gen(function*() {
      const { outcome, recorder, reports } = yield* runPlan(
        plan([set("who", { name: "Ada" }), call("hello", "greet", { name: "${ .name }", times: "2" })]),
        undefined,
        Registered
      )
      assert.strictEqual(outcome._tag, "Completed")
      const expected = { greeting: "Hello AdaHello Ada", at: "2026-01-02T00:00:00.000Z" }
      assert.deepStrictEqual(outcome._tag === "Completed" ? outcome.output : undefined, expected)
      const hello = entry(reports, "hello")!
      assert.strictEqual(hello.status, "WORKFLOW_TASK_COMPLETED")
      assert.strictEqual(hello.taskType, "WORKFLOW_TASK_CUSTOM")
      assert.deepStrictEqual(hello.input, { name: "Ada" })
      // Journaled as an activity named by the task's path, after its IN_PROGRESS was committed.
      assert.deepStrictEqual(recorder.executed, ["hello"])
      const waited = reports.find((r) =>
        r.durable && r.patch.tasks?.some((e) => e.taskId === "hello" && e.status === "WORKFLOW_TASK_IN_PROGRESS")
      )
      assert.isDefined(waited)
    }))

  it.effect("without `input` the activity gets the task's input", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([call("hello", "greet")], { input: { name: "Bob" } }), undefined, Registered)
      assert.strictEqual(outcome._tag === "Completed" ? outcome.output.greeting : outcome.message, "Hello Bob")
    }))

  it.effect("an unknown activity fails the task with type activity, naming it and the registered ones", () =>
    Effect.gen(function*() {
      const { outcome, recorder, reports } = yield* runPlan(plan([call("x", "nope", {})]), undefined, Registered)
      const error = failure(outcome)
      assert.strictEqual(error.type, "activity")
      assert.include(error.detail, "\"nope\"")
      assert.include(error.detail, "greet, refuse")
      assert.match(entry(reports, "x")!.error!, /^activity: no activity named "nope" is registered/)
      assert.deepStrictEqual(recorder.executed, ["x"])
    }))

  it.effect("with no activities registered, every call fails with type activity", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([call("x", "greet", { name: "Ada" })]))
      assert.strictEqual(failure(outcome).type, "activity")
      assert.strictEqual(failure(outcome).detail, "no activity named \"greet\" is registered")
    }))

  it.effect("an input its schema refuses fails the task with type validation, naming the field; the activity does not run", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([call("x", "greet", { name: 7, times: "many" })]), undefined, Registered)
      const error = failure(outcome)
      assert.strictEqual(error.type, "validation")
      assert.include(error.detail, "activity greet: input.name: ")
      assert.include(error.detail, "input.times: ")
    }))

  it.effect("a result its output schema refuses fails the task with type validation", () =>
    Effect.gen(function*() {
      const error = failure((yield* runPlan(plan([call("x", "lie", {})]), undefined, Registered)).outcome)
      assert.strictEqual(error.type, "validation")
      assert.include(error.detail, "activity lie: output.")
    }))

  it.effect("a failing activity fails the task with type activity and its message; a defect too", () =>
    Effect.gen(function*() {
      const refused = failure((yield* runPlan(plan([call("x", "refuse", {})]), undefined, Registered)).outcome)
      assert.strictEqual(refused.type, "activity")
      assert.strictEqual(refused.detail, "activity refuse failed: the ledger is closed")
      const crashed = failure((yield* runPlan(plan([call("x", "crash", {})]), undefined, Registered)).outcome)
      assert.strictEqual(crashed.type, "activity")
      assert.strictEqual(crashed.detail, "activity crash failed: boom")
    }))

  it.effect("an activity failing with a TaskError fails the task with that error, which a TRY catches by its type", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(
        plan([
          task("guard", "TRY", {
            try: [call("close", "raise", {})],
            catch: { as: "e", do: [set("caught", { type: "${ $e.type }", status: "${ $e.status }" })] }
          })
        ]),
        undefined,
        Registered
      )
      assert.deepStrictEqual(outcome._tag === "Completed" ? outcome.output : outcome.message, { type: "ledger", status: 409 } as never)
    }))

  it.effect("two activities with one name are refused when the layer is built", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.provide(Activities.Activities, Activities.layer([greet, greet])))
      assert.isTrue(exit._tag === "Failure")
    }))
})

describe.each(TestDatabase.backends)("the durable engine on %s", (backend) => {
  describe("CALL_ACTIVITY on the durable engine", () => {
    it.live("a finished call is not run again after a restart: the run completes with its journaled result", () =>
      Effect.scoped(Effect.gen(function*() {
        let calls = 0
        const count = Activities.make({
          name: "count",
          input: Schema.Struct({ step: Schema.String }),
          output: Schema.Struct({ calls: Schema.Number, step: Schema.String }),
          execute: ({ step }) => Effect.sync(() => ({ calls: ++calls, step }))
        })
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreterWith(Activities.layer([count]))
        const id = yield* Effect.gen(function*() {
          const created = yield* startRun([
            t("counted", "CALL_ACTIVITY", { activity: "count", input: { step: "${ $input.step }" } }),
            t("gate", "LISTEN", { to: { mode: "one", signals: [{ id: "go" }] } }, { export: { as: "${ . }" } }),
            t("after", "SET", { variables: { first: "${ $context }" } })
          ], { step: "one" })
          yield* awaitRunning(created.metadata.id, "gate")
          return created.metadata.id
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(calls, 1)
        // Signalled while no engine runs; the next engine replays "counted" from its journal.
        yield* Effect.flatMap(WorkflowExecutions, (executions) => executions.signal(id, { id: "go", data: "now" })).pipe(
          Effect.provide(withoutEngine(database))
        )
        const result = yield* awaitState(id, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.strictEqual(calls, 1)
        assert.deepStrictEqual(result.status.tasks?.find((e) => e.taskId === "counted")?.output, { calls: 1, step: "one" })
        assert.deepStrictEqual(result.status.output, { first: "now" })
      })), 120_000)
  })
})
