/**
 * Pinning: what a run executes is read once, at its start, by its first activity, and
 * journaled with it. A replay reads the journaled plan back, so updating or deleting
 * the workflow (or the execution's spec) while a run is in progress changes nothing
 * for that run.
 */
import type { Workflow, Workflows } from "@weft/workflow"
import { type WorkflowExecution, type WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Option } from "effect"
import type { RunPlan } from "../Interpreter.js"

/** What the pin activity journals: the plan, or why the run has nothing to do. */
export type Pinned =
  | { readonly _tag: "Plan"; readonly plan: RunPlan }
  /** The execution ended (or was deleted) before the run began: nothing to run. */
  | { readonly _tag: "Ended" }
  /** The run cannot start: its workflow is gone. Reported as the run's error. */
  | { readonly _tag: "Unrunnable"; readonly error: string }

/** `$input`: `spec.triggerMetadata` as an object, plus `message` when a trigger message is set. */
export const inputOf = (spec: WorkflowExecution.WorkflowExecutionSpec): Record<string, unknown> => ({
  ...spec.triggerMetadata,
  ...(spec.triggerMessage === undefined ? {} : { message: spec.triggerMessage })
})

/**
 * `$env`: the workflow's `envSpec` values, overridden by the execution's `runtimeEnv`;
 * and every value marked secret in either.
 */
export const envOf = (
  workflow: Workflow.Workflow,
  spec: WorkflowExecution.WorkflowExecutionSpec
): { readonly env: Record<string, string>; readonly secrets: ReadonlyArray<string> } => {
  const env: Record<string, string> = {}
  const secrets = new Set<string>()
  for (const [key, variable] of Object.entries(workflow.spec.envSpec?.data ?? {})) {
    if (variable.value === undefined) continue
    env[key] = variable.value
    if (variable.isSecret === true) secrets.add(variable.value)
  }
  for (const [key, variable] of Object.entries(spec.runtimeEnv ?? {})) {
    env[key] = variable.value
    if (variable.isSecret === true) secrets.add(variable.value)
  }
  return { env, secrets: [...secrets] }
}

export const planOf = (
  execution: WorkflowExecution.WorkflowExecution,
  workflow: Workflow.Workflow,
  maxSteps: number
): RunPlan => {
  const { env, secrets } = envOf(workflow, execution.spec)
  return {
    execution: {
      id: execution.metadata.id,
      name: execution.metadata.name,
      slug: execution.metadata.slug,
      ...(execution.metadata.org === undefined ? {} : { org: execution.metadata.org })
    },
    workflow: { id: workflow.metadata.id, name: workflow.metadata.name, slug: workflow.metadata.slug },
    tasks: workflow.spec.tasks,
    input: inputOf(execution.spec),
    env,
    secrets,
    maxSteps
  }
}

/** Loads the execution and its workflow and builds the plan (the pin activity's body). */
export const pin = (options: {
  readonly executions: WorkflowExecutions
  readonly workflows: Workflows
  readonly id: string
  readonly maxSteps: number
}): Effect.Effect<Pinned> =>
  Effect.gen(function*() {
    const found = yield* Effect.option(options.executions.get(options.id))
    if (Option.isNone(found) || isEnded(found.value)) return { _tag: "Ended" } as const
    const execution = found.value
    const workflowId = execution.spec.workflowId
    const workflow = workflowId === undefined ? Option.none() : yield* Effect.option(options.workflows.get(workflowId))
    if (Option.isNone(workflow)) {
      return { _tag: "Unrunnable", error: `validation: Workflow not found: ${workflowId ?? "(none)"}` } as const
    }
    return { _tag: "Plan", plan: planOf(execution, workflow.value, options.maxSteps) } as const
  })

const isEnded = (execution: WorkflowExecution.WorkflowExecution) =>
  execution.status.phase === "EXECUTION_COMPLETED" || execution.status.phase === "EXECUTION_FAILED" ||
  execution.status.phase === "EXECUTION_CANCELLED"
