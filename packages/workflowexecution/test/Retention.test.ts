/**
 * Retention: executions that ended longer ago than the period are deleted in bounded
 * batches through the delete path (labels, signals, idempotency keys and the runner's
 * journal go with them; watchers get `Deleted`; the feed records it); running and
 * recently ended ones stay; expired idempotency keys are swept. On the TestClock, on
 * SQLite and, with `WEFT_TEST_PG`, on PostgreSQL (where concurrent sweeps take
 * different batches).
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Chunk, Deferred, Duration, Effect, Layer, TestClock } from "effect"
import {
  ExecutionRetention,
  ExecutionRunner,
  layerTest,
  type WorkflowExecution,
  WorkflowExecutions
} from "../src/index.js"
import { createWorkflow, executionBody } from "./fixtures.js"

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0)
const day = 24 * 3600_000
const iso = (millis: number) => new Date(millis).toISOString()

/** A runner that records what retention told it to forget (in the deleting transaction). */
const forgettingRunner = () => {
  const forgotten: Array<string> = []
  const layer = Layer.succeed(
    ExecutionRunner.ExecutionRunner,
    ExecutionRunner.ExecutionRunner.of({
      start: () => Effect.void,
      forget: (executions) => Effect.sync(() => void forgotten.push(...executions.map((e) => e.metadata.id)))
    })
  )
  return { forgotten, layer }
}

const rowsOf = (table: string, column: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ v: string }>`SELECT ${sql(column)} AS v FROM ${sql(table)} ORDER BY ${sql(column)}`).pipe(
      Effect.map((rows) => rows.map((row) => row.v)),
      Effect.orDie
    )

const storedIds = rowsOf("workflow_executions", "id")
const labelledIds = Effect.map(rowsOf("workflow_executions_labels", "id"), (ids) => [...new Set(ids)])
const signalledIds = Effect.map(rowsOf("workflow_execution_signals", "execution_id"), (ids) => [...new Set(ids)])
const keyedIds = rowsOf("workflow_execution_idempotency_keys", "execution_id")

const deletedInLog = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ execution_id: string }>`SELECT execution_id FROM workflow_execution_changes WHERE kind = 'Deleted' ORDER BY seq`).pipe(
    Effect.map((rows) => rows.map((row) => row.execution_id)),
    Effect.orDie
  )

const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()

/** An execution started now (labelled, with an idempotency key and a kept signal), ended `phase` now unless running. */
const run = (workflowId: string, name: string, phase?: WorkflowExecution.ExecutionPhase) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const { execution } = yield* executions.startUnknown(
      executionBody({ workflowId }, { name, labels: { run: name } }),
      `key-${name}`
    )
    const id = execution.metadata.id
    yield* executions.signal(id, { id: "go", data: name })
    if (phase !== undefined) yield* executions.updateStatus(id, { phase })
    return id
  })

/** Waits (without time passing) until a fiber sleeps until `time`: the sweep waits for its next turn. */
const untilAsleepUntil = (time: number) =>
  Effect.repeat(Effect.zipLeft(TestClock.sleeps(), Effect.yieldNow()), {
    until: (sleeps) => Chunk.some(sleeps, (at) => at === time)
  })

describe.each(TestDatabase.backends)("retention on %s", (backend) => {
  it.effect("deletes what ended before the cutoff, a bounded batch at a time, with everything kept for it", () => {
    const runner = forgettingRunner()
    return Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      yield* TestClock.setTime(T0)
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const expired = [
        yield* run(workflowId, "done-1", "EXECUTION_COMPLETED"),
        yield* run(workflowId, "failed", "EXECUTION_FAILED"),
        yield* run(workflowId, "done-2", "EXECUTION_COMPLETED"),
        yield* run(workflowId, "cancelled", "EXECUTION_CANCELLED"),
        yield* run(workflowId, "done-3", "EXECUTION_COMPLETED")
      ]
      const running = yield* run(workflowId, "running", "EXECUTION_IN_PROGRESS")
      const pending = yield* run(workflowId, "pending")
      // Started at T0, ended 20 days later: what counts is when it ended.
      const late = yield* run(workflowId, "late", "EXECUTION_IN_PROGRESS")
      yield* TestClock.setTime(T0 + 20 * day)
      yield* executions.updateStatus(late, { phase: "EXECUTION_COMPLETED" })
      // A runner may report the end itself, with an offset: 30 days after T0, in UTC.
      const reported = yield* run(workflowId, "reported")
      yield* executions.updateStatus(reported, {
        phase: "EXECUTION_COMPLETED",
        completedAt: "2026-03-02T14:00:00+02:00" // T0 + 30 days
      })
      const kept = [running, pending, late, reported]
      yield* TestClock.setTime(T0 + 40 * day)
      const cutoff = iso(T0 + 10 * day)

      const batches: Array<ReadonlyArray<string>> = []
      for (let i = 0; i < 4; i++) {
        batches.push((yield* executions.deleteEnded(cutoff, 2)).map((e) => e.metadata.id))
      }
      assert.deepStrictEqual(batches.map((batch) => batch.length), [2, 2, 1, 0], "at most a batch per transaction")
      assert.deepStrictEqual(sorted(batches.flat()), sorted(expired))
      assert.deepStrictEqual(yield* storedIds, sorted(kept))
      assert.deepStrictEqual(yield* labelledIds, sorted(kept))
      assert.deepStrictEqual(yield* signalledIds, sorted(kept))
      assert.deepStrictEqual(yield* keyedIds, sorted(kept))
      assert.deepStrictEqual(sorted(yield* deletedInLog), sorted(expired), "the feed's log has each deletion once")
      assert.deepStrictEqual(sorted(runner.forgotten), sorted(expired))

      // A later cutoff reaches the late ones, by their completion time (14:00+02:00 is 12:00Z).
      assert.deepStrictEqual((yield* executions.deleteEnded(iso(T0 + 30 * day), 10)).map((e) => e.metadata.id), [late])
      assert.deepStrictEqual(
        (yield* executions.deleteEnded(iso(T0 + 30 * day + 1), 10)).map((e) => e.metadata.id),
        [reported]
      )
      assert.deepStrictEqual(yield* storedIds, sorted([running, pending]), "running ones never go")
    }).pipe(Effect.provide(layerTest(runner.layer, backend)))
  })

  it.effect("the background sweep deletes on its schedule: watchers of the feed get deleted, the log records it", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      yield* TestClock.setTime(T0)
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const first = yield* run(workflowId, "first", "EXECUTION_COMPLETED")
      const second = yield* run(workflowId, "second", "EXECUTION_IN_PROGRESS")
      const third = yield* run(workflowId, "third", "EXECUTION_IN_PROGRESS")
      const running = yield* run(workflowId, "running", "EXECUTION_IN_PROGRESS")

      // A watcher of every change, as `GET /workflow-executions/watch` is: it hears of each deletion.
      const deletions: Array<string> = []
      const deleted = new Map([[first, yield* Deferred.make<void>()], [second, yield* Deferred.make<void>()]])
      const stop = yield* executions.feed({ org: "acme" }, undefined, (item) => {
        if (item._tag !== "Change" || item.event._tag !== "Deleted") return
        const id = item.event.execution.metadata.id
        deletions.push(id)
        Deferred.unsafeDone(deleted.get(id)!, Effect.void)
      })
      yield* Effect.addFinalizer(() => Effect.sync(stop))

      const settings: ExecutionRetention.Settings = { retention: Duration.days(30), every: Duration.days(31), batchSize: 1 }
      const start = T0 + 30 * day + 1
      yield* TestClock.setTime(start)
      yield* Layer.build(ExecutionRetention.layer(settings))
      // The first sweep runs at once, then waits for its next turn.
      yield* Deferred.await(deleted.get(first)!)
      yield* untilAsleepUntil(start + 31 * day)
      assert.deepStrictEqual(yield* storedIds, sorted([second, third, running]))

      // The second ends now, the third two days later; at the next turn only the second is 30 days old.
      yield* executions.updateStatus(second, { phase: "EXECUTION_FAILED" })
      yield* TestClock.adjust("2 days")
      yield* executions.updateStatus(third, { phase: "EXECUTION_COMPLETED" })
      yield* TestClock.adjust("29 days")
      yield* Deferred.await(deleted.get(second)!)
      yield* untilAsleepUntil(start + 62 * day)
      assert.deepStrictEqual(yield* storedIds, sorted([third, running]))
      assert.deepStrictEqual(deletions, [first, second])
      assert.deepStrictEqual(yield* deletedInLog, [first, second])
    }).pipe(Effect.scoped, Effect.provide(layerTest(ExecutionRunner.layerNoop, backend))))

  it.effect("with no retention period nothing is deleted, and idempotency keys past 24 h are swept", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const old = yield* run(workflowId, "old", "EXECUTION_COMPLETED")
      yield* TestClock.setTime(T0 + 24 * 3600_000 + 1)
      const fresh = yield* run(workflowId, "fresh", "EXECUTION_COMPLETED")
      const swept = yield* ExecutionRetention.sweep({ ...ExecutionRetention.defaults, batchSize: 1 })
      assert.deepStrictEqual(swept, { executions: 0, keys: 1 })
      assert.deepStrictEqual(yield* storedIds, sorted([old, fresh]))
      assert.deepStrictEqual(yield* keyedIds, [fresh])
    }).pipe(Effect.provide(layerTest(ExecutionRunner.layerNoop, backend))))
})

describe.runIf(TestDatabase.pgUrl !== undefined)("retention on PostgreSQL, several sweepers", () => {
  it.effect("concurrent batches take different executions: each is deleted once", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      yield* TestClock.setTime(T0)
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const expired = yield* Effect.forEach(
        Array.from({ length: 24 }, (_, i) => `r${i}`),
        (name) => run(workflowId, name, "EXECUTION_COMPLETED")
      )
      yield* TestClock.setTime(T0 + 2 * day)
      const cutoff = iso(T0 + day)
      const sweeper = Effect.iterate([] as ReadonlyArray<string>, {
        while: (ids) => ids.length === 0 || ids[ids.length - 1] !== "",
        body: (ids) =>
          Effect.map(executions.deleteEnded(cutoff, 3), (batch) =>
            batch.length === 0 ? [...ids, ""] : [...ids, ...batch.map((e) => e.metadata.id)])
      })
      const swept = yield* Effect.all([sweeper, sweeper, sweeper, sweeper], { concurrency: "unbounded" })
      const deleted = swept.flatMap((ids) => ids.filter((id) => id !== ""))
      assert.deepStrictEqual(sorted(deleted), sorted(expired))
      assert.deepStrictEqual(sorted(yield* deletedInLog), sorted(expired))
      assert.deepStrictEqual(yield* storedIds, [])
    }).pipe(Effect.provide(layerTest(ExecutionRunner.layerNoop, "pg"))))
})
