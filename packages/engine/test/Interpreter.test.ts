/**
 * The interpreter over in-memory effects: each kind, each flow directive, data flow,
 * expressions' variables, reporting (CONTRACT 6.1–6.3).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Interpreter } from "../src/index.js"
import { awaitTimers, EngineTest, entry, lastTasks, memoryEffects, plan, recordingReporter, runPlan, set, task } from "./support.js"

const completed = (outcome: Interpreter.RunOutcome) => {
  assert.strictEqual(outcome._tag, "Completed", outcome._tag === "Failed" ? outcome.message : "")
  return (outcome as Extract<Interpreter.RunOutcome, { _tag: "Completed" }>).output
}
const failed = (outcome: Interpreter.RunOutcome) => {
  assert.strictEqual(outcome._tag, "Failed")
  return (outcome as Extract<Interpreter.RunOutcome, { _tag: "Failed" }>).message
}
const statuses = (reports: Parameters<typeof lastTasks>[0]) =>
  Object.fromEntries(lastTasks(reports).map((t) => [t.taskId, t.status!.replace("WORKFLOW_TASK_", "")]))

describe("SET and data flow", () => {
  it.effect("SET merges shallowly into its input; the next task gets the previous output; status.output is the last", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        set("first", { a: 1, nested: { x: 1 } }),
        set("second", { b: "${ .a + 1 }", nested: { y: 2 } })
      ], { input: { seed: true } }))
      assert.deepStrictEqual(completed(outcome), { seed: true, a: 1, b: 2, nested: { y: 2 } })
      const first = entry(reports, "first")!
      assert.deepStrictEqual(first.input, { seed: true })
      assert.deepStrictEqual(first.output, { seed: true, a: 1, nested: { x: 1 } })
      assert.deepStrictEqual(entry(reports, "second")!.input, first.output)
      const last = reports[reports.length - 1]
      assert.strictEqual(last.patch.phase, "EXECUTION_COMPLETED")
      assert.isTrue(last.durable)
      assert.deepStrictEqual(last.patch.output, completed(outcome))
    }))

  it.effect("values that are not objects are stored as {value}; SET over a non-object input starts from {}", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("list", "FOR", { in: [1, 2], do: [set("x", { n: "${ $item }" })] }),
        set("after", { merged: true })
      ]))
      assert.deepStrictEqual(entry(reports, "list")!.output, { value: [{ n: 1 }, { n: 2 }] })
      assert.deepStrictEqual(entry(reports, "after")!.input, { value: [{ n: 1 }, { n: 2 }] })
      assert.deepStrictEqual(completed(outcome), { merged: true })
    }))

  it.effect("status.output of a run whose last top-level task yields a non-object is wrapped", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([task("list", "FOR", { in: "${ [1, 2] }", do: [set("x", {})] })]))
      assert.deepStrictEqual(completed(outcome), { value: [{}, {}] })
    }))

  it.effect("expressions see $input, $env, $context, $workflow, $task; literal strings stay literal", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([
        set("vars", {
          input: "${ $input.message }",
          env: "${ \"Bearer \" + $env.TOKEN }",
          literal: "Bearer ${ $env.TOKEN }",
          workflow: "${ $workflow }",
          task: "${ $task.name }",
          context: "${ $context }"
        })
      ], { input: { message: "hi" }, env: { TOKEN: "t0k" } }))
      assert.deepStrictEqual(completed(outcome), {
        message: "hi",
        input: "hi",
        env: "Bearer t0k",
        literal: "Bearer ${ $env.TOKEN }",
        workflow: { id: "wex-01", name: "run-1", slug: "run-1", definition: { id: "wfl-01", name: "Greeter", slug: "greeter" } },
        task: "vars",
        context: {}
      })
    }))

  it.effect("export.as replaces $context (with or without ${ }), which accumulates", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([
        set("a", { id: 1 }, { exportAs: "${ $context + {a: .id} }" }),
        set("b", { id: 2 }, { exportAs: "$context + {b: .id}" }),
        set("c", { seen: "${ $context }" })
      ]))
      assert.deepStrictEqual(completed(outcome), { id: 2, seen: { a: 1, b: 2 } })
    }))

  it.effect("a failing expression fails its task and the run with type expression", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([set("bad", { x: "${ .a.b }" }), set("never", {})], { input: { a: 5 } }))
      const message = failed(outcome)
      assert.match(message, /^expression: Cannot index number with string "b"/)
      assert.deepStrictEqual(statuses(reports), { bad: "FAILED", never: "SKIPPED" })
      assert.strictEqual(entry(reports, "bad")!.error, message)
      const last = reports[reports.length - 1].patch
      assert.strictEqual(last.phase, "EXECUTION_FAILED")
      assert.strictEqual(last.error, message)
    }))
})

describe("reporting", () => {
  it.effect("first IN_PROGRESS with every top-level task PENDING; entries with times, input, output; taskTypes", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-01-01T00:00:00.000Z"))
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([
        set("s", {}),
        task("sw", "SWITCH", { cases: [{ name: "always", then: "continue" }] }),
        task("f", "FORK", { branches: [{ name: "l", do: [set("x", {})] }, { name: "r", do: [set("x", {})] }] }),
        task("w", "WAIT", { seconds: 1 }),
        task("loop", "FOR", { in: [], do: [set("x", {})] })
      ]), recorder))
      yield* awaitTimers(recorder, 1)
      yield* TestClock.adjust("1 second")
      const { reports } = yield* Fiber.join(fiber)
      const first = reports[0]
      assert.isTrue(first.durable)
      assert.strictEqual(first.patch.phase, "EXECUTION_IN_PROGRESS")
      assert.deepStrictEqual(first.patch.tasks!.map((t) => [t.taskId, t.status, t.taskType]), [
        ["s", "WORKFLOW_TASK_PENDING", "WORKFLOW_TASK_TRANSFORM"],
        ["sw", "WORKFLOW_TASK_PENDING", "WORKFLOW_TASK_CONDITIONAL"],
        ["f", "WORKFLOW_TASK_PENDING", "WORKFLOW_TASK_PARALLEL"],
        ["w", "WORKFLOW_TASK_PENDING", "WORKFLOW_TASK_CUSTOM"],
        ["loop", "WORKFLOW_TASK_PENDING", "WORKFLOW_TASK_CUSTOM"]
      ])
      const w = entry(reports, "w")!
      assert.strictEqual(w.status, "WORKFLOW_TASK_COMPLETED")
      assert.strictEqual(w.startedAt, "2026-01-01T00:00:00.000Z")
      assert.strictEqual(w.completedAt, "2026-01-01T00:00:01.000Z")
      assert.deepStrictEqual(w.input, { l: {}, r: {} }, "the FORK's output")
      assert.deepStrictEqual(w.output, { l: {}, r: {} })
      assert.deepStrictEqual(statuses(reports), {
        s: "COMPLETED", sw: "COMPLETED", f: "COMPLETED", w: "COMPLETED", loop: "COMPLETED", "f/l/x": "COMPLETED", "f/r/x": "COMPLETED"
      })
    }))

  it.effect("a task that waits is reported IN_PROGRESS durably before it waits", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([set("a", {}), task("w", "WAIT", { seconds: 60 })]), recorder))
      yield* awaitTimers(recorder, 1)
      yield* TestClock.adjust("60 seconds")
      const { reports } = yield* Fiber.join(fiber)
      const beforeWait = reports.find((r) => r.durable && r.patch.tasks?.find((t) => t.taskId === "w")?.status === "WORKFLOW_TASK_IN_PROGRESS")
      assert.isDefined(beforeWait)
      assert.strictEqual(beforeWait!.patch.tasks!.find((t) => t.taskId === "a")!.status, "WORKFLOW_TASK_COMPLETED")
    }))

  it.effect("LISTEN: IN_PROGRESS committed before it waits; output the data (one) or {id: data} (all); a timeout fails", () =>
    Effect.gen(function*() {
      const listen = (name: string, mode: string, ids: ReadonlyArray<string>, extra: Record<string, unknown> = {}) =>
        task(name, "LISTEN", { to: { mode, signals: ids.map((id) => ({ id })) }, ...extra })
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([listen("one", "one", ["a", "b"]), listen("all", "all", ["a", "b"])]), recorder))
      yield* recorder.send({ id: "b", data: 2 })
      yield* recorder.send({ id: "a", data: { x: 1 } })
      yield* recorder.send({ id: "b", data: 3 })
      const { outcome, reports } = yield* Fiber.join(fiber)
      assert.strictEqual(outcome._tag, "Completed")
      // "one" takes the oldest signal with either id; "all" then finds one of each.
      assert.deepStrictEqual(entry(reports, "one")?.output, { value: 2 })
      assert.deepStrictEqual(entry(reports, "all")?.output, { a: { x: 1 }, b: 3 })
      assert.strictEqual(entry(reports, "one")?.taskType, "WORKFLOW_TASK_APPROVAL")
      const beforeWait = reports.find((r) => r.durable && r.patch.tasks?.find((t) => t.taskId === "one")?.status === "WORKFLOW_TASK_IN_PROGRESS")
      assert.isDefined(beforeWait)

      const timed = memoryEffects()
      const waiting = yield* Effect.fork(runPlan(plan([listen("wait", "one", ["never"], { timeoutSeconds: 5 })]), timed))
      yield* Effect.promise(() => new Promise<void>((resolve) => {
        const check = () => (timed.listening.length > 0 ? resolve() : setTimeout(check, 2))
        check()
      }))
      yield* TestClock.adjust("5 seconds")
      const { outcome: timedOut } = yield* Fiber.join(waiting)
      assert.strictEqual(timedOut._tag, "Failed")
      assert.strictEqual(timedOut._tag === "Failed" ? timedOut.error.type : "", "timeout")
    }))

  it.effect("GRPC_CALL and AGENT_CALL fail with type unsupported", () =>
    Effect.gen(function*() {
      const cases: Array<[string, Record<string, unknown>, RegExp]> = [
        ["GRPC_CALL", { service: "s", method: "m" }, /^unsupported: gRPC calls are not run by this engine$/],
        ["AGENT_CALL", { agent: "a", message: "m" }, /^unsupported: no agent runtime is configured$/]
      ]
      for (const [kind, config, expected] of cases) {
        const { outcome, reports } = yield* runPlan(plan([task("t", kind, config)]))
        assert.match(failed(outcome), expected)
        assert.strictEqual(entry(reports, "t")!.status, "WORKFLOW_TASK_FAILED")
      }
      const { reports } = yield* runPlan(plan([task("g", "GRPC_CALL", { service: "s", method: "m" })]))
      assert.strictEqual(entry(reports, "g")!.taskType, "WORKFLOW_TASK_API_CALL")
    }))

  it.effect("secrets are redacted in task input, output, error and the run's output and error, inside longer strings too", () =>
    Effect.gen(function*() {
      const secrets = { env: { TOKEN: "s3cr3t-value", PLAIN: "visible" }, secrets: ["s3cr3t-value"] }
      const ok = yield* runPlan(plan([
        set("a", { header: "${ \"Bearer \" + $env.TOKEN }", plain: "${ $env.PLAIN }" }),
        set("b", {})
      ], secrets))
      assert.deepStrictEqual(completed(ok.outcome), { header: "Bearer [secret]", plain: "visible" })
      assert.deepStrictEqual(entry(ok.reports, "a")!.output, { header: "Bearer [secret]", plain: "visible" })
      assert.deepStrictEqual(entry(ok.reports, "b")!.input, { header: "Bearer [secret]", plain: "visible" })
      assert.notInclude(JSON.stringify(ok.reports), "s3cr3t-value")
      const bad = yield* runPlan(plan([task("r", "RAISE", { error: "leak", message: "${ \"token=\" + $env.TOKEN }" })], secrets))
      assert.strictEqual(failed(bad.outcome), "leak: token=[secret]")
      assert.strictEqual(entry(bad.reports, "r")!.error, "leak: token=[secret]")
      assert.notInclude(JSON.stringify(bad.reports), "s3cr3t-value")
    }))

  it.effect("the step limit fails the run with type limit; no TRY catches it", () =>
    Effect.gen(function*() {
      const forever = plan([
        task("guard", "TRY", {
          try: [set("spin", { n: "${ (.n // 0) + 1 }" }, { then: "spin" })],
          catch: { do: [set("caught", {})] }
        })
      ], { maxSteps: 50 })
      const { outcome, reports } = yield* runPlan(forever)
      assert.strictEqual(failed(outcome), "limit: the run took more than 50 steps")
      assert.strictEqual(entry(reports, "guard/try/spin")!.metadata?.runs, "49")
      assert.isUndefined(entry(reports, "guard/catch/caught"))
    }))
})

describe("flow", () => {
  it.effect("implicit sequence; explicit jumps forward and back by name; end skips the rest (CTK flow)", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        set("setRed", { colors: "${ (.colors // []) + [\"red\"] }" }, { then: "setGreen" }),
        set("setBlue", { colors: "${ .colors + [\"blue\"] }" }, { then: "end" }),
        set("setGreen", { colors: "${ .colors + [\"green\"] }" }, { then: "setBlue" }),
        set("never", {})
      ]))
      assert.deepStrictEqual(completed(outcome), { colors: ["red", "green", "blue"] })
      assert.deepStrictEqual(statuses(reports), { setRed: "COMPLETED", setBlue: "COMPLETED", setGreen: "COMPLETED", never: "SKIPPED" })
    }))

  it.effect("a backward jump runs a task again: one entry, metadata.runs", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        set("inc", { n: "${ (.n // 0) + 1 }" }),
        task("check", "SWITCH", { cases: [{ name: "again", when: "${ .n < 3 }", then: "inc" }] }),
        set("done", { finished: true })
      ]))
      assert.deepStrictEqual(completed(outcome), { n: 3, finished: true })
      assert.strictEqual(entry(reports, "inc")!.metadata?.runs, "3")
      assert.strictEqual(entry(reports, "check")!.metadata?.runs, "3")
      assert.isUndefined(entry(reports, "done")!.metadata)
      assert.strictEqual(lastTasks(reports).filter((t) => t.taskId === "inc").length, 1)
    }))

  it.effect("exit at the top level ends the run like end; continue goes on", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        set("a", { a: 1 }, { then: "continue" }),
        set("b", { b: 1 }, { then: "exit" }),
        set("c", { c: 1 })
      ]))
      assert.deepStrictEqual(completed(outcome), { a: 1, b: 1 })
      assert.strictEqual(entry(reports, "c")!.status, "WORKFLOW_TASK_SKIPPED")
    }))
})

describe("SWITCH (CTK switch)", () => {
  const colors = (color: string, withDefault: boolean) =>
    plan([
      task("switchColor", "SWITCH", {
        cases: [
          { name: "red", when: "${ .color == \"red\" }", then: "setRed" },
          { name: "green", when: ".color == \"green\"", then: "setGreen" },
          ...(withDefault ? [{ name: "anyOtherColor", then: "setCustom" }] : [])
        ]
      }, { then: "end" }),
      set("setRed", { colors: "${ (.colors // []) + [\"red\"] }" }, { then: "end" }),
      set("setGreen", { colors: "${ (.colors // []) + [\"green\"] }" }, { then: "end" }),
      set("setCustom", { colors: "${ (.colors // []) + [.color] }" }, { then: "end" })
    ], { input: { color } })

  it.effect("the first matching case wins; its then is followed; output = input", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(colors("green", true))
      assert.deepStrictEqual(completed(outcome), { color: "green", colors: ["green"] })
      assert.deepStrictEqual(entry(reports, "switchColor")!.output, { color: "green" })
      assert.deepStrictEqual(entry(reports, "switchColor")!.metadata, { case: "green" })
      assert.deepStrictEqual(statuses(reports), {
        switchColor: "COMPLETED", setRed: "SKIPPED", setGreen: "COMPLETED", setCustom: "SKIPPED"
      })
    }))

  it.effect("no case matching: the SWITCH's own flow.then (implicit default)", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(colors("yellow", false))
      assert.deepStrictEqual(completed(outcome), { color: "yellow" })
    }))

  it.effect("a case without when always matches (explicit default)", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(colors("yellow", true))
      assert.deepStrictEqual(completed(outcome), { color: "yellow", colors: ["yellow"] })
    }))

  it.effect("only true matches: a truthy non-boolean does not", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([
        task("s", "SWITCH", { cases: [{ name: "truthy", when: "${ 1 }", then: "end" }, { name: "yes", when: true, then: "mark" }] }),
        set("skipped", { wrong: true }, { then: "end" }),
        set("mark", { matched: "yes" })
      ]))
      assert.deepStrictEqual(completed(outcome), { matched: "yes" })
    }))
})

describe("FOR (CTK for)", () => {
  it.effect("runs its body per element with $item/$index (or named), body entries at loop/<i>/<name>; output = each last output", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("loopColors", "FOR", {
          in: ".colors",
          each: "color",
          do: [
            set("mark", { color: "${ $color }", index: "${ $index }" }),
            set("upper", { upper: "${ .color | ascii_upcase }" })
          ]
        }, { exportAs: "${ $context + {processed: [.[].color]} }" }),
        set("summary", { processed: "${ $context.processed }" })
      ], { input: { colors: ["red", "green", "blue"] } }))
      const loop = entry(reports, "loopColors")!
      assert.deepStrictEqual(loop.output, {
        value: [
          { colors: ["red", "green", "blue"], color: "red", index: 0, upper: "RED" },
          { colors: ["red", "green", "blue"], color: "green", index: 1, upper: "GREEN" },
          { colors: ["red", "green", "blue"], color: "blue", index: 2, upper: "BLUE" }
        ]
      })
      assert.deepStrictEqual(completed(outcome), { processed: ["red", "green", "blue"] })
      assert.deepStrictEqual(entry(reports, "loopColors/2/upper")!.input, {
        colors: ["red", "green", "blue"], color: "blue", index: 2
      })
      assert.deepStrictEqual(entry(reports, "loopColors/0/mark")!.input, { colors: ["red", "green", "blue"] })
      assert.strictEqual(entry(reports, "loopColors/1/mark")!.status, "WORKFLOW_TASK_COMPLETED")
    }))

  it.effect("exit in the body stops the loop; at names the index; nested FORs shadow", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([
        task("outer", "FOR", {
          in: "${ [1, 2, 3, 4] }",
          at: "i",
          do: [
            task("stop", "SWITCH", { cases: [{ name: "third", when: "${ $i == 2 }", then: "exit" }] }),
            task("inner", "FOR", { in: "${ [10, 20] }", do: [set("x", { v: "${ $item }", outer: "${ $i }" })] })
          ]
        })
      ]))
      const output = completed(outcome).value as Array<unknown>
      assert.strictEqual(output.length, 3)
      assert.deepStrictEqual(output[0], [{ v: 10, outer: 0 }, { v: 20, outer: 0 }])
      assert.deepStrictEqual(output[2], {}, "the exiting iteration's last output")
    }))

  it.effect("in that is not an array fails with type expression", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([task("loop", "FOR", { in: "${ {a: 1} }", do: [set("x", {})] })]))
      assert.strictEqual(failed(outcome), "expression: FOR in must evaluate to an array, not object")
    }))

  it.effect("end inside a body ends the run COMPLETED with the FOR's output so far", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("loop", "FOR", { in: "${ [1, 2, 3] }", do: [set("x", { v: "${ $item }" }, { then: "end" })] }),
        set("after", {})
      ]))
      assert.deepStrictEqual(completed(outcome), { value: [{ v: 1 }] })
      assert.strictEqual(entry(reports, "after")!.status, "WORKFLOW_TASK_SKIPPED")
      assert.isUndefined(entry(reports, "loop/1/x"))
    }))
})

describe("FORK", () => {
  it.effect("branches run concurrently from the FORK's input; output = {branch: last output}; entries fork/branch/task", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([
        task("parallel", "FORK", {
          branches: [
            { name: "left", do: [task("wait", "WAIT", { seconds: 10 }), set("done", { side: "left" })] },
            { name: "right", do: [task("wait", "WAIT", { seconds: 10 }), set("done", { side: "right" })] }
          ]
        })
      ], { input: { shared: 1 } }), recorder))
      // Both waits run at once: 10 s of clock finish both.
      yield* awaitTimers(recorder, 2)
      yield* TestClock.adjust("10 seconds")
      const { outcome, reports } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(completed(outcome), {
        left: { shared: 1, side: "left" },
        right: { shared: 1, side: "right" }
      })
      assert.strictEqual(entry(reports, "parallel/left/done")!.status, "WORKFLOW_TASK_COMPLETED")
      assert.deepStrictEqual(entry(reports, "parallel/right/wait")!.input, { shared: 1 })
    }))

  it.effect("compete: the first branch to finish wins, the others are cancelled (CTK branch)", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([
        task("race", "FORK", {
          compete: true,
          branches: [
            { name: "slow", do: [task("wait", "WAIT", { seconds: 30 }), set("done", { colors: ["slow"] })] },
            { name: "fast", do: [task("wait", "WAIT", { seconds: 1 }), set("done", { colors: ["fast"] })] }
          ]
        })
      ]), recorder))
      yield* awaitTimers(recorder, 2)
      yield* TestClock.adjust("1 second")
      const { outcome, reports } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(completed(outcome), { colors: ["fast"] })
      assert.deepStrictEqual(entry(reports, "race")!.metadata, { winner: "fast" })
      assert.strictEqual(entry(reports, "race/slow/wait")!.status, "WORKFLOW_TASK_FAILED")
      assert.strictEqual(entry(reports, "race/slow/wait")!.error, "cancelled")
      assert.isUndefined(entry(reports, "race/slow/done"))
    }))

  it.effect("a failing branch fails the FORK and cancels the others", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("parallel", "FORK", {
          branches: [
            { name: "ok", do: [task("wait", "WAIT", { seconds: 30 })] },
            { name: "bad", do: [task("boom", "RAISE", { error: "broken", message: "no" })] }
          ]
        })
      ]))
      assert.strictEqual(failed(outcome), "broken: no")
      assert.deepStrictEqual(statuses(reports), { parallel: "FAILED", "parallel/ok/wait": "FAILED", "parallel/bad/boom": "FAILED" })
    }))

  it.effect("end in a branch ends the run COMPLETED and cancels the other branches", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("parallel", "FORK", {
          branches: [
            { name: "waiting", do: [task("wait", "WAIT", { seconds: 30 })] },
            { name: "ender", do: [set("stop", { stopped: true }, { then: "end" })] }
          ]
        }),
        set("after", {})
      ]))
      assert.deepStrictEqual(completed(outcome), { ender: { stopped: true } })
      assert.strictEqual(entry(reports, "parallel/waiting/wait")!.error, "cancelled")
      assert.strictEqual(entry(reports, "after")!.status, "WORKFLOW_TASK_SKIPPED")
    }))
})

describe("TRY, RAISE (CTK try, raise)", () => {
  it.effect("RAISE fails with {type: error, status: 400, title and detail: message}; catch binds it to $<as>", () =>
    Effect.gen(function*() {
      const { outcome, reports } = yield* runPlan(plan([
        task("guard", "TRY", {
          try: [task("raiseError", "RAISE", { error: "compliance", message: "${ \"Compliance \" + .what }" })],
          catch: { as: "err", do: [set("setError", { error: "${ $err }" })] }
        })
      ], { input: { what: "Error" } }))
      assert.deepStrictEqual(completed(outcome), {
        what: "Error",
        error: { type: "compliance", status: 400, title: "Compliance Error", detail: "Compliance Error" }
      })
      assert.strictEqual(entry(reports, "guard/try/raiseError")!.error, "compliance: Compliance Error")
      assert.deepStrictEqual(entry(reports, "guard/catch/setError")!.input, { what: "Error" })
    }))

  it.effect("an uncaught RAISE fails the run with \"<type>: <detail>\"", () =>
    Effect.gen(function*() {
      const { outcome } = yield* runPlan(plan([task("r", "RAISE", { error: "denied", message: "not allowed" })]))
      assert.strictEqual(failed(outcome), "denied: not allowed")
      assert.strictEqual(outcome._tag === "Failed" && outcome.error.status, 400)
    }))

  it.effect("retry: the try runs again up to limit more times with exponential delays, then the catch runs with $error", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([
        task("guard", "TRY", {
          try: [task("fail", "RAISE", { error: "flaky", message: "try again" })],
          catch: { retry: { limit: 3, delaySeconds: 2, backoff: "exponential" }, do: [set("handled", { why: "${ $error.type }" })] }
        })
      ]), recorder))
      for (const [n, seconds] of [[1, 2], [2, 4], [3, 8]]) {
        yield* awaitTimers(recorder, n)
        yield* TestClock.adjust(`${seconds} seconds`)
      }
      const { outcome, reports } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(completed(outcome), { why: "flaky" })
      assert.deepStrictEqual(recorder.slept, [["guard/retry/1", 2000], ["guard/retry/2", 4000], ["guard/retry/3", 8000]])
      assert.strictEqual(entry(reports, "guard/try/fail")!.metadata?.runs, "4")
      assert.strictEqual(entry(reports, "guard")!.metadata?.attempts, "4")
      // Retries' delays are waits: the TRY is committed IN_PROGRESS before each.
      assert.isTrue(reports.filter((r) => r.durable).length >= 4)
    }))

  it.effect("constant backoff waits the same each time; a try that succeeds gives the try's output", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([
        set("count", { n: 0 }, { exportAs: "{n: 0}" }),
        task("guard", "TRY", {
          try: [
            set("bump", { n: "${ $context.n + 1 }" }, { exportAs: "{n: .n}" }),
            task("check", "SWITCH", { cases: [{ name: "low", when: "${ .n < 3 }", then: "fail" }, { name: "ok", then: "exit" }] }),
            task("fail", "RAISE", { error: "low", message: "too low" })
          ],
          catch: { retry: { limit: 5, delaySeconds: 1, backoff: "constant" } }
        })
      ]), recorder))
      for (const n of [1, 2]) {
        yield* awaitTimers(recorder, n)
        yield* TestClock.adjust("1 second")
      }
      const { outcome } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(completed(outcome), { n: 3 })
      assert.deepStrictEqual(recorder.slept.map(([, ms]) => ms), [1000, 1000])
    }))

  it.effect("a catch without do completes the TRY with its input; an error in catch.do escapes", () =>
    Effect.gen(function*() {
      const quiet = yield* runPlan(plan([
        task("guard", "TRY", { try: [task("r", "RAISE", { error: "x", message: "y" })], catch: {} })
      ], { input: { kept: true } }))
      assert.deepStrictEqual(completed(quiet.outcome), { kept: true })
      const loud = yield* runPlan(plan([
        task("guard", "TRY", {
          try: [task("r", "RAISE", { error: "x", message: "y" })],
          catch: { do: [task("again", "RAISE", { error: "z", message: "${ $error.detail + \"!\" }" })] }
        })
      ]))
      assert.strictEqual(failed(loud.outcome), "z: y!")
      assert.deepStrictEqual(statuses(loud.reports), { guard: "FAILED", "guard/try/r": "FAILED", "guard/catch/again": "FAILED" })
    }))
})

describe("WAIT", () => {
  it.effect("waits on a durable timer keyed by its task; output = input", () =>
    Effect.gen(function*() {
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(runPlan(plan([task("pause", "WAIT", { seconds: 5 })], { input: { a: 1 } }), recorder))
      yield* awaitTimers(recorder, 1)
      yield* TestClock.adjust("4 seconds")
      assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map((o) => (o._tag === "Some" ? "done" : null))))
      yield* TestClock.adjust("1 second")
      const { outcome } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(completed(outcome), { a: 1 })
      assert.deepStrictEqual(recorder.slept, [["pause", 5000]])
    }))
})

describe("cancel", () => {
  // What the cancel then writes (running tasks FAILED `cancelled`, pending ones SKIPPED) is
  // WorkflowExecutions.cancel's rule, tested with it; the run must leave a report it can apply to.
  it.effect("interrupting a run leaves its last report: finished tasks ended, the waiting one running, later ones pending", () =>
    Effect.gen(function*() {
      const { reporter, reports } = recordingReporter()
      const recorder = memoryEffects()
      const fiber = yield* Effect.fork(
        Interpreter.run(plan([set("a", {}), task("w", "WAIT", { seconds: 60 }), set("b", {})]), recorder.effects, reporter)
          .pipe(Effect.provide(EngineTest))
      )
      yield* awaitTimers(recorder, 1)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(lastTasks(reports).map((t) => [t.taskId, t.status]), [
        ["a", "WORKFLOW_TASK_COMPLETED"],
        ["w", "WORKFLOW_TASK_IN_PROGRESS"],
        ["b", "WORKFLOW_TASK_PENDING"]
      ])
    }))
})
