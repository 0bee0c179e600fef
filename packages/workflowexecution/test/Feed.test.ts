/**
 * The feed of every change in the service: the change log is written in the change's
 * transaction, and `feed` delivers stored then live changes without gap or duplicate.
 */
import { assert, describe, it } from "@effect/vitest"
import { Transaction } from "@weft/resource"
import { Effect, Exit } from "effect"
import { type FeedItem } from "../src/index.js"
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
        Effect.zipRight(executions.create(body), Effect.fail("after the create, in its transaction"))
      ))
      assert.deepStrictEqual(exit, Exit.fail("after the create, in its transaction"))
      const refused = yield* Effect.exit(executions.create(executionBody({ workflowId: "wfl-missing" })))
      assert.isTrue(Exit.isFailure(refused))
      assert.strictEqual(yield* executionCount, 0)
      assert.strictEqual(yield* changeCount, 0)
      yield* executions.create(body)
      assert.strictEqual(yield* changeCount, 1)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a refused status update writes no row", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const created = yield* executions.create(executionBody({ workflowId: workflow.metadata.id }))
      yield* executions.updateStatus(created.metadata.id, { phase: "EXECUTION_COMPLETED" })
      const refused = yield* Effect.exit(executions.updateStatus(created.metadata.id, { phase: "EXECUTION_IN_PROGRESS" }))
      assert.isTrue(Exit.isFailure(refused))
      assert.strictEqual(yield* changeCount, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("resumes after a seq: the stored changes, then live ones, each once and in order", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const created = yield* executions.create(executionBody({ workflowId: workflow.metadata.id }))
      const id = created.metadata.id
      yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
      const items: Array<FeedItem> = []
      const stop = yield* executions.feed({}, 1, (item) => void items.push(item))
      yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      yield* executions.delete(id)
      stop()
      yield* executions.create(executionBody({ workflowId: workflow.metadata.id }))
      assert.deepStrictEqual(seqs(items), [2, 3, 4])
      assert.deepStrictEqual(items.map((item) => item._tag === "Change" ? item.event._tag : "Reset"), [
        "Updated",
        "Updated",
        "Deleted"
      ])
    }).pipe(Effect.provide(TestLayer)))
})
