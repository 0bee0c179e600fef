/**
 * The counts of executions by phase the database keeps (`/metrics` reads them): after
 * creates, phase changes, updates that keep the phase, deletes and retention's deletes
 * they equal a count of the table; a fold leaves one row per phase and changes no count,
 * also when folds run at once with writes (several replicas on PostgreSQL).
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Effect, TestClock } from "effect"
import { ExecutionRunner, layerTest, PhaseCounts, WorkflowExecutions } from "../src/index.js"
import { createWorkflow, executionBody } from "./fixtures.js"

/** `COUNT(*) … GROUP BY phase`: what the kept counts must equal (phases with none left out). */
const counted = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ phase: string; n: number | string }>`SELECT phase, COUNT(*) AS n FROM workflow_executions GROUP BY phase`).pipe(
    Effect.map((rows) => Object.fromEntries(rows.map((row) => [row.phase, Number(row.n)]))),
    Effect.orDie
  )

const kept = Effect.map(PhaseCounts.byPhase, (counts) =>
  Object.fromEntries([...counts].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b))))

const countRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM workflow_execution_phase_counts`).pipe(
    Effect.map((rows) => Number(rows[0].n)),
    Effect.orDie
  )

const sortedKeys = (record: Record<string, number>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))

describe.each(TestDatabase.backends)("phase counts on %s", (backend) => {
  it.effect("follow every change, and a fold keeps them with one row per phase", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const ids = yield* Effect.forEach(Array.from({ length: 8 }), () =>
        Effect.map(executions.createUnknown(executionBody({ workflowId })), (e) => e.metadata.id))
      assert.deepStrictEqual(yield* kept, { EXECUTION_PENDING: 8 })
      yield* executions.updateStatus(ids[0], { phase: "EXECUTION_IN_PROGRESS" })
      yield* executions.updateStatus(ids[0], { phase: "EXECUTION_IN_PROGRESS", output: { a: 1 } }) // the same phase
      yield* executions.updateStatus(ids[1], { phase: "EXECUTION_COMPLETED" })
      yield* executions.updateStatus(ids[2], { phase: "EXECUTION_FAILED" })
      yield* executions.cancel(ids[3])
      yield* executions.updateUnknown(ids[4], executionBody({ workflowId, triggerMessage: "changed" }))
      yield* executions.delete(ids[5])
      const expected = {
        EXECUTION_CANCELLED: 1,
        EXECUTION_COMPLETED: 1,
        EXECUTION_FAILED: 1,
        EXECUTION_IN_PROGRESS: 1,
        EXECUTION_PENDING: 3
      }
      assert.deepStrictEqual(yield* kept, expected)
      assert.deepStrictEqual(sortedKeys(yield* counted), expected)

      // Retention's deletes count too.
      yield* TestClock.adjust("2 days")
      yield* executions.deleteEnded(new Date(86_400_000).toISOString(), 10)
      const after = { EXECUTION_IN_PROGRESS: 1, EXECUTION_PENDING: 3 }
      assert.deepStrictEqual(yield* kept, after)

      assert.isAbove(yield* countRows, 5)
      assert.isAbove(yield* PhaseCounts.fold, 5)
      assert.deepStrictEqual(yield* kept, after)
      assert.deepStrictEqual(sortedKeys(yield* counted), after)
      assert.isAtMost(yield* countRows, 5, "one row per phase")
      assert.strictEqual(yield* PhaseCounts.fold, 0, "nothing to fold")
    }).pipe(Effect.provide(layerTest(ExecutionRunner.layerNoop, backend))))
})

describe.runIf(TestDatabase.pgUrl !== undefined)("phase counts on PostgreSQL, folds at once with writes", () => {
  it.effect("no count is lost or doubled", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const { metadata: { id: workflowId } } = yield* createWorkflow()
      const write = (i: number) =>
        Effect.gen(function*() {
          const { metadata: { id } } = yield* executions.createUnknown(executionBody({ workflowId }, { name: `r${i}` }))
          if (i % 2 === 0) yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
          if (i % 3 === 0) yield* executions.delete(id)
        })
      const fold = Effect.repeatN(PhaseCounts.fold, 9)
      yield* Effect.all([
        Effect.forEach(Array.from({ length: 30 }, (_, i) => i), write, { concurrency: 4, discard: true }),
        fold,
        fold
      ], { concurrency: "unbounded", discard: true })
      yield* PhaseCounts.fold
      assert.deepStrictEqual(yield* kept, sortedKeys(yield* counted))
      assert.deepStrictEqual(yield* kept, { EXECUTION_IN_PROGRESS: 10, EXECUTION_PENDING: 10 })
    }).pipe(Effect.provide(layerTest(ExecutionRunner.layerNoop, "pg"))))
})
