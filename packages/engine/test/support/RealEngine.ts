/**
 * The real interpreter over the durable runtime, and helpers to start runs of a
 * workflow and follow them through their watch streams.
 */
import { Workflows } from "@weft/workflow"
import { WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Layer, ManagedRuntime, Option, Stream } from "effect"
import { Activities, Interpreter } from "../../src/index.js"
import type { Interpret } from "../../src/internal/durableWorkflow.js"

/**
 * The real interpreter, its services built once (127.0.0.1 is allowed: the default policy
 * denies only link-local), with the activities of `activities` (none by default).
 */
export const realInterpreterWith = (activities: Layer.Layer<Activities.Activities> = Activities.layer([])) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.acquireRelease(
      Effect.sync(() => ManagedRuntime.make(Layer.merge(Interpreter.layerServices, activities).pipe(Layer.orDie))),
      (rt) => rt.disposeEffect
    )
    const services = yield* runtime.runtimeEffect
    const interpret: Interpret<never> = (plan, effects, reporter) =>
      Effect.provide(Interpreter.run(plan, effects, reporter), services)
    return interpret
  })

export const realInterpreter = realInterpreterWith()

export const workflowBody = (tasks: ReadonlyArray<unknown>, name = "Real") => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: { document: { dsl: "1.0.0", namespace: "default", name: "real", version: "1.0.0" }, tasks }
})

export const t = (name: string, kind: string, taskConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  kind: `WORKFLOW_TASK_KIND_${kind}`,
  taskConfig,
  ...extra
})

export const startRun = (tasks: ReadonlyArray<unknown>, triggerMetadata: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const workflow = yield* Effect.flatMap(Workflows, (w) => w.createUnknown(workflowBody(tasks)))
    return yield* Effect.flatMap(WorkflowExecutions, (e) =>
      e.create({
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: workflow.metadata.id, triggerMetadata }
      }))
  })

export const awaitState = (id: string, predicate: (e: WorkflowExecution.WorkflowExecution) => boolean) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const found = yield* Stream.runHead(Stream.filter(yield* executions.watch(id), (event) => predicate(event.execution)))
    return Option.getOrThrow(found).execution
  })

export const ended = (e: WorkflowExecution.WorkflowExecution) => WorkflowExecution.isTerminal(e.status.phase)

/** The state of task `taskId` in the execution's status. */
export const taskStatus = (e: WorkflowExecution.WorkflowExecution, taskId: string) =>
  e.status.tasks?.find((x) => x.taskId === taskId)?.status

/** Waits until task `taskId` is IN_PROGRESS (a task that waits is always seen so first). */
export const awaitRunning = (id: string, taskId: string) =>
  awaitState(id, (e) => taskStatus(e, taskId) === "WORKFLOW_TASK_IN_PROGRESS")
