/**
 * Pinning: what a run executes is read once, at its start, by its first activity, and
 * journaled with it. A replay reads the journaled plan back, so updating or deleting
 * the workflow, its instance, an environment (or the execution's spec) while a run is in
 * progress changes nothing for that run. The resolved `$env` is journaled sealed (one
 * `SecretBox` envelope), so the journal holds no secret value in the clear; it is opened
 * again after a restart.
 */
import { describeRef, type Environments } from "@weft/environment"
import { NotFound, type SecretBox, type SecretValues } from "@weft/resource"
import type { ResolvedWorkflow, Workflow, Workflows } from "@weft/workflow"
import type { ResolvedExecution, WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import type { WorkflowInstances } from "@weft/workflowinstance"
import { Effect, Either, Option } from "effect"
import type { RunPlan } from "../Interpreter.js"

/** What the pin activity journals: the plan with its environment sealed, or why the run has nothing to do. */
export type Pinned =
  | { readonly _tag: "Plan"; readonly plan: Omit<RunPlan, "env" | "secrets">; readonly env: string }
  /** The execution ended (or was deleted) before the run began: nothing to run. */
  | { readonly _tag: "Ended" }
  /** The run cannot start: its workflow or an environment is gone. Reported as the run's error. */
  | { readonly _tag: "Unrunnable"; readonly error: string }

/** `$input`: `spec.triggerMetadata` as an object, plus `message` when a trigger message is set. */
export const inputOf = (spec: WorkflowExecution.WorkflowExecutionSpec): Record<string, unknown> => ({
  ...spec.triggerMetadata,
  ...(spec.triggerMessage === undefined ? {} : { message: spec.triggerMessage })
})

/** `$env` and the secret values among it. */
export interface Env {
  readonly env: Record<string, string>
  readonly secrets: ReadonlyArray<string>
}

/**
 * `$env`: each layer's values over the previous ones, in order (the workflow's `envSpec`,
 * the instance's environments in `envRefs` order, the execution's `runtimeEnv`); and
 * every value marked secret in any of them.
 */
export const envOf = (layers: ReadonlyArray<SecretValues.Revealed>): Env => {
  const env: Record<string, string> = {}
  const secrets = new Set<string>()
  for (const layer of layers) {
    Object.assign(env, layer.values)
    for (const secret of layer.secrets) secrets.add(secret)
  }
  return { env, secrets: [...secrets] }
}

export const planOf = (
  execution: WorkflowExecution.WorkflowExecution,
  workflow: Workflow.Workflow,
  maxSteps: number
): Omit<RunPlan, "env" | "secrets"> => ({
  execution: {
    id: execution.metadata.id,
    name: execution.metadata.name,
    slug: execution.metadata.slug,
    ...(execution.metadata.org === undefined ? {} : { org: execution.metadata.org })
  },
  workflow: { id: workflow.metadata.id, name: workflow.metadata.name, slug: workflow.metadata.slug },
  tasks: workflow.spec.tasks,
  input: inputOf(execution.spec),
  maxSteps
})

export interface PinServices {
  readonly executions: WorkflowExecutions
  readonly workflows: Workflows
  readonly instances: WorkflowInstances
  readonly environments: Environments
  readonly box: SecretBox.SecretBoxService
}

const unrunnable = (error: string) => ({ _tag: "Unrunnable", error } as const)

/**
 * The layers of `$env` for a run: the workflow's `envSpec` (opened), each environment of
 * the instance's `envRefs` (a missing one makes the run unrunnable, naming it), the run's
 * `runtimeEnv` (opened).
 */
const resolveEnv = (
  services: PinServices,
  execution: ResolvedExecution,
  workflow: ResolvedWorkflow
): Effect.Effect<Either.Either<Env, string>> =>
  Effect.gen(function*() {
    const instanceId = execution.execution.spec.workflowInstanceId
    const instance = instanceId === undefined ? Option.none() : yield* Effect.option(services.instances.get(instanceId))
    const refs = Option.match(instance, { onNone: () => [], onSome: (i) => i.spec.envRefs ?? [] })
    const layers: Array<SecretValues.Revealed> = [workflow]
    for (const ref of refs) {
      if (ref.slug === undefined) continue
      const resolved = yield* Effect.either(services.environments.resolve({ org: ref.org, slug: ref.slug }))
      if (Either.isLeft(resolved)) {
        const error = resolved.left
        return Either.left(
          error._tag === "NotFound"
            ? `validation: ${error.message} (in envRefs of instance ${instanceId})`
            : `secret: environment ${describeRef({ org: ref.org, slug: ref.slug })}: ${error.message}`
        )
      }
      layers.push(resolved.right)
    }
    layers.push(execution)
    return Either.right(envOf(layers))
  })

/**
 * Loads the execution, its workflow, instance and environments, with their secrets
 * opened, and builds the plan (the pin activity's body).
 */
export const pin = (options: PinServices & { readonly id: string; readonly maxSteps: number }): Effect.Effect<Pinned> =>
  Effect.gen(function*() {
    const found = yield* Effect.either(options.executions.resolve(options.id))
    if (Either.isLeft(found)) {
      return found.left._tag === "NotFound" ? { _tag: "Ended" } as const : unrunnable(`secret: runtimeEnv: ${found.left.message}`)
    }
    const execution = found.right.execution
    if (isEnded(execution)) return { _tag: "Ended" } as const
    const workflowId = execution.spec.workflowId
    const workflow = workflowId === undefined
      ? Either.left(NotFound.of("Workflow", "(none)"))
      : yield* Effect.either(options.workflows.resolve(workflowId))
    if (Either.isLeft(workflow)) {
      return unrunnable(
        workflow.left._tag === "NotFound"
          ? `validation: ${workflow.left.message}`
          : `secret: envSpec of workflow ${workflowId}: ${workflow.left.message}`
      )
    }
    const env = yield* resolveEnv(options, found.right, workflow.right)
    if (Either.isLeft(env)) return unrunnable(env.left)
    return {
      _tag: "Plan",
      plan: planOf(execution, workflow.right.workflow, options.maxSteps),
      env: options.box.seal(JSON.stringify(env.right))
    } as const
  })

/** The run's plan from what the pin journaled: its environment opened (fails when the key is gone). */
export const open = (pinned: Extract<Pinned, { _tag: "Plan" }>, box: SecretBox.SecretBoxService): Either.Either<RunPlan, string> =>
  Either.match(box.open(pinned.env), {
    onLeft: (error) => Either.left(`secret: the run's pinned environment: ${error.message}`),
    onRight: (json) => Either.right({ ...pinned.plan, ...(JSON.parse(json) as Env) })
  })

const isEnded = (execution: WorkflowExecution.WorkflowExecution) =>
  execution.status.phase === "EXECUTION_COMPLETED" || execution.status.phase === "EXECUTION_FAILED" ||
  execution.status.phase === "EXECUTION_CANCELLED"
