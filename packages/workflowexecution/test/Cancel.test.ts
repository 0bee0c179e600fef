/**
 * `WorkflowExecutions.cancel`: the CANCELLED status (running tasks FAILED, pending ones
 * SKIPPED), the runner told after commit, 409 once terminal, 404 when unknown, and
 * watchers seeing the change.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, TestClock } from "effect"
import { ExecutionRunner, type WorkflowExecution, WorkflowExecutions } from "../src/index.js"
import { createWorkflow, executionBody, makeLayer, services, TestLayer } from "./fixtures.js"

const test = <A, E>(effect: Effect.Effect<A, E, any>, layer: Layer.Layer<any, any, never> = TestLayer) =>
  Effect.provide(effect, layer) as Effect.Effect<A, E, never>

const T0 = Date.UTC(2025, 0, 11, 14, 30, 22)

const setup = Effect.gen(function*() {
  const { executions } = yield* services
  const workflow = yield* createWorkflow()
  return yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
})

/** A runner that records the executions it is told to stop. */
const stoppingRunner = () => {
  const cancelled: Array<WorkflowExecution.WorkflowExecution> = []
  const layer = Layer.succeed(
    ExecutionRunner.ExecutionRunner,
    ExecutionRunner.ExecutionRunner.of({
      start: () => Effect.void,
      cancel: (execution) => Effect.sync(() => void cancelled.push(execution))
    })
  )
  return { cancelled, layer }
}

describe("cancel", () => {
  it.effect("running tasks end FAILED (cancelled), pending ones SKIPPED, finished ones stay; the runner is told after commit", () => {
    const runner = stoppingRunner()
    return test(
      Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        yield* TestClock.setTime(T0)
        const created = yield* setup
        const id = created.metadata.id
        yield* executions.updateStatus(id, {
          phase: "EXECUTION_IN_PROGRESS",
          tasks: [
            { taskId: "a", taskName: "a", status: "WORKFLOW_TASK_COMPLETED", output: { x: 1 } },
            { taskId: "b", taskName: "b", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: new Date(T0).toISOString() },
            { taskId: "c", taskName: "c", status: "WORKFLOW_TASK_PENDING" }
          ]
        })
        yield* TestClock.adjust("2 seconds")
        const cancelled = yield* executions.cancel(id)
        const now = new Date(T0 + 2000).toISOString()
        assert.strictEqual(cancelled.status.phase, "EXECUTION_CANCELLED")
        assert.strictEqual(cancelled.status.completedAt, now)
        assert.strictEqual(cancelled.metadata.version, 3)
        assert.deepStrictEqual(cancelled.status.tasks, [
          // Its end was stamped when it was reported COMPLETED (task times: status.ts).
          {
            taskId: "a",
            taskName: "a",
            status: "WORKFLOW_TASK_COMPLETED",
            output: { x: 1 },
            completedAt: new Date(T0).toISOString()
          },
          {
            taskId: "b",
            taskName: "b",
            status: "WORKFLOW_TASK_FAILED",
            startedAt: new Date(T0).toISOString(),
            completedAt: now,
            error: "cancelled"
          },
          { taskId: "c", taskName: "c", status: "WORKFLOW_TASK_SKIPPED", completedAt: now }
        ])
        assert.deepStrictEqual(runner.cancelled.map((e) => e.metadata.version), [3])
        assert.deepStrictEqual(yield* executions.get(id), cancelled)
      }),
      makeLayer(runner.layer)
    )
  })

  it.effect("a PENDING execution (no runner picked it up) becomes CANCELLED", () =>
    test(Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const created = yield* setup
      const cancelled = yield* executions.cancel(created.metadata.id)
      assert.strictEqual(cancelled.status.phase, "EXECUTION_CANCELLED")
      assert.isUndefined(cancelled.status.tasks)
    })))

  it.effect("a terminal execution is 409 FAILED_PRECONDITION and is left unchanged; the runner is not told", () => {
    const runner = stoppingRunner()
    return test(
      Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        const created = yield* setup
        const id = created.metadata.id
        const completed = yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED", output: { ok: true } })
        const exit = yield* Effect.exit(executions.cancel(id))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
          assert.strictEqual(error?._tag, "FailedPrecondition")
          assert.include(error?.message ?? "", "EXECUTION_COMPLETED")
        }
        assert.deepStrictEqual(yield* executions.get(id), completed)
        assert.strictEqual(runner.cancelled.length, 0)
      }),
      makeLayer(runner.layer)
    )
  })

  it.effect("cancelling twice: the second is 409", () =>
    test(Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const created = yield* setup
      yield* executions.cancel(created.metadata.id)
      const error = yield* Effect.flip(executions.cancel(created.metadata.id))
      assert.strictEqual(error._tag, "FailedPrecondition")
    })))

  it.effect("an unknown execution is 404 NOT_FOUND", () =>
    test(Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const error = yield* Effect.flip(executions.cancel("wex-01j0000000000000000000000z"))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.message, "WorkflowExecution not found: wex-01j0000000000000000000000z")
    })))

  it.effect("a watcher sees the CANCELLED state as its last event", () =>
    test(Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const created = yield* setup
      const events: Array<{ readonly version: number; readonly phase: string | undefined; readonly last: boolean }> = []
      // Following registers and reads the snapshot before it returns.
      yield* executions.follow(created.metadata.id, (event, last) =>
        events.push({ version: event.execution.metadata.version, phase: event.execution.status.phase, last }))
      yield* executions.cancel(created.metadata.id)
      assert.deepStrictEqual(events, [
        { version: 1, phase: "EXECUTION_PENDING", last: false },
        { version: 2, phase: "EXECUTION_CANCELLED", last: true }
      ])
    })))
})
