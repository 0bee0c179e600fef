/**
 * A stand-in for `Interpreter.run` that drives the durable runtime the way the real one
 * does, over a deliberately small language: top-level tasks only, run in order.
 * SET outputs its `variables` (literals) merged into its input; WAIT sleeps `seconds`;
 * any other kind is an activity that calls `hooks.effect(taskName)` and outputs
 * what it answers. Reports: start (IN_PROGRESS, every task PENDING), each task
 * IN_PROGRESS (durably before it waits) then COMPLETED, the end durably.
 */
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Effect } from "effect"
import type { RunOutcome, RunPlan, StatusReporter, TaskEffects } from "../../src/Interpreter.js"
import { RunOutcome as Outcome } from "../../src/Interpreter.js"
import type { TaskError } from "../../src/TaskError.js"

type TaskEntry = WorkflowExecution.TaskEntry

export interface Hooks {
  readonly effect: (taskName: string, input: Record<string, unknown>) => Effect.Effect<Record<string, unknown>, TaskError>
}

const now = Effect.map(Effect.clockWith((clock) => clock.currentTimeMillis), (ms) => new Date(ms).toISOString())

export const run = (hooks: Hooks) =>
(plan: RunPlan, effects: TaskEffects, reporter: StatusReporter): Effect.Effect<RunOutcome> =>
  Effect.gen(function*() {
    const tasks: Array<TaskEntry> = plan.tasks.map((task) => ({
      taskId: task.name,
      taskName: task.name,
      status: "WORKFLOW_TASK_PENDING"
    }))
    yield* reporter.report({ phase: "EXECUTION_IN_PROGRESS", tasks: [...tasks] }, { durable: false })
    let data: Record<string, unknown> = { ...plan.input, env: plan.env }
    for (const [i, task] of plan.tasks.entries()) {
      const waits = task.kind !== "WORKFLOW_TASK_KIND_SET"
      tasks[i] = { ...tasks[i], status: "WORKFLOW_TASK_IN_PROGRESS", startedAt: yield* now, input: data }
      yield* reporter.report({ tasks: [...tasks] }, { durable: waits })
      if (task.kind === "WORKFLOW_TASK_KIND_SET") {
        data = { ...data, ...(task.taskConfig.variables as Record<string, unknown>) }
      } else if (task.kind === "WORKFLOW_TASK_KIND_WAIT") {
        yield* effects.sleep(task.name, Number(task.taskConfig.seconds) * 1000)
      } else {
        const input = data
        const result = yield* Effect.either(effects.activity(task.name, hooks.effect(task.name, input)))
        if (result._tag === "Left") {
          tasks[i] = { ...tasks[i], status: "WORKFLOW_TASK_FAILED", error: result.left.message, completedAt: yield* now }
          const message = result.left.message
          yield* reporter.report({ phase: "EXECUTION_FAILED", tasks: [...tasks], error: message }, { durable: true })
          return Outcome.Failed({ error: result.left, message })
        }
        data = result.right
      }
      tasks[i] = { ...tasks[i], status: "WORKFLOW_TASK_COMPLETED", output: data, completedAt: yield* now }
      yield* reporter.report({ tasks: [...tasks] }, { durable: false })
    }
    yield* reporter.report({ phase: "EXECUTION_COMPLETED", tasks: [...tasks], output: data }, { durable: true })
    return Outcome.Completed({ output: data })
  })
