/**
 * Runs that wait for the outside world: a LISTEN for a signal, a RUN for its child to
 * end. A waiting run is suspended on a `DurableDeferred`; `engine_waits` records which
 * deferred wakes it and which execution's change (`subject`) should: the run's own for
 * a signal, the child's for a RUN.
 *
 * The wait is registered in the same transaction that found nothing to take, and the
 * wake-up reads it after the change that ends the wait has committed, so one of the two
 * always sees the other. A wake-up is only a hint: the woken run looks again (another
 * activity) and waits again when there is still nothing, so waking a run too often is
 * harmless. That makes the crash cases simple: at start every registered wait is woken.
 */
import { SqlClient } from "@effect/sql"
import { Activity, DurableDeferred, WorkflowEngine } from "@effect/workflow"
import { Transaction } from "@weft/resource"
import { ExecutionSignals } from "@weft/workflowexecution"
import { Duration, Effect, Exit, Option, Schema, type Scope } from "effect"

const table = "engine_waits"

export interface Wait {
  /** The waiting run (the workflow engine's execution id). */
  readonly runId: string
  /** The task key that waits: a run waits at most once per key at a time. */
  readonly waiter: string
  /** The name of the durable deferred it is suspended on. */
  readonly deferred: string
  /** The execution whose change wakes it. */
  readonly subject: string
}

interface Row {
  readonly run_id: string
  readonly waiter: string
  readonly deferred: string
  readonly subject: string
}

const fromRow = (row: Row): Wait => ({ runId: row.run_id, waiter: row.waiter, deferred: row.deferred, subject: row.subject })

/** Records (or replaces) the wait of `waiter`; call it in the transaction that found nothing to take. */
export const register = (wait: Wait) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO ${sql(table)} ${
      sql.insert({ run_id: wait.runId, waiter: wait.waiter, deferred: wait.deferred, subject: wait.subject })
    } ON CONFLICT (run_id, waiter) DO UPDATE SET deferred = ${wait.deferred}, subject = ${wait.subject}`).pipe(
      Effect.asVoid,
      Effect.orDie
    )

/** The wait of `waiter` is over. */
export const release = (runId: string, waiter: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`DELETE FROM ${sql(table)} WHERE run_id = ${runId} AND waiter = ${waiter}`).pipe(Effect.asVoid, Effect.orDie)

/** The waits a change of `subject` ends (or may end). */
export const on = (subject: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<Row>`SELECT * FROM ${sql(table)} WHERE subject = ${subject}`).pipe(
    Effect.map((rows) => rows.map(fromRow)),
    Effect.orDie
  )

/** Every registered wait (woken at start). */
export const all = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<Row>`SELECT * FROM ${sql(table)}`).pipe(
  Effect.map((rows) => rows.map(fromRow)),
  Effect.orDie
)

const isRegistered = (wait: Wait) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Row>`SELECT * FROM ${sql(table)} WHERE run_id = ${wait.runId} AND waiter = ${wait.waiter} AND deferred = ${wait.deferred}`)
    .pipe(Effect.map((rows) => rows.length > 0), Effect.orDie)

/** Forgets the waits of ended runs (with their journals). */
export const removeRuns = (runIds: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM ${sql(table)} WHERE ${sql.in("run_id", runIds)}`).pipe(
    Effect.asVoid,
    Effect.orDie
  )

/** How long after a wake-up a run still registered on the same deferred is resumed again. */
const nudgeAfter = Duration.seconds(1)

/**
 * Wakes the waits: completes each one's deferred. A deferred completed while its run
 * is between registering the wait and suspending does not resume it (the run is not
 * suspended yet when the completion arrives), so a run still registered on that
 * deferred a moment later is resumed once more; it then finds the deferred completed.
 */
export const wake = (
  waits: ReadonlyArray<Wait>,
  workflow: { readonly name: string; readonly resume: (executionId: string) => Effect.Effect<void, never, WorkflowEngine.WorkflowEngine> },
  scope: Scope.Scope
) =>
  Effect.forEach(waits, (wait) =>
    Effect.gen(function*() {
      const deferred = DurableDeferred.make(wait.deferred)
      const token = new DurableDeferred.TokenParsed({
        workflowName: workflow.name,
        executionId: wait.runId,
        deferredName: wait.deferred
      }).asToken
      yield* DurableDeferred.done(deferred, { token, exit: Exit.void })
      const engine = yield* WorkflowEngine.WorkflowEngine
      const sql = yield* SqlClient.SqlClient
      yield* Effect.forkIn(
        Effect.whenEffect(workflow.resume(wait.runId), isRegistered(wait)).pipe(
          Effect.delay(nudgeAfter),
          Effect.provideService(WorkflowEngine.WorkflowEngine, engine),
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.catchAllCause((cause) => Effect.logWarning("engine: resuming a woken run failed", cause))
        ),
        scope
      )
    }), { discard: true })

/**
 * Waits until `look` finds what a change of `subject` brings. Attempt `n` is the
 * activity `<key>/<names.look>/<n>`: in one transaction it locks the subject's row (on
 * PostgreSQL), looks, and, finding nothing, registers the wait on the deferred
 * `<key>/<names.wait>/<n>`; a change of the subject commits either before the look (which
 * sees it) or after the registration (whose wake-up completes the deferred). The run
 * suspends on the deferred and tries `n + 1` once woken. Each look is journaled, so a
 * replay answers what it found and waits where it waited.
 */
export const awaitChange = <A>(options: {
  readonly sql: SqlClient.SqlClient
  readonly runId: string
  readonly key: string
  readonly subject: string
  readonly names: { readonly look: string; readonly wait: string }
  readonly look: (n: number) => Effect.Effect<Option.Option<A>, unknown, SqlClient.SqlClient>
}): Effect.Effect<A, never, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance> => {
  const { key, runId, subject } = options
  const attempt = (n: number): Effect.Effect<A, never, WorkflowEngine.WorkflowEngine | WorkflowEngine.WorkflowInstance> =>
    Effect.gen(function*() {
      const deferred = DurableDeferred.make(`${key}/${options.names.wait}/${n}`)
      const look = Transaction.run(Effect.gen(function*() {
        yield* ExecutionSignals.lockExecution(subject)
        const found = yield* options.look(n)
        if (Option.isSome(found)) {
          yield* release(runId, key)
          return found.value
        }
        yield* register({ runId, waiter: key, deferred: deferred.name, subject })
        return null
      })).pipe(Effect.provideService(SqlClient.SqlClient, options.sql), Effect.orDie)
      const found = (yield* Activity.make({ name: `${key}/${options.names.look}/${n}`, success: Schema.Unknown, execute: look })) as
        | A
        | null
      if (found !== null) return found
      yield* DurableDeferred.await(deferred)
      return yield* attempt(n + 1)
    })
  return attempt(1)
}
