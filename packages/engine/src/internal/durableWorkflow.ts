/**
 * The one durable workflow every run is: `@effect/workflow`'s `Workflow` whose payload
 * is the execution id (also its idempotency key: starting a run twice starts it once),
 * and whose body pins the plan in an activity, then interprets it with
 *
 * - `activity(key, effect)` → an `Activity` named by the key: run at most once to
 *   completion, its result (or error) journaled and read back on replay;
 * - `sleep(key, millis)` → `DurableClock.sleep`: a timer stored with the run, which a
 *   restart neither shortens nor restarts;
 * - `listen` and `awaitChild` → a `DurableDeferred` the run suspends on, with its wait
 *   recorded in `engine_waits` (see `durableWaits`), and `startChild` → an idempotent
 *   start of a child execution (see `durableChildren`).
 *
 * Pure tasks go through neither, so they are recomputed on replay, not journaled.
 */
import { SqlClient } from "@effect/sql"
import { Activity, DurableClock, DurableDeferred, Workflow, WorkflowEngine } from "@effect/workflow"
import { ExecutionSignals, WorkflowExecution } from "@weft/workflowexecution"
import { Cause, Deferred, Duration, Effect, Either, Fiber, Option, Schema } from "effect"
import type { ListenRequest, RunOutcome, RunPlan, Signal, StatusReporter, TaskEffects } from "../Interpreter.js"
import * as TaskErrors from "../TaskError.js"
import { TaskError } from "../TaskError.js"
import * as Children from "./durableChildren.js"
import * as JournalSecrets from "./journalSecrets.js"
import * as Pin from "./durablePin.js"
import * as Reporter from "./durableReporter.js"
import * as Waits from "./durableWaits.js"

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

export interface RunDependencies extends Pin.PinServices {
  readonly sql: SqlClient.SqlClient
  readonly maxSteps: number
  /** Wakes the runner's storage poll after this long (a timer's time): one timer for all runs. */
  readonly wakeIn: (millis: number) => Effect.Effect<void>
  /** Runs active in this process, by execution id: completing one stops that run. */
  readonly active: Map<string, Deferred.Deferred<void>>
  /** Called when a run's body has finished (its journal can go once its result is stored). */
  readonly finished: (executionId: string) => Effect.Effect<void>
}

type InRun<A, E = never> = Effect.Effect<A, E, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance>

/**
 * `TaskEffects` over the workflow engine, for the run `instance` of the execution
 * `executionId`; `journal` keeps the run's secret values out of what activities journal.
 */
export const taskEffects = (
  deps: Pick<RunDependencies, "wakeIn" | "sql" | "executions" | "workflows">,
  engine: WorkflowEngine.WorkflowEngine["Type"],
  instance: WorkflowEngine.WorkflowInstance["Type"],
  executionId: string,
  journal: JournalSecrets.JournalSecrets
): TaskEffects => {
  const inRun = <A, E>(effect: InRun<A, E>) =>
    effect.pipe(
      Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
      Effect.provideService(WorkflowEngine.WorkflowInstance, instance)
    )
  const sleep = (key: string, millis: number): InRun<void> =>
    millis <= 0 ? Effect.void : Effect.zipRight(
      // The runner reads due timers on its poll; this wakes it at the timer's time.
      deps.wakeIn(millis),
      DurableClock.sleep({ name: key, duration: Duration.millis(millis), inMemoryThreshold: Duration.zero })
    )
  return {
    activity: <A>(key: string, run: Effect.Effect<A, TaskError>) =>
      journal.open<A>(
        inRun(Activity.make({ name: key, success: Schema.Unknown, error: TaskError, execute: journal.seal(run) }))
      ),
    sleep: (key, millis) => inRun(sleep(key, millis)),
    listen: (key, request) => {
      const waiting = awaitSignals({ sql: deps.sql, runId: instance.executionId, executionId, key, request })
      if (request.timeoutMillis === undefined) return inRun(waiting)
      const timeout = Effect.zipRight(
        sleep(`${key}/timeout`, request.timeoutMillis),
        Effect.fail(TaskErrors.make("timeout", `no signal ${describe(request)} within ${request.timeoutMillis / 1000}s`))
      )
      // The race's winner is journaled: a replay ends the LISTEN the same way.
      return inRun(DurableDeferred.raceAll({
        name: key,
        success: Schema.Array(Schema.Struct({ id: Schema.String, data: Schema.Unknown })),
        error: TaskError,
        effects: [waiting, timeout]
      }))
    },
    startChild: (key, request) => inRun(Children.start(deps, executionId, key, request)),
    awaitChild: (key, childId) => inRun(Children.awaitEnd(deps, { runId: instance.executionId, key, childId }))
  }
}

const describe = (request: ListenRequest) =>
  request.mode === "all"
    ? `for each of ${request.ids.map((id) => JSON.stringify(id)).join(", ")}`
    : request.ids.map((id) => JSON.stringify(id)).join(" or ")

/**
 * A LISTEN's wait: the activity `<key>/take/<n>` takes the signals it waits for, or,
 * finding none, registers the wait on the deferred `<key>/signal/<n>` (in the same
 * transaction); the run then suspends on that deferred until a signal's wake-up
 * completes it, and looks again with `n + 1`. Each take is journaled, so a replay
 * answers the same signals and the same waits.
 */
const awaitSignals = (options: {
  readonly sql: SqlClient.SqlClient
  readonly runId: string
  readonly executionId: string
  readonly key: string
  readonly request: ListenRequest
}): InRun<ReadonlyArray<Signal>> =>
  Waits.awaitChange({
    sql: options.sql,
    runId: options.runId,
    key: options.key,
    subject: options.executionId,
    names: { look: "take", wait: "signal" },
    look: (n) =>
      ExecutionSignals.take(options.executionId, {
        taker: `${options.key}/take/${n}`,
        ids: options.request.ids,
        mode: options.request.mode
      })
  })

/** The body of the run workflow: pin, then interpret until the end, a cancel, or the execution ending under it. */
export const body = <R>(deps: RunDependencies, interpret: Interpret<R>) => ({ executionId: id }: { readonly executionId: string }) =>
  Effect.gen(function*() {
    const pinned = (yield* Activity.make({
      name: pinKey,
      success: Schema.Unknown,
      execute: Pin.pin({ ...deps, id })
    })) as Pin.Pinned
    if (pinned._tag === "Ended") return
    const plan = pinned._tag === "Plan" ? Pin.open(pinned, deps.box) : Either.left(pinned.error)
    if (Either.isLeft(plan)) {
      yield* Effect.ignore(deps.executions.updateStatus(id, { phase: "EXECUTION_FAILED", error: plan.left }))
      return
    }
    // Where the stored status stands now (after a restart, the run reports again what
    // it reported before; the reporter writes only changes).
    const current = yield* Effect.option(deps.executions.get(id))
    if (Option.isNone(current) || WorkflowExecution.isTerminal(current.value.status.phase)) return
    const durable = taskEffects(
      deps,
      yield* WorkflowEngine.WorkflowEngine,
      yield* WorkflowEngine.WorkflowInstance,
      id,
      JournalSecrets.make(deps.box, plan.right.secrets)
    )
    // Whether this run started children (replayed starts too): those still running when it ends are cancelled.
    let startedChildren = false
    const effects: TaskEffects = {
      ...durable,
      startChild: (key, request) => Effect.tap(durable.startChild(key, request), () => Effect.sync(() => startedChildren = true))
    }
    const stop = yield* Deferred.make<void>()
    deps.active.set(id, stop)
    yield* Effect.scoped(Effect.gen(function*() {
      const reporter = yield* Reporter.make({
        executions: deps.executions,
        id,
        initial: current.value,
        secrets: plan.right.secrets
      })
      // The interpreter runs in a child fiber. When it suspends (a WAIT), it interrupts
      // itself and joining it passes the interruption on, which is how the workflow
      // engine sees a suspension. A stop (a cancel, or the execution ended under the
      // run) interrupts it from here and ends the run normally.
      const fiber = yield* Effect.fork(Effect.zipRight(interpret(plan.right, effects, reporter), reporter.flush))
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
    if (startedChildren) yield* Children.cancelAll(deps.executions, id)
  }).pipe(
    Effect.zipRight(deps.finished(id)),
    Effect.withSpan("Engine.run", { attributes: { executionId: id }, captureStackTrace: false })
  )
