/**
 * The feed of every change in the service: the change log is written in the change's
 * transaction, and `feed` delivers stored then live changes without gap or duplicate.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Transaction } from "@weft/resource"
import { Effect, Exit, Layer } from "effect"
import { type FeedItem, FeedRetention } from "../src/index.js"
import {
  changeCount,
  createWorkflow,
  executionBody,
  executionCount,
  services,
  TestLayer
} from "./fixtures.js"

const seqs = (items: ReadonlyArray<FeedItem>) => items.map((item) => item.seq)

describe("feed of every change", () => {
  it.effect("a create whose transaction fails leaves no change-log row; a refused one neither", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const body = executionBody({ workflowId: workflow.metadata.id })
      const exit = yield* Effect.exit(Transaction.run(
        Effect.zipRight(executions.createUnknown(body), Effect.fail("after the create, in its transaction"))
      ))
      assert.deepStrictEqual(exit, Exit.fail("after the create, in its transaction"))
      const refused = yield* Effect.exit(executions.createUnknown(executionBody({ workflowId: "wfl-missing" })))
      assert.isTrue(Exit.isFailure(refused))
      assert.strictEqual(yield* executionCount, 0)
      assert.strictEqual(yield* changeCount, 0)
      yield* executions.createUnknown(body)
      assert.strictEqual(yield* changeCount, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a refused status update writes no row", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const created = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      yield* executions.updateStatus(created.metadata.id, { phase: "EXECUTION_COMPLETED" })
      const refused = yield* Effect.exit(executions.updateStatus(created.metadata.id, { phase: "EXECUTION_IN_PROGRESS" }))
      assert.isTrue(Exit.isFailure(refused))
      assert.strictEqual(yield* changeCount, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("resumes after a seq: the stored changes, then live ones, each once and in order", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const created = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      const id = created.metadata.id
      yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
      const items: Array<FeedItem> = []
      const stop = yield* executions.feed({}, 1, (item) => void items.push(item))
      yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      yield* executions.delete(id)
      stop()
      yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      assert.deepStrictEqual(seqs(items), [2, 3, 4])
      assert.deepStrictEqual(items.map((item) => item._tag === "Change" ? item.event._tag : "Reset"), [
        "Updated",
        "Updated",
        "Deleted"
      ])
    }).pipe(Effect.provide(TestLayer)))

  /** Skips `n` sequence numbers, as a backend's sequence does for inserts that roll back. */
  const skipSeqs = (n: number) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql`UPDATE sqlite_sequence SET seq = seq + ${n} WHERE name = 'workflow_execution_changes'`).pipe(Effect.orDie)

  const storedSeqs = Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ seq: number }>`SELECT seq FROM workflow_execution_changes ORDER BY seq`).pipe(
      Effect.map((rows) => rows.map((row) => Number(row.seq))),
      Effect.orDie
    )

  /** The items a feed from `after` delivers at once (the stored part), before any live change. */
  const resumeFrom = (after: number) =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const items: Array<FeedItem> = []
      const stop = yield* executions.feed({}, after, (item) => void items.push(item))
      stop()
      return items.map((item) => `${item._tag} ${item.seq}`)
    })

  it.effect("resumes across gaps in the sequence numbers: a missing number is not a trimmed change", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const { metadata: { id } } = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      yield* skipSeqs(10)
      yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
      yield* skipSeqs(10)
      yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      assert.deepStrictEqual(yield* storedSeqs, [1, 12, 23])

      assert.deepStrictEqual(yield* resumeFrom(0), ["Change 1", "Change 12", "Change 23"])
      assert.deepStrictEqual(yield* resumeFrom(1), ["Change 12", "Change 23"])
      assert.deepStrictEqual(yield* resumeFrom(12), ["Change 23"])
      assert.deepStrictEqual(yield* resumeFrom(23), [])
      assert.deepStrictEqual(yield* resumeFrom(24), ["Reset 23"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("with gaps, a trimmed change still means reset; after the trim point it resumes", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const body = executionBody({ workflowId: workflow.metadata.id })
      for (let i = 0; i < 3; i++) yield* executions.createUnknown(body) // seq 1, 2, 3
      yield* skipSeqs(7)
      yield* executions.createUnknown(body) // 11
      yield* executions.createUnknown(body) // 12: a multiple of the retention, trims seq ≤ 9
      assert.deepStrictEqual(yield* storedSeqs, [11, 12])

      assert.deepStrictEqual(yield* resumeFrom(2), ["Reset 12"], "change 3 is gone")
      assert.deepStrictEqual(yield* resumeFrom(11), ["Change 12"])
      assert.deepStrictEqual(yield* resumeFrom(12), [])
    }).pipe(Effect.provide(TestLayer.pipe(Layer.provideMerge(Layer.succeed(FeedRetention, 3))))))
})
