/**
 * Keeping the journal small: once a run has ended and its final status is committed,
 * its journal (the cluster's messages and replies for the run and for its timers) is of
 * no use, and it is deleted, so the database grows with the executions, not with their
 * history. Runs are collected and deleted in batches, one transaction per batch; a run
 * is deleted only once the engine has stored its result (deleting before would make the
 * cluster run it again). What a crash leaves behind is swept at the next start.
 */
import { SqlClient } from "@effect/sql"
import { Chunk, Duration, Effect, Queue } from "effect"
import * as Waits from "./durableWaits.js"
import { entityType, RunWorkflow } from "./durableWorkflow.js"

const messages = "cluster_messages"
const replies = "cluster_replies"

/** Deletes the journals of these runs (by the workflow engine's execution ids) in one transaction. */
export const remove = (ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (ids.length === 0) return
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.all([
      sql`DELETE FROM ${sql(replies)} WHERE request_id IN (SELECT id FROM ${sql(messages)} WHERE ${
        sql.in("entity_id", ids)
      })`,
      sql`DELETE FROM ${sql(messages)} WHERE ${sql.in("entity_id", ids)}`,
      Waits.removeRuns(ids)
    ], { discard: true }))
  }).pipe(Effect.orDie, Effect.withSpan("Engine.removeJournals", { captureStackTrace: false }))

/** Whether the engine has stored the run's final result (not a suspension). */
const isComplete = (engineId: string) =>
  Effect.map(RunWorkflow.poll(engineId), (result) => result !== undefined && result._tag === "Complete")

/**
 * The collector: `finished(executionId)` queues a run; a fiber takes what has queued,
 * waits until each one's result is stored, and deletes the ready ones together.
 */
export const makeCollector = Effect.gen(function*() {
  const queue = yield* Queue.unbounded<{ readonly engineId: string; readonly attempts: number }>()
  const scope = yield* Effect.scope

  const collect = (engineId: string) => Queue.offer(queue, { engineId, attempts: 0 })
  /** Queues the run of this execution. */
  const finished = (executionId: string) => Effect.flatMap(RunWorkflow.executionId({ executionId }), collect)

  const loop = Effect.gen(function*() {
    const batch = Chunk.toReadonlyArray(yield* Queue.takeBetween(queue, 1, 500))
    const ready: Array<string> = []
    const later: Array<{ readonly engineId: string; readonly attempts: number }> = []
    yield* Effect.forEach(batch, (entry) =>
      Effect.map(isComplete(entry.engineId), (complete) => {
        if (complete) ready.push(entry.engineId)
        else if (entry.attempts < 100) later.push({ engineId: entry.engineId, attempts: entry.attempts + 1 })
      }), { discard: true })
    yield* remove(ready)
    if (later.length > 0) {
      // Not stored yet (the result is written just after the body returns): look again soon.
      yield* Effect.forkIn(Effect.delay(Queue.offerAll(queue, later), Duration.millis(50)), scope)
    }
  }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("journal cleanup failed", cause)), Effect.forever)

  yield* Effect.forkIn(loop, scope)
  return { finished, collect } as const
})

/** Runs whose journal outlived them (a crash between the final report and the cleanup). */
export const sweep = (collect: (engineId: string) => Effect.Effect<unknown>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly entity_id: string }>`SELECT DISTINCT entity_id FROM ${
      sql(messages)
    } WHERE entity_type = ${entityType} AND tag = 'run' AND processed = ${
      sql.onDialectOrElse({ pg: () => sql.literal("TRUE"), orElse: () => sql.literal("1") })
    }`
    yield* Effect.forEach(rows, (row) =>
      Effect.flatMap(isComplete(row.entity_id), (complete) => complete ? collect(row.entity_id) : Effect.void), {
      discard: true
    })
    return rows.length
  }).pipe(Effect.orDie)

export type Collector = Effect.Effect.Success<typeof makeCollector>
