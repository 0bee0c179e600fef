/**
 * The engine: runs executions durably, in-process.
 *
 * Each run is one `@effect/workflow` workflow (`internal/durableWorkflow.ts`) on
 * `@effect/cluster`'s workflow engine over a single runner whose journal lives in SQL
 * tables of the same database. A run's first activity pins its plan; the interpreter
 * then runs it with effectful tasks as activities and timers on the durable clock, and
 * reports through `WorkflowExecutions.updateStatus`. A crash loses nothing a run
 * finished: at the next start the cluster replays runs from their journals, and the
 * engine starts again every PENDING or IN_PROGRESS execution (a start is idempotent by
 * execution id). Once a run has ended, its journal is deleted.
 *
 * Compose it with `EngineRunner.layer` as the `ExecutionRunner` of `WorkflowExecutions`, as
 * `Weft` does:
 *
 *     Weft.layerWithEngine(Interpreter.run).pipe(   // the services over EngineRunner.layer, and this
 *       Layer.provide(Interpreter.layerServices), Layer.provide(EngineConfig.layer()),
 *       Layer.provide(SecretBoxLive), Layer.provide(SqlLive))
 */
import { Sharding } from "@effect/cluster"
import { SqlClient } from "@effect/sql"
import { WorkflowEngine } from "@effect/workflow"
import { Environments } from "@weft/environment"
import { SecretBox } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { WorkflowInstances } from "@weft/workflowinstance"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Context, Deferred, Effect, Layer, Queue, type Scope } from "effect"
import { EngineConfig } from "./EngineConfig.js"
import { type RunCommand, RunCommands } from "./EngineRunner.js"
import * as Children from "./internal/durableChildren.js"
import * as Journal from "./internal/durableJournal.js"
import * as WakeTimer from "./internal/wakeTimer.js"
import * as Waits from "./internal/durableWaits.js"
import { body, type Interpret, RunWorkflow } from "./internal/durableWorkflow.js"
import * as Cluster from "./internal/runtimeCluster.js"

export interface EngineShape {
  /** Starts the run of an execution; starting a run that exists already does nothing. */
  readonly start: (executionId: string) => Effect.Effect<void>
  /** Stops the run of an execution (its CANCELLED status is written by the caller). */
  readonly cancel: (executionId: string) => Effect.Effect<void>
  /** Starts every PENDING or IN_PROGRESS execution's run; answers how many. Done once at start. */
  readonly resumeAll: Effect.Effect<number>
  /** How many runs are executing in this process now (a run waiting on a timer or a signal is not). */
  readonly activeRuns: Effect.Effect<number>
}

/** What the engine runs a plan with: `Interpreter.run`, or a test's own. */
export type { Interpret } from "./internal/durableWorkflow.js"

export class Engine extends Context.Tag("@weft/engine/Engine")<Engine, EngineShape>() {}

const resumablePhases = ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS"] as const

const make = <R>(interpret: Interpret<R>) =>
  Effect.gen(function*() {
    const config = yield* EngineConfig
    const executions = yield* WorkflowExecutions
    const workflows = yield* Workflows
    const instances = yield* WorkflowInstances
    const environments = yield* Environments
    const box = yield* SecretBox.SecretBox
    const sharding = yield* Sharding.Sharding
    const workflowEngine = yield* WorkflowEngine.WorkflowEngine
    const commands = yield* RunCommands
    const scope = yield* Effect.scope
    const sql = yield* SqlClient.SqlClient
    const withEngine = Effect.provideService(WorkflowEngine.WorkflowEngine, workflowEngine)

    const wakeTimer = yield* WakeTimer.make(sharding.pollStorage, scope)
    const collector = yield* withEngine(Journal.makeCollector)
    const active = new Map<string, Deferred.Deferred<void>>()

    yield* withEngine(workflowEngine.register(
      RunWorkflow,
      body({
        sql,
        executions,
        workflows,
        instances,
        environments,
        box,
        wakeIn: wakeTimer.wakeIn,
        maxSteps: config.maxTaskSteps,
        active,
        finished: (id) => withEngine(collector.finished(id))
      }, interpret)
    ))

    const start = (executionId: string) =>
      withEngine(RunWorkflow.execute({ executionId }, { discard: true })).pipe(
        Effect.asVoid,
        Effect.withSpan("Engine.start", { attributes: { executionId }, captureStackTrace: false })
      )

    const cancel = (executionId: string) =>
      Effect.gen(function*() {
        // A run active in this process stops at once; a suspended one (a WAIT) is
        // interrupted by the workflow engine when it wakes it to take the signal.
        const running = active.get(executionId)
        if (running !== undefined) yield* Deferred.succeed(running, undefined)
        const engineId = yield* RunWorkflow.executionId({ executionId })
        yield* withEngine(RunWorkflow.interrupt(engineId))
        yield* withEngine(collector.finished(executionId))
        yield* Children.cancelAll(executions, executionId)
      }).pipe(Effect.withSpan("Engine.cancel", { attributes: { executionId }, captureStackTrace: false }))

    /** Wakes the runs waiting for a change of `subject` (a signal to it, its end). */
    const wake = (subject: string) =>
      Effect.flatMap(Waits.on(subject), (waits) => Waits.wake(waits, RunWorkflow, scope)).pipe(
        withEngine,
        Effect.provideService(SqlClient.SqlClient, sql),
        Effect.withSpan("Engine.wake", { attributes: { subject }, captureStackTrace: false })
      )

    /**
     * Starts a run, unless it is a child whose parent has ended: one that ended while no
     * engine ran, or was cancelled while its RUN was creating this child (the parent's
     * cancel lists its children before this one was committed). Such a child is cancelled.
     */
    const startChecked = (executionId: string, parentId: string | undefined) =>
      Effect.flatMap(
        Children.isOrphan(executions, parentId),
        (orphan) => orphan ? Children.cancel(executions, executionId) : start(executionId)
      )

    const resumeAll = Effect.gen(function*() {
      let count = 0
      let pageToken: string | undefined
      do {
        const page = yield* executions.list({ pageSize: 1000, pageToken, phase: resumablePhases })
        const resume = (execution: (typeof page.entries)[number]) =>
          startChecked(execution.metadata.id, Children.parentOf(execution))
        yield* Effect.forEach(page.entries, resume, { concurrency: 16, discard: true })
        count += page.entries.length
        pageToken = page.nextPageToken
      } while (pageToken !== undefined)
      yield* withEngine(Journal.sweep(collector.collect))
      // A wake-up lost in a crash (after the change that ends a wait, before the
      // wake-up) is made good here: every waiting run looks again.
      yield* withEngine(Effect.flatMap(Waits.all, (waits) => Waits.wake(waits, RunWorkflow, scope)))
      return count
    }).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.orDie, Effect.withSpan("Engine.resumeAll", { captureStackTrace: false }))

    const run = (command: RunCommand) => {
      switch (command._tag) {
        case "Start":
          return startChecked(command.executionId, command.parentId)
        case "Cancel":
          return cancel(command.executionId)
        case "Signal":
        case "ChildEnded":
          return wake(command.executionId)
      }
    }

    const dispatch = (command: RunCommand) =>
      run(command).pipe(
        Effect.catchAllCause((cause) => Effect.logError(`engine: ${command._tag} ${command.executionId} failed`, cause))
      )

    // A child run's end (on any replica) wakes the RUN waiting for it. A wake-up lost in a
    // crash is made good by `resumeAll`, which wakes every wait.
    const stopFeed = yield* executions.feed({}, undefined, (item) => {
      if (item._tag === "Change" && Children.endsAWait(item.event)) {
        Queue.unsafeOffer(commands, { _tag: "ChildEnded", executionId: item.event.execution.metadata.id })
      }
    })
    yield* Effect.addFinalizer(() => Effect.sync(stopFeed))

    yield* Queue.takeBetween(commands, 1, 256).pipe(
      Effect.flatMap((batch) => Effect.forEach(batch, dispatch, { concurrency: 16, discard: true })),
      Effect.forever,
      Effect.forkIn(scope)
    )

    return Engine.of({ start, cancel, resumeAll, activeRuns: Effect.sync(() => active.size) })
  })

/**
 * On PostgreSQL: how many runners (database sessions) hold shard locks and how many of
 * the 32 shards are held; for operators and tests that wait for replicas to settle.
 */
export const shardHolders: Effect.Effect<{ readonly runners: number; readonly shards: number }, never, SqlClient.SqlClient> =
  Cluster.shardHolders

/** Shards runs are dealt over (each held by one runner at a time). */
export const shards = Cluster.shardsPerGroup

/**
 * The engine over `interpret`, resuming unfinished runs once it is up. Needs the
 * services (`WorkflowExecutions`, `Workflows`, `WorkflowInstances`, `Environments`), the
 * `SecretBox` that seals pinned environments, `EngineRunner`'s command queue, the
 * `EngineConfig` and the SqlClient its journal shares with them.
 */
export const layer = <R>(interpret: Interpret<R>): Layer.Layer<
  Engine,
  never,
  | EngineConfig
  | WorkflowExecutions
  | Workflows
  | WorkflowInstances
  | Environments
  | SecretBox.SecretBox
  | RunCommands
  | SqlClient.SqlClient
  | Exclude<R, Scope.Scope>
> =>
  Layer.scoped(
    Engine,
    Effect.tap(make(interpret), (engine) => Effect.forkScoped(engine.resumeAll))
  ).pipe(
    Layer.provide(
      Layer.unwrapEffect(Effect.map(EngineConfig, (config) => Cluster.sharding({ pollInterval: config.pollInterval, runnerAddress: config.runnerAddress })))
    )
  )
