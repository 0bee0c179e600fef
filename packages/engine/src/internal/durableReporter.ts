/**
 * The run's `StatusReporter`: status patches written through
 * `WorkflowExecutions.updateStatus`, like any runner's, so that every change is a
 * committed version that watchers see.
 *
 * Every write is an fsync'd transaction, so reports are coalesced: patches are merged
 * into one pending patch, written as soon as the previous write has finished; a durable
 * report waits until a write that contains it has committed. A replay (after a restart,
 * or when a run wakes from a WAIT) reports its run again from the start: a patch that
 * would change nothing in the stored status, or that is behind it, is not written, and
 * the times already stored for a task are kept. Secret values are replaced by `[secret]` before anything is
 * written.
 *
 * When the status path refuses a write because the execution has ended (a cancel, or
 * another runner's final report: FAILED_PRECONDITION) or is gone (NOT_FOUND), the
 * reporter stops writing and opens `stopped`: the run has nothing left to do. A write
 * that failed for a passing reason (the database failed the statement or was away: a
 * defect of the status path; or ABORTED, a version race lost too often) is tried again,
 * backing off up to every 5 s, for as long as the run lasts: the run waits for its
 * durable reports meanwhile, and ending it instead would leave its status behind its
 * journal. Any other refusal (a patch the status path rejects) stops the reporter.
 */
import { SqlError } from "@effect/sql"
import type { WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"

type StatusUpdate = WorkflowExecution.StatusUpdate
import { Cause, Clock, Deferred, Duration, Effect, Exit, FiberId, Option, Schedule, type Scope } from "effect"
import type { StatusPatch, StatusReporter } from "../Interpreter.js"
import { redactor } from "./data.js"

type Execution = WorkflowExecution.WorkflowExecution

export interface RunReporter extends StatusReporter {
  /** Opens when the execution ended or vanished under the run. */
  readonly stopped: Deferred.Deferred<void>
  /** Waits until everything reported so far is written (or the reporter stopped). */
  readonly flush: Effect.Effect<void>
}

const statusKeys = ["phase", "tasks", "output", "error"] as const

/** Whether writing `patch` over `status` would change nothing. */
export const isNoop = (status: Execution["status"], patch: StatusPatch): boolean =>
  statusKeys.every((key) => patch[key] === undefined || jsonEqual(patch[key], status[key]))

type TaskEntry = WorkflowExecution.TaskEntry

/**
 * The patch's task entries with the times already stored for the same run of the same
 * task. A replay after a restart runs the pure part of a run again and stamps the tasks
 * it reports again with the current time: the times of record are the first ones.
 */
export const keepRecordedTimes = (
  stored: ReadonlyArray<TaskEntry> | undefined,
  tasks: ReadonlyArray<TaskEntry>
): ReadonlyArray<TaskEntry> => {
  if (stored === undefined || stored.length === 0) return tasks
  const byId = new Map(stored.map((entry) => [entry.taskId, entry]))
  return tasks.map((entry) => {
    const before = byId.get(entry.taskId)
    if (before === undefined || before.metadata?.runs !== entry.metadata?.runs) return entry
    const startedAt = before.startedAt ?? entry.startedAt
    const completedAt = before.status === entry.status ? before.completedAt ?? entry.completedAt : entry.completedAt
    return startedAt === entry.startedAt && completedAt === entry.completedAt
      ? entry
      : { ...entry, startedAt, completedAt }
  })
}

const rank = (status: TaskEntry["status"]): number =>
  status === undefined || status === "WORKFLOW_TASK_PENDING" ? 0 : status === "WORKFLOW_TASK_IN_PROGRESS" ? 1 : 2
const runsOf = (entry: TaskEntry): number => Number(entry.metadata?.runs ?? "1")

/**
 * Whether the patch's tasks are behind the stored ones: a replay after a restart or a
 * wake-up reports again, from the start, states the stored status has passed. Writing
 * them would show watchers a run going backwards. A task's progress only moves forward
 * (PENDING → IN_PROGRESS → an end) for one run of it, and its runs only grow.
 */
export const isBehind = (stored: ReadonlyArray<TaskEntry> | undefined, tasks: ReadonlyArray<TaskEntry> | undefined) => {
  if (stored === undefined || stored.length === 0 || tasks === undefined) return false
  const byId = new Map(tasks.map((entry) => [entry.taskId, entry]))
  return stored.some((before) => {
    const now = byId.get(before.taskId)
    if (now === undefined) return true
    const runs = runsOf(now) - runsOf(before)
    return runs < 0 || (runs === 0 && rank(now.status) < rank(before.status))
  })
}

/** Equality of JSON values, whatever the order of object keys (the stored form may differ). */
const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined)
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined)
  return ka.length === kb.length &&
    ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

export const make = (options: {
  readonly executions: WorkflowExecutions
  readonly id: string
  /** The stored execution when the run (re)started; patches equal to it are not written. */
  readonly initial: Execution
  readonly secrets: ReadonlyArray<string>
}): Effect.Effect<RunReporter, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { executions, id } = options
    // Also inside object keys: the same redaction the interpreter applies to task entries.
    const redact = redactor(options.secrets)
    const scope = yield* Effect.scope
    const stopped = yield* Deferred.make<void>()
    let known = options.initial.status
    let pending: StatusPatch | undefined
    /** Reports merged so far, and how many of them are committed. */
    let reported = 0
    let committed = 0
    let writing = false
    let isStopped = false
    let startedAt: string | undefined
    const waiters = new Set<{ readonly upTo: number; readonly done: Deferred.Deferred<void> }>()

    const settle = () => {
      for (const waiter of waiters) {
        if (waiter.upTo <= committed) {
          waiters.delete(waiter)
          Deferred.unsafeDone(waiter.done, Exit.void)
        }
      }
    }

    const stop = Effect.suspend(() => {
      isStopped = true
      writing = false
      pending = undefined
      committed = reported
      settle()
      return Deferred.succeed(stopped, undefined)
    })

    /** Writes the pending patch, then the next one, until none is left. */
    const drain: Effect.Effect<void> = Effect.suspend(() => {
      const patch = pending
      if (patch === undefined || isStopped) {
        writing = false
        return Effect.void
      }
      const upTo = reported
      pending = undefined
      const merged = patch.tasks === undefined ? patch : { ...patch, tasks: keepRecordedTimes(known.tasks, patch.tasks) }
      const update: StatusUpdate = known.startedAt === undefined && startedAt !== undefined
        ? { ...merged, startedAt }
        : merged
      const written = isNoop(known, merged) || isBehind(known.tasks, merged.tasks)
        ? Effect.void
        : Effect.map(executions.updateStatus(id, update), (execution) => {
          known = execution.status
        })
      return written.pipe(
        retryPassing,
        Effect.matchCauseEffect({
          onSuccess: () =>
            Effect.suspend(() => {
              committed = upTo
              settle()
              return drain
            }),
          onFailure: (cause) => {
            const failure = Cause.failureOption(cause)
            const ended = Option.isSome(failure) &&
              (failure.value._tag === "FailedPrecondition" || failure.value._tag === "NotFound")
            // Ended or deleted under the run: nothing to report any more. Anything else was
            // refused for good, and a run that cannot report cannot go on either.
            return ended ? stop : Effect.zipRight(Effect.logError("status report failed", cause), stop)
          }
        })
      )
    })

    const report: StatusReporter["report"] = (patch, { durable }) =>
      Effect.gen(function*() {
        if (isStopped) return
        // The run's start time, kept for when its IN_PROGRESS state is coalesced away.
        if (startedAt === undefined && patch.phase === "EXECUTION_IN_PROGRESS") {
          startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
        }
        const clean = redact(patch)
        pending = pending === undefined ? definedOnly(clean) : { ...pending, ...definedOnly(clean) }
        const upTo = ++reported
        if (!writing) {
          writing = true
          // Let the run go on until it waits before the first write: what it reports
          // meanwhile is merged into that write.
          yield* Effect.forkIn(Effect.zipRight(settleRun, drain), scope)
        }
        if (durable) yield* awaitCommitted(upTo)
      })

    const awaitCommitted = (upTo: number) =>
      Effect.suspend(() => {
        if (committed >= upTo) return Effect.void
        const done = Deferred.unsafeMake<void>(FiberId.none)
        waiters.add({ upTo, done })
        return Deferred.await(done)
      })

    const flush = Effect.suspend(() => awaitCommitted(reported))

    return { report, stopped, flush }
  })

/** Waits between attempts at a write that failed for a passing reason: 100 ms, doubling, at most 5 s. */
const retrySchedule = Schedule.exponential(Duration.millis(100)).pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(5)))
)

/**
 * Whether a failed write may succeed when tried again: ABORTED (a concurrent write), or the
 * database failing (a `SqlError` the store turned into a defect: a lost connection, a
 * statement cancelled). Any other defect is a bug that trying again would only repeat.
 */
const isPassing = <E extends { readonly _tag: string }>(cause: Cause.Cause<E>): boolean => {
  if (Cause.isInterruptedOnly(cause)) return false
  const failure = Cause.failureOption(cause)
  return Option.isSome(failure)
    ? failure.value._tag === "Aborted"
    : Option.exists(Cause.dieOption(cause), (defect) => defect instanceof SqlError.SqlError)
}

/** `write`, tried again while it fails for a passing reason (each such failure logged). */
const retryPassing = <A, E extends { readonly _tag: string }>(write: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Effect.sandbox(write).pipe(
    Effect.tapError((cause) =>
      isPassing(cause) ? Effect.logWarning("status report failed; trying again", cause) : Effect.void
    ),
    Effect.retry({ while: isPassing, schedule: retrySchedule }),
    Effect.unsandbox
  )

/** A few turns of the scheduler: enough for a run of pure tasks to reach its next report or its end. */
const settleRun = Effect.zipRight(Effect.yieldNow(), Effect.zipRight(Effect.yieldNow(), Effect.yieldNow()))

const definedOnly = (patch: StatusPatch): StatusPatch => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) out[key] = value
  return out as StatusPatch
}
