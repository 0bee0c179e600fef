/**
 * RUN over in-memory effects: the child is started once with the evaluated input as its
 * trigger metadata, the entry names it, the parent waits and takes its output; the
 * child's failure (with its own error type), cancellation and deletion fail the task.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import type { Interpreter } from "../src/index.js"
import { entry, memoryEffects, plan, runPlan, set, task } from "./support.js"

const run = (name: string, config: Record<string, unknown>) => task(name, "RUN", config)

/** Starts the plan in a fiber and waits until its RUN has started a child. */
const startWaiting = (p: Interpreter.RunPlan) =>
  Effect.gen(function*() {
    const recorder = memoryEffects()
    const fiber = yield* Effect.fork(runPlan(p, recorder))
    // A run that ends without starting a child fails the test at once, saying how it ended.
    yield* Effect.raceFirst(
      Deferred.await(recorder.childStarted),
      Effect.flatMap(Fiber.join(fiber), (ended) => Effect.dieMessage(`the run ended before it started a child: ${JSON.stringify(ended)}`))
    )
    return { recorder, fiber }
  })

const failure = (outcome: Interpreter.RunOutcome) => {
  assert.strictEqual(outcome._tag, "Failed")
  return (outcome as Extract<Interpreter.RunOutcome, { _tag: "Failed" }>).error
}

describe("RUN", () => {
  it.live("starts the child with the evaluated input (strings as they are, other values as JSON); its output is the task's", () =>
    Effect.gen(function*() {
      const { fiber, recorder } = yield* startWaiting(plan([
        set("order", { id: 7, sku: "ab-1" }),
        run("fulfil", { workflow: "fulfilment", input: { order: "${ .id }", sku: "${ .sku }", tags: ["x"], note: "plain" } }),
        set("after", { shipped: "${ .shipped }" })
      ]))
      assert.deepStrictEqual([...recorder.children.entries()], [[
        "wex-child-1",
        { workflow: "fulfilment", triggerMetadata: { order: "7", sku: "ab-1", tags: "[\"x\"]", note: "plain" } }
      ]])
      yield* recorder.endChild("wex-child-1", { _tag: "Completed", output: { shipped: true } })
      const { outcome, reports } = yield* Fiber.join(fiber)
      assert.deepStrictEqual(outcome._tag === "Completed" ? outcome.output : outcome.message, { shipped: true } as never)
      const fulfil = entry(reports, "fulfil")!
      assert.strictEqual(fulfil.status, "WORKFLOW_TASK_COMPLETED")
      assert.strictEqual(fulfil.taskType, "WORKFLOW_TASK_CUSTOM")
      assert.deepStrictEqual(fulfil.output, { shipped: true })
      assert.strictEqual(fulfil.metadata?.childExecutionId, "wex-child-1")
      // Before it waited, the entry naming the child was committed.
      const waiting = reports.find((r) =>
        r.durable &&
        r.patch.tasks?.some((e) =>
          e.taskId === "fulfil" && e.status === "WORKFLOW_TASK_IN_PROGRESS" && e.metadata?.childExecutionId === "wex-child-1"
        )
      )
      assert.isDefined(waiting)
    }))

  it.live("a replay starts no second child and takes the journaled end", () =>
    Effect.gen(function*() {
      const p = plan([run("fulfil", { workflow: "fulfilment" })])
      const { fiber, recorder } = yield* startWaiting(p)
      yield* recorder.endChild("wex-child-1", { _tag: "Completed", output: { n: 1 } })
      yield* Fiber.join(fiber)
      const replay = memoryEffects(recorder.journal)
      const { outcome } = yield* runPlan(p, replay)
      assert.deepStrictEqual(outcome._tag === "Completed" ? outcome.output : outcome.message, { n: 1 } as never)
      assert.strictEqual(replay.children.size, 0)
    }))

  it.live("without `input` the child gets the task's input, wrapped as {value} when it is not an object", () =>
    Effect.gen(function*() {
      const { fiber, recorder } = yield* startWaiting(plan([run("child", { workflow: "w" })], { input: { a: "1", b: 2 } }))
      assert.deepStrictEqual(recorder.children.get("wex-child-1")?.triggerMetadata, { a: "1", b: "2" })
      yield* recorder.endChild("wex-child-1", { _tag: "Completed", output: {} })
      yield* Fiber.join(fiber)
      const listed = yield* startWaiting(plan([
        task("list", "FOR", { in: [1, 2], do: [set("x", {})] }),
        run("child", { workflow: "w" })
      ]))
      assert.deepStrictEqual(listed.recorder.children.get("wex-child-1")?.triggerMetadata, { value: "[{},{}]" })
      yield* listed.recorder.endChild("wex-child-1", { _tag: "Completed", output: {} })
      yield* Fiber.join(listed.fiber)
    }))

  it.live("a failed child fails the task with the child's error, which a TRY catches by its type", () =>
    Effect.gen(function*() {
      const { fiber, recorder } = yield* startWaiting(plan([run("child", { workflow: "w" })]))
      yield* recorder.endChild("wex-child-1", { _tag: "Failed", error: "http: 404 from GET http://x" })
      const { outcome, reports } = yield* Fiber.join(fiber)
      const error = failure(outcome)
      assert.deepStrictEqual([error.type, error.title, error.detail], ["http", "Child run failed", "404 from GET http://x"])
      assert.strictEqual(entry(reports, "child")!.error, "http: 404 from GET http://x")
      assert.strictEqual(entry(reports, "child")!.metadata?.childExecutionId, "wex-child-1")

      const caught = yield* startWaiting(plan([
        task("guard", "TRY", {
          try: [run("child", { workflow: "w" })],
          catch: { do: [set("handled", { type: "${ $error.type }" })] }
        })
      ]))
      yield* caught.recorder.endChild("wex-child-1", { _tag: "Failed", error: "timeout: no signal within 5s" })
      const handled = (yield* Fiber.join(caught.fiber)).outcome
      assert.deepStrictEqual(handled._tag === "Completed" ? handled.output : handled.message, { type: "timeout" } as never)
    }))

  it.live("a cancelled child fails the task with type cancelled; a deleted one with type run", () =>
    Effect.gen(function*() {
      const cancelled = yield* startWaiting(plan([run("child", { workflow: "w" })]))
      yield* cancelled.recorder.endChild("wex-child-1", { _tag: "Cancelled" })
      const c = failure((yield* Fiber.join(cancelled.fiber)).outcome)
      assert.deepStrictEqual([c.type, c.detail], ["cancelled", "child execution wex-child-1 was cancelled"])
      const deleted = yield* startWaiting(plan([run("child", { workflow: "w" })]))
      yield* deleted.recorder.endChild("wex-child-1", { _tag: "Deleted" })
      const d = failure((yield* Fiber.join(deleted.fiber)).outcome)
      assert.deepStrictEqual([d.type, d.detail], ["run", "child execution wex-child-1 was deleted"])
    }))

  it.live("secret values of the parent reach the child's trigger metadata as [secret]", () =>
    Effect.gen(function*() {
      const { fiber, recorder } = yield* startWaiting(plan([
        run("child", { workflow: "w", input: { auth: "${ $env.TOKEN }", note: "${ \"x-\" + $env.TOKEN }", plain: "${ $env.PLAIN }" } })
      ], { env: { TOKEN: "s3cr3t", PLAIN: "visible" }, secrets: ["s3cr3t"] }))
      assert.deepStrictEqual(recorder.children.get("wex-child-1")?.triggerMetadata, {
        auth: "[secret]",
        note: "x-[secret]",
        plain: "visible"
      })
      yield* recorder.endChild("wex-child-1", { _tag: "Completed", output: {} })
      yield* Fiber.join(fiber)
    }))
})
