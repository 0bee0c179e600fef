/**
 * The durable runs' status reporter when a write fails: a passing failure (the database
 * failed the statement, a version race lost too often) is written again, backing off,
 * and the run goes on; a refusal because the run ended stops it; any other refusal
 * stops it too. The status path is a stand-in that fails as told; time is the TestClock.
 */
import { SqlError } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Aborted, FailedPrecondition, InvalidArgument } from "@weft/resource"
import type { WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { Deferred, Effect, Fiber, TestClock } from "effect"
import * as Reporter from "../src/internal/durableReporter.js"

type Execution = WorkflowExecution.WorkflowExecution

const initial = {
  metadata: { id: "wex-01", version: 1 },
  status: { phase: "EXECUTION_PENDING" }
} as unknown as Execution

/** A statement PostgreSQL cancelled: what the status path dies with when its transaction fails. */
const cancelled = new SqlError.SqlError({
  cause: Object.assign(new Error("canceling statement due to user request"), { code: "57014" }),
  message: "Failed to execute statement"
})

/**
 * A status path whose first writes end as `failures` says (a defect, or a typed error),
 * then stores each update; answers it and the updates it stored.
 */
const statusPath = (failures: ReadonlyArray<"defect" | Aborted | FailedPrecondition | InvalidArgument>) => {
  const stored: Array<WorkflowExecution.StatusUpdate> = []
  let attempts = 0
  let current = initial
  const executions = {
    updateStatus: (_id: string, update: WorkflowExecution.StatusUpdate) =>
      Effect.suspend(() => {
        const failure = failures[attempts++]
        if (failure === "defect") return Effect.die(cancelled)
        if (failure !== undefined) return Effect.fail(failure)
        stored.push(update)
        current = {
          ...current,
          metadata: { ...current.metadata, version: current.metadata.version + 1 },
          status: { ...current.status, ...update }
        } as Execution
        return Effect.succeed(current)
      })
  } as unknown as WorkflowExecutions
  return { executions, stored, attempts: () => attempts }
}

/** Reports IN_PROGRESS durably while the clock runs a minute ahead; answers whether the reporter stopped. */
const reportThroughFailures = (path: ReturnType<typeof statusPath>) =>
  Effect.gen(function*() {
    const reporter = yield* Reporter.make({ executions: path.executions, id: "wex-01", initial, secrets: [] })
    const report = yield* Effect.fork(reporter.report({ phase: "EXECUTION_IN_PROGRESS" }, { durable: true }))
    yield* TestClock.adjust("1 minute")
    yield* Fiber.join(report)
    return yield* Deferred.isDone(reporter.stopped)
  }).pipe(Effect.scoped)

describe("durable reporter: failed status writes", () => {
  it.effect("a write the database failed is written again, backing off, and the run goes on", () =>
    Effect.gen(function*() {
      const path = statusPath(["defect", "defect", "defect", new Aborted({ message: "version race lost" })])
      const stopped = yield* reportThroughFailures(path)
      assert.isFalse(stopped, "the reporter stopped: the run would end with its status behind")
      assert.strictEqual(path.attempts(), 5)
      assert.lengthOf(path.stored, 1)
      assert.strictEqual(path.stored[0]!.phase, "EXECUTION_IN_PROGRESS")
    }))

  it.effect("the waits grow: the fourth attempt comes no sooner than 700 ms after the first", () =>
    Effect.gen(function*() {
      const path = statusPath(["defect", "defect", "defect"])
      const reporter = yield* Reporter.make({ executions: path.executions, id: "wex-01", initial, secrets: [] })
      const report = yield* Effect.fork(reporter.report({ phase: "EXECUTION_IN_PROGRESS" }, { durable: true }))
      yield* TestClock.adjust("699 millis")
      assert.strictEqual(path.attempts(), 3)
      assert.lengthOf(path.stored, 0)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(report)
      assert.strictEqual(path.attempts(), 4)
      assert.lengthOf(path.stored, 1)
    }).pipe(Effect.scoped))

  it.effect("a run that ended under it (FAILED_PRECONDITION) stops the reporter at once, tried once", () =>
    Effect.gen(function*() {
      const path = statusPath([new FailedPrecondition({ message: "the execution has ended" })])
      assert.isTrue(yield* reportThroughFailures(path))
      assert.strictEqual(path.attempts(), 1)
      assert.lengthOf(path.stored, 0)
    }))

  it.effect("a patch the status path refuses (INVALID_ARGUMENT) stops the reporter, tried once", () =>
    Effect.gen(function*() {
      const path = statusPath([new InvalidArgument({ message: "bad patch" })])
      assert.isTrue(yield* reportThroughFailures(path))
      assert.strictEqual(path.attempts(), 1)
    }))
})
