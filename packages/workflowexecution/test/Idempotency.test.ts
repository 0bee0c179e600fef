/**
 * Idempotent starts without HTTP: one execution per (org, key) within 24 h, replays,
 * a different body refused, keys that expire or whose execution is gone, the sweep.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, TestClock } from "effect"
import * as Idempotency from "../src/internal/idempotency.js"
import { WorkflowExecutions } from "../src/index.js"
import { createWorkflow, executionBody, executionCount, makeLayer, recordingRunner } from "./fixtures.js"

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0)


describe("canonicalJson", () => {
  it("equal JSON values give equal text, whatever the key order at any depth", () => {
    assert.strictEqual(
      Idempotency.canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }),
      Idempotency.canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 })
    )
    assert.notStrictEqual(Idempotency.canonicalJson({ a: [1, 2] }), Idempotency.canonicalJson({ a: [2, 1] }))
    assert.notStrictEqual(Idempotency.requestHash({ a: 1 }), Idempotency.requestHash({ a: "1" }))
  })
})

describe("start with an Idempotency-Key", () => {
  it.effect("the same key and body: the first start's execution, replayed, and nothing new started", () => {
    const runner = recordingRunner()
    return Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const workflow = yield* createWorkflow()
      const body = executionBody({ workflowId: workflow.metadata.id }, { labels: { a: "1", b: "2" } })
      const first = yield* executions.startUnknown(body, "k-1")
      assert.isFalse(first.replayed)
      // The same body with its keys in another order is the same request.
      const reordered = { spec: { ...body.spec }, metadata: { labels: { b: "2", a: "1" }, org: "acme", ownerScope: "organization" }, kind: body.kind, apiVersion: body.apiVersion }
      const again = yield* executions.startUnknown(reordered, "k-1")
      assert.isTrue(again.replayed)
      assert.deepStrictEqual(again.execution, first.execution)
      assert.strictEqual(yield* executionCount, 1)
      assert.deepStrictEqual(runner.started.map((e) => e.metadata.id), [first.execution.metadata.id])
    }).pipe(Effect.provide(makeLayer(runner.layer)))
  })

  it.effect("the same key with a different body is ALREADY_EXISTS naming the key, and nothing is stored", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const workflow = yield* createWorkflow()
      const first = yield* executions.startUnknown(executionBody({ workflowId: workflow.metadata.id }), "k-1")
      const exit = yield* Effect.exit(
        executions.startUnknown(executionBody({ workflowId: workflow.metadata.id, triggerMessage: "other" }), "k-1")
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
        assert.strictEqual(exit.cause.error._tag, "AlreadyExists")
        assert.include(exit.cause.error.message, `Idempotency-Key "k-1" was used in org acme by a different request`)
        assert.include(exit.cause.error.message, first.execution.metadata.id)
      } else assert.fail("expected a failure")
      assert.strictEqual(yield* executionCount, 1)
    }).pipe(Effect.provide(makeLayer())))

  it.effect("keys are per org; a start without a key is never a replay", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const workflow = yield* createWorkflow()
      const spec = { workflowId: workflow.metadata.id }
      const acme = yield* executions.startUnknown(executionBody(spec), "k-1")
      const solo = yield* executions.startUnknown(executionBody(spec, { org: undefined, ownerScope: "identity_account" }), "k-1")
      assert.isFalse(solo.replayed)
      assert.notStrictEqual(solo.execution.metadata.id, acme.execution.metadata.id)
      yield* executions.createUnknown(executionBody(spec))
      assert.strictEqual(yield* executionCount, 3)
    }).pipe(Effect.provide(makeLayer())))

  it.effect("a key is kept 24 h: then the same key starts a new execution, and the sweep forgets old keys", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      yield* TestClock.setTime(T0)
      const workflow = yield* createWorkflow()
      const body = executionBody({ workflowId: workflow.metadata.id })
      const first = yield* executions.startUnknown(body, "k-1")
      yield* TestClock.adjust("24 hours")
      const within = yield* executions.startUnknown(body, "k-1")
      assert.isTrue(within.replayed, "at exactly 24 h the key still holds")
      yield* TestClock.adjust("1 millis")
      const after = yield* executions.startUnknown(body, "k-1")
      assert.isFalse(after.replayed)
      assert.notStrictEqual(after.execution.metadata.id, first.execution.metadata.id)
      // The new start holds the key now: a different body is refused again.
      const other = yield* Effect.exit(executions.startUnknown(executionBody({ ...body.spec, triggerMessage: "x" }), "k-1"))
      assert.isTrue(Exit.isFailure(other))

      yield* executions.startUnknown(body, "k-2")
      yield* TestClock.adjust("24 hours")
      yield* TestClock.adjust("1 millis")
      const before = new Date(T0 + 48 * 3600_000 + 2 - 24 * 3600_000).toISOString()
      // k-1 (taken again at 24 h + 1 ms) and k-2 are both 24 h old now.
      assert.strictEqual(yield* Idempotency.sweep(before, 1), 1, "a batch at most")
      assert.strictEqual(yield* Idempotency.sweep(before, 100), 1)
      assert.strictEqual(yield* Idempotency.sweep(before, 100), 0)
      assert.isFalse((yield* executions.startUnknown(body, "k-2")).replayed)
    }).pipe(Effect.provide(makeLayer())))

  it.effect("a key whose execution was deleted is free again", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const workflow = yield* createWorkflow()
      const body = executionBody({ workflowId: workflow.metadata.id })
      const first = yield* executions.startUnknown(body, "k-1")
      yield* executions.delete(first.execution.metadata.id)
      const second = yield* executions.startUnknown(body, "k-1")
      assert.isFalse(second.replayed)
      const third = yield* executions.startUnknown(body, "k-1")
      assert.isTrue(third.replayed)
      assert.strictEqual(third.execution.metadata.id, second.execution.metadata.id)
    }).pipe(Effect.provide(makeLayer())))

  it.effect("a start that fails stores neither the execution nor the key", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const missing = yield* Effect.exit(executions.startUnknown(executionBody({ workflowId: "wfl-01j0000000000000000000000z" }), "k-1"))
      assert.isTrue(Exit.isFailure(missing))
      const workflow = yield* createWorkflow()
      const started = yield* executions.startUnknown(executionBody({ workflowId: workflow.metadata.id }), "k-1")
      assert.isFalse(started.replayed, "the failed start did not take the key")
    }).pipe(Effect.provide(makeLayer())))
})
