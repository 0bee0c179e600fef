/**
 * Retention: the server's background sweep. With a retention period, executions that
 * ended (COMPLETED, FAILED or CANCELLED, by their completion time) longer ago than that
 * are deleted; running ones never are. Idempotency keys past their 24 h are swept too,
 * with or without a period, and the kept counts of executions by phase are folded
 * (`PhaseCounts.fold`).
 *
 * The sweep is one fiber, scoped to the layer, repeated on a `Schedule`. It deletes in
 * small batches, each its own short transaction (`WorkflowExecutions.deleteEnded`), with
 * a pause three times as long as the batch after each, so a request waiting for the
 * database waits for one short batch at most, never for a whole sweep.
 */
import type { SqlClient } from "@effect/sql"
import { Metadata, Transaction } from "@weft/resource"
import { Clock, Duration, Effect, Layer, Option, Schedule } from "effect"
import { keyLifetime } from "./internal/idempotency.js"
import * as PhaseCounts from "./PhaseCounts.js"
import { WorkflowExecutions } from "./WorkflowExecutions.js"

export interface Settings {
  /** How long ended executions are kept; `undefined` keeps them forever. */
  readonly retention?: Duration.Duration | undefined
  /** How often the sweep runs (the first time when the layer is built). */
  readonly every: Duration.Duration
  /** The most executions, or keys, one transaction deletes. */
  readonly batchSize: number
}

export const defaults: Settings = {
  retention: undefined,
  every: Duration.minutes(1),
  batchSize: 25
}

const units = { d: "days", h: "hours", m: "minutes", s: "seconds" } as const

/** A retention period as `WEFT_RETENTION` spells it: a positive whole number of `d`, `h`, `m` or `s` (`30d`, `12h`, `90m`). */
export const parse = (text: string): Option.Option<Duration.Duration> => {
  const match = /^([0-9]{1,9})([dhms])$/.exec(text.trim())
  if (match === null || Number(match[1]) === 0) return Option.none()
  return Option.some(Duration.decode(`${Number(match[1])} ${units[match[2] as keyof typeof units]}`))
}

/** What a sweep deleted. */
export interface Swept {
  readonly executions: number
  readonly keys: number
}

/** After a batch the sweep pauses this many times as long as the batch took. */
const pauseFactor = 3

/**
 * Runs `batch` until one deletes fewer than `size`; answers the total. After each batch it
 * pauses three times as long as the batch took: the sweep holds the database at most a
 * quarter of the time, and requests get it in between (reads too, which do not queue
 * with the writers).
 */
const drain = (batch: Effect.Effect<number>, size: number) =>
  Effect.iterate({ total: 0, last: size }, {
    while: (state) => state.last >= size,
    body: (state) =>
      Effect.timed(batch).pipe(
        Effect.tap(([took]) => Effect.sleep(Duration.times(took, pauseFactor))),
        Effect.map(([, n]) => ({ total: state.total + n, last: n }))
      )
  }).pipe(Effect.map((state) => state.total))

/**
 * One sweep, now: every expired execution (with a retention period) and every expired
 * key, batch by batch; then the phase counts are folded.
 */
export const sweep = (settings: Settings): Effect.Effect<Swept, never, WorkflowExecutions | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const now = yield* Clock.currentTimeMillis
    const cutoff = (age: Duration.Duration) => Metadata.timestamp(now - Duration.toMillis(age))
    const deleted = settings.retention === undefined ? 0 : yield* drain(
      Effect.map(executions.deleteEnded(cutoff(settings.retention), settings.batchSize), (batch) => batch.length),
      settings.batchSize
    )
    const keys = yield* drain(executions.sweepKeys(cutoff(keyLifetime), settings.batchSize), settings.batchSize)
    yield* Transaction.run(PhaseCounts.fold)
    if (deleted > 0 || keys > 0) {
      yield* Effect.logInfo("retention: swept").pipe(Effect.annotateLogs({ executions: deleted, idempotencyKeys: keys }))
    }
    return { executions: deleted, keys }
  }).pipe(Effect.withSpan("ExecutionRetention.sweep", { captureStackTrace: false }))

/**
 * The sweep in the background, from when the layer is built until it is released: at
 * once, then `every` after each sweep ends. A sweep that fails (the database is away) is
 * logged and tried again at the next turn.
 */
export const layer = (settings: Settings): Layer.Layer<never, never, WorkflowExecutions | SqlClient.SqlClient> =>
  Layer.scopedDiscard(
    sweep(settings).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("retention: sweep failed", cause)),
      Effect.repeat(Schedule.spaced(settings.every)),
      Effect.forkScoped
    )
  )
