/**
 * The one durable workflow every run is: `@effect/workflow`'s `Workflow` whose payload
 * is the execution id (also its idempotency key: starting a run twice starts it once),
 * and whose body pins the plan in an activity, then interprets it with
 *
 * - `activity(key, effect)` → an `Activity` named by the key: run at most once to
 *   completion, its result (or error) journaled and read back on replay;
 * - `sleep(key, millis)` → `DurableClock.sleep`: a timer stored with the run, which a
 *   restart neither shortens nor restarts.
 *
 * Pure tasks go through neither, so they are recomputed on replay, not journaled.
 */
import type { Sharding } from "@effect/cluster"
import { Activity, DurableClock, Workflow, WorkflowEngine } from "@effect/workflow"
import type { Workflows } from "@weft/workflow"
import { WorkflowExecution, type WorkflowExecutions } from "@weft/workflowexecution"
import { Cause, Deferred, Duration, Effect, Fiber, Option, Schema, type Scope } from "effect"
import type { RunOutcome, RunPlan, StatusReporter, TaskEffects } from "../Interpreter.js"
import { TaskError } from "../TaskError.js"
import * as Pin from "./durablePin.js"
import * as Reporter from "./durableReporter.js"

/** The workflow of every run; the cluster stores its messages under entity type `Workflow/weft-run`. */
export const RunWorkflow = Workflow.make({
  name: "weft-run",
  payload: { executionId: Schema.String },
  idempotencyKey: ({ executionId }) => executionId
})

export const entityType = `Workflow/${RunWorkflow.name}`

/** The key of the pin activity; task keys are task paths, which never start with `~`. */
export const pinKey = "~pin"

/** The interpreter the runtime drives (`Interpreter.run`). */
export type Interpret<R> = (
  plan: RunPlan,
  effects: TaskEffects,
  reporter: StatusReporter
) => Effect.Effect<RunOutcome, never, R>

export interface RunDependencies {
  readonly executions: WorkflowExecutions
  readonly workflows: Workflows
  readonly sharding: Sharding.Sharding["Type"]
  readonly maxSteps: number
  /** Where wake-up timers live: the engine's lifetime. */
  readonly scope: Scope.Scope
  /** Runs active in this process, by execution id: completing one stops that run. */
  readonly active: Map<string, Deferred.Deferred<void>>
  /** Called when a run's body has finished (its journal can go once its result is stored). */
  readonly finished: (executionId: string) => Effect.Effect<void>
}

/** `TaskEffects` over the workflow engine, for the run `instance`. */
export const taskEffects = (
  deps: Pick<RunDependencies, "sharding" | "scope">,
  engine: WorkflowEngine.WorkflowEngine["Type"],
  instance: WorkflowEngine.WorkflowInstance["Type"]
): TaskEffects => {
  const inRun = <A, E>(effect: Effect.Effect<A, E, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>) =>
    effect.pipe(
      Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
      Effect.provideService(WorkflowEngine.WorkflowInstance, instance)
    )
  return {
    activity: <A>(key: string, run: Effect.Effect<A, TaskError>) =>
      inRun(Activity.make({ name: key, success: Schema.Unknown, error: TaskError, execute: run })) as Effect.Effect<
        A,
        TaskError
      >,
    sleep: (key, millis) =>
      millis <= 0 ? Effect.void : Effect.zipRight(
        // The runner reads due timers on its poll; this wakes it at the timer's time.
        Effect.forkIn(Effect.zipRight(Effect.sleep(Duration.millis(millis)), deps.sharding.pollStorage), deps.scope),
        inRun(DurableClock.sleep({ name: key, duration: Duration.millis(millis), inMemoryThreshold: Duration.zero }))
      )
  }
}

/** The body of the run workflow: pin, then interpret until the end, a cancel, or the execution ending under it. */
export const body = <R>(deps: RunDependencies, interpret: Interpret<R>) => ({ executionId: id }: { readonly executionId: string }) =>
  Effect.gen(function*() {
    const pinned = (yield* Activity.make({
      name: pinKey,
      success: Schema.Unknown,
      execute: Pin.pin({ executions: deps.executions, workflows: deps.workflows, id, maxSteps: deps.maxSteps })
    })) as Pin.Pinned
    if (pinned._tag === "Ended") return
    if (pinned._tag === "Unrunnable") {
      yield* Effect.ignore(deps.executions.updateStatus(id, { phase: "EXECUTION_FAILED", error: pinned.error }))
      return
    }
    // Where the stored status stands now (after a restart, the run reports again what
    // it reported before; the reporter writes only changes).
    const current = yield* Effect.option(deps.executions.get(id))
    if (Option.isNone(current) || WorkflowExecution.isTerminal(current.value.status.phase)) return
    const effects = taskEffects(deps, yield* WorkflowEngine.WorkflowEngine, yield* WorkflowEngine.WorkflowInstance)
    const stop = yield* Deferred.make<void>()
    deps.active.set(id, stop)
    yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* Reporter.make({
        executions: deps.executions,
        id,
        initial: current.value,
        secrets: pinned.plan.secrets
      })
      // The interpreter runs in a child fiber. When it suspends (a WAIT), it interrupts
      // itself and joining it passes the interruption on, which is how the workflow
      // engine sees a suspension. A stop (a cancel, or the execution ended under the
      // run) interrupts it from here and ends the run normally.
      const fiber = yield* Effect.fork(Effect.zipRight(interpret(pinned.plan, effects, reporter), reporter.flush))
      let stopping = false
      yield* Effect.forkScoped(
        Effect.raceFirst(Deferred.await(reporter.stopped), Deferred.await(stop)).pipe(
          Effect.zipRight(Effect.suspend(() => {
            stopping = true
            return Fiber.interrupt(fiber)
          }))
        )
      )
      yield* Fiber.join(fiber).pipe(
        Effect.catchAllCause((cause) =>
          stopping && Cause.isInterruptedOnly(cause) ? Effect.void : Effect.failCause(cause)
        )
      )
    })).pipe(Effect.ensuring(Effect.sync(() => deps.active.delete(id))))
  }).pipe(
    Effect.zipRight(deps.finished(id)),
    Effect.withSpan("Engine.run", { attributes: { executionId: id }, captureStackTrace: false })
  )
