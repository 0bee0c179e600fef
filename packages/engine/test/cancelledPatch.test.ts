import { assert, describe, it } from "@effect/vitest"
import { Interpreter } from "../src/index.js"

describe("cancelledPatch", () => {
  it("fails tasks in progress, skips pending ones, keeps ended ones", () => {
    const now = "2026-01-01T00:00:05.000Z"
    const patch = Interpreter.cancelledPatch([
      { taskId: "a", taskName: "a", status: "WORKFLOW_TASK_COMPLETED", output: { x: 1 } },
      { taskId: "b", taskName: "b", status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: "2026-01-01T00:00:01.000Z" },
      { taskId: "b/0/c", taskName: "c", status: "WORKFLOW_TASK_IN_PROGRESS" },
      { taskId: "d", taskName: "d", status: "WORKFLOW_TASK_PENDING" }
    ], now)
    assert.strictEqual(patch.phase, "EXECUTION_CANCELLED")
    assert.deepStrictEqual(patch.tasks?.map((t) => [t.taskId, t.status, t.error, t.completedAt]), [
      ["a", "WORKFLOW_TASK_COMPLETED", undefined, undefined],
      ["b", "WORKFLOW_TASK_FAILED", "cancelled", now],
      ["b/0/c", "WORKFLOW_TASK_FAILED", "cancelled", now],
      ["d", "WORKFLOW_TASK_SKIPPED", undefined, undefined]
    ])
  })
})
