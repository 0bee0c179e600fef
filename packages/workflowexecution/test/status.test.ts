/**
 * The status rules on their own: the phase transition table, and the merge of a partial
 * status into an execution (absent fields kept, tasks replaced whole, server-set
 * timestamps, audit bump, version +1).
 */
import { assert, describe, it } from "@effect/vitest"
import { Metadata } from "@weft/resource"
import { Effect } from "effect"
import { canTransition, merge } from "../src/internal/status.js"
import { type ExecutionPhase, isTerminal, PhaseNames, type WorkflowExecution } from "../src/WorkflowExecution.js"

const CREATED = "2025-01-11T14:30:22.000Z"
const NOW = "2025-01-11T14:31:00.000Z"

const execution = (status: Record<string, unknown> = {}): WorkflowExecution =>
  ({
    apiVersion: "agentic.stigmer.ai/v1",
    kind: "WorkflowExecution",
    metadata: { id: "wex-01j0000000000000000000000a", name: "run", slug: "run", org: "acme", version: 3 },
    spec: { workflowInstanceId: "win-x", workflowId: "wfl-x", triggerMessage: "go" },
    status: { audit: Metadata.auditCreated(CREATED), phase: "EXECUTION_PENDING", ...status }
  }) as WorkflowExecution

describe("canTransition", () => {
  const legal: Record<ExecutionPhase, ReadonlyArray<ExecutionPhase>> = {
    EXECUTION_PENDING: PhaseNames,
    EXECUTION_IN_PROGRESS: [
      "EXECUTION_IN_PROGRESS",
      "EXECUTION_COMPLETED",
      "EXECUTION_FAILED",
      "EXECUTION_CANCELLED"
    ],
    EXECUTION_COMPLETED: ["EXECUTION_COMPLETED"],
    EXECUTION_FAILED: ["EXECUTION_FAILED"],
    EXECUTION_CANCELLED: ["EXECUTION_CANCELLED"]
  }

  for (const from of PhaseNames) {
    for (const to of PhaseNames) {
      const expected = legal[from].includes(to)
      it(`${from} → ${to}: ${expected ? "allowed" : "refused"}`, () => {
        assert.strictEqual(canTransition(from, to), expected)
      })
    }
  }

  it("the terminal phases are COMPLETED, FAILED and CANCELLED", () => {
    assert.deepStrictEqual(PhaseNames.filter((p) => isTerminal(p)), [
      "EXECUTION_COMPLETED",
      "EXECUTION_FAILED",
      "EXECUTION_CANCELLED"
    ])
    assert.isFalse(isTerminal(undefined))
  })
})

describe("merge", () => {
  it.effect("an update with no status field is a 400 (audit alone does not count)", () =>
    Effect.gen(function*() {
      for (const update of [{}, { audit: { specAudit: {} } }]) {
        const error = yield* Effect.flip(merge(execution(), update, NOW))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
      }
    }))

  it.effect("first IN_PROGRESS: startedAt set by the server; version +1; status audit bumped", () =>
    Effect.gen(function*() {
      const before = execution()
      const next = yield* merge(before, { phase: "EXECUTION_IN_PROGRESS" }, NOW)
      assert.strictEqual(next.status.phase, "EXECUTION_IN_PROGRESS")
      assert.strictEqual(next.status.startedAt, NOW)
      assert.isUndefined(next.status.completedAt)
      assert.strictEqual(next.metadata.version, 4)
      assert.deepStrictEqual(next.status.audit.specAudit, before.status.audit.specAudit)
      assert.deepStrictEqual(next.status.audit.statusAudit, {
        createdBy: { id: "system" },
        createdAt: CREATED,
        updatedBy: { id: "system" },
        updatedAt: NOW,
        event: "status_updated"
      })
      assert.deepStrictEqual(next.spec, before.spec)
      assert.deepStrictEqual({ ...next.metadata, version: 3 }, before.metadata)
    }))

  it.effect("IN_PROGRESS again keeps the first startedAt", () =>
    Effect.gen(function*() {
      const next = yield* merge(
        execution({ phase: "EXECUTION_IN_PROGRESS", startedAt: CREATED }),
        { phase: "EXECUTION_IN_PROGRESS", output: { step: 2 } },
        NOW
      )
      assert.strictEqual(next.status.startedAt, CREATED)
      assert.deepStrictEqual(next.status.output, { step: 2 })
    }))

  it.effect("timestamps given in the body win over the server's", () =>
    Effect.gen(function*() {
      const started = "2025-01-11T14:30:30.000Z"
      const completed = "2025-01-11T14:30:50.000Z"
      const running = yield* merge(execution(), { phase: "EXECUTION_IN_PROGRESS", startedAt: started }, NOW)
      assert.strictEqual(running.status.startedAt, started)
      const done = yield* merge(running, { phase: "EXECUTION_COMPLETED", completedAt: completed }, NOW)
      assert.strictEqual(done.status.completedAt, completed)
      assert.strictEqual(done.status.startedAt, started)
    }))

  it.effect("a terminal phase sets completedAt; PENDING → FAILED sets no startedAt", () =>
    Effect.gen(function*() {
      for (const phase of ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"] as const) {
        const next = yield* merge(execution(), { phase }, NOW)
        assert.strictEqual(next.status.phase, phase)
        assert.strictEqual(next.status.completedAt, NOW)
        assert.isUndefined(next.status.startedAt)
      }
    }))

  it.effect("absent fields keep their value; tasks, when sent, replace the whole array", () =>
    Effect.gen(function*() {
      const before = execution({
        phase: "EXECUTION_IN_PROGRESS",
        startedAt: CREATED,
        tasks: [{ taskId: "t1", status: "WORKFLOW_TASK_COMPLETED" }, { taskId: "t2", status: "WORKFLOW_TASK_PENDING" }],
        output: { a: 1 },
        temporalWorkflowId: "temporal-1"
      })
      const next = yield* merge(before, { tasks: [{ taskId: "t2", status: "WORKFLOW_TASK_PENDING" }] }, NOW)
      assert.deepStrictEqual(next.status.tasks, [{ taskId: "t2", status: "WORKFLOW_TASK_PENDING" }])
      assert.strictEqual(next.status.phase, "EXECUTION_IN_PROGRESS")
      assert.strictEqual(next.status.startedAt, CREATED)
      assert.deepStrictEqual(next.status.output, { a: 1 })
      assert.strictEqual(next.status.temporalWorkflowId, "temporal-1")

      const emptied = yield* merge(next, { tasks: [] }, NOW)
      assert.deepStrictEqual(emptied.status.tasks, [])
    }))

  it.effect("a task becoming IN_PROGRESS gets startedAt, one ending (COMPLETED, FAILED, SKIPPED) completedAt", () =>
    Effect.gen(function*() {
      const running = yield* merge(execution(), {
        phase: "EXECUTION_IN_PROGRESS",
        tasks: [
          { taskId: "a", status: "WORKFLOW_TASK_IN_PROGRESS" },
          { taskId: "b", status: "WORKFLOW_TASK_PENDING" },
          { taskId: "c" }
        ]
      }, NOW)
      assert.deepStrictEqual(running.status.tasks, [
        { taskId: "a", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: NOW },
        { taskId: "b", status: "WORKFLOW_TASK_PENDING" },
        { taskId: "c" }
      ])
      for (const status of ["WORKFLOW_TASK_COMPLETED", "WORKFLOW_TASK_FAILED", "WORKFLOW_TASK_SKIPPED"] as const) {
        const ended = yield* merge(execution(), { tasks: [{ taskId: "x", status }] }, NOW)
        assert.deepStrictEqual(ended.status.tasks, [{ taskId: "x", status, completedAt: NOW }], status)
      }
    }))

  it.effect("task times the body gives are kept; those a stored entry had are kept when the body omits them", () =>
    Effect.gen(function*() {
      const T1 = "2025-01-11T14:30:40.000Z"
      const T2 = "2025-01-11T14:30:50.000Z"
      // Given in the body: kept, even if the stored entry had others.
      const given = yield* merge(
        execution({ tasks: [{ taskId: "a", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: CREATED }] }),
        { tasks: [{ taskId: "a", status: "WORKFLOW_TASK_COMPLETED", startedAt: T1, completedAt: T2 }] },
        NOW
      )
      assert.deepStrictEqual(given.status.tasks, [
        { taskId: "a", status: "WORKFLOW_TASK_COMPLETED", startedAt: T1, completedAt: T2 }
      ])
      // Omitted: the stored startedAt is kept (matched by taskId), completedAt set now.
      const stored = execution({
        tasks: [
          { taskId: "a", taskName: "fetch", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: T1 },
          { taskName: "notify", status: "WORKFLOW_TASK_COMPLETED", startedAt: T1, completedAt: T2 }
        ]
      })
      const next = yield* merge(stored, {
        tasks: [
          { taskId: "a", status: "WORKFLOW_TASK_COMPLETED" },
          // Matched by name when there is no taskId: both stored times are kept.
          { taskName: "notify", status: "WORKFLOW_TASK_COMPLETED", output: { ok: true } }
        ]
      }, NOW)
      assert.deepStrictEqual(next.status.tasks, [
        { taskId: "a", status: "WORKFLOW_TASK_COMPLETED", startedAt: T1, completedAt: NOW },
        { taskName: "notify", status: "WORKFLOW_TASK_COMPLETED", output: { ok: true }, startedAt: T1, completedAt: T2 }
      ])
      // Still running: the first startedAt stays, no completedAt appears.
      const again = yield* merge(stored, { tasks: [{ taskId: "a", status: "WORKFLOW_TASK_IN_PROGRESS" }] }, NOW)
      assert.deepStrictEqual(again.status.tasks, [{ taskId: "a", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: T1 }])
      // Another task of the same name but another taskId is another task.
      const other = yield* merge(stored, { tasks: [{ taskId: "z", taskName: "fetch", status: "WORKFLOW_TASK_IN_PROGRESS" }] }, NOW)
      assert.deepStrictEqual(other.status.tasks, [
        { taskId: "z", taskName: "fetch", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: NOW }
      ])
    }))

  it.effect("a status audit in the body is ignored", () =>
    Effect.gen(function*() {
      const next = yield* merge(
        execution(),
        { error: "boom", audit: { statusAudit: { event: "forged", updatedAt: "1999-01-01T00:00:00.000Z" } } },
        NOW
      )
      assert.strictEqual(next.status.error, "boom")
      assert.strictEqual(next.status.audit.statusAudit.event, "status_updated")
      assert.strictEqual(next.status.audit.statusAudit.updatedAt, NOW)
    }))

  it.effect("out of a terminal phase: 409 FAILED_PRECONDITION naming both phases", () =>
    Effect.gen(function*() {
      for (const from of ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"] as const) {
        for (const to of PhaseNames.filter((p) => p !== from)) {
          const error = yield* Effect.flip(merge(execution({ phase: from }), { phase: to }, NOW))
          assert.strictEqual(error._tag, "FailedPrecondition")
          assert.strictEqual(error.code, "FAILED_PRECONDITION")
          assert.include(error.message, from)
          assert.include(error.message, to)
        }
      }
    }))

  it.effect("IN_PROGRESS → PENDING: 409 FAILED_PRECONDITION", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        merge(execution({ phase: "EXECUTION_IN_PROGRESS" }), { phase: "EXECUTION_PENDING" }, NOW)
      )
      assert.strictEqual(error.code, "FAILED_PRECONDITION")
    }))

  it.effect("the same terminal phase again is allowed and keeps completedAt", () =>
    Effect.gen(function*() {
      const done = execution({ phase: "EXECUTION_COMPLETED", completedAt: CREATED })
      const next = yield* merge(done, { phase: "EXECUTION_COMPLETED", output: { late: true } }, NOW)
      assert.strictEqual(next.status.completedAt, CREATED)
      assert.deepStrictEqual(next.status.output, { late: true })
      assert.strictEqual(next.metadata.version, 4)
    }))

  it.effect("an execution stored without a phase counts as PENDING", () =>
    Effect.gen(function*() {
      const bare = execution()
      const { phase: _, ...status } = bare.status
      const next = yield* merge({ ...bare, status: status as WorkflowExecution["status"] }, {
        phase: "EXECUTION_IN_PROGRESS"
      }, NOW)
      assert.strictEqual(next.status.phase, "EXECUTION_IN_PROGRESS")
    }))
})
