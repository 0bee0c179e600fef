/**
 * What retention deletes: executions that ended (`ended_at`, set in a terminal phase
 * only) before a time, oldest first, a batch at a time.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/**
 * The ids of up to `limit` executions that ended before `before`, oldest first, locked
 * until the caller's transaction ends. On PostgreSQL rows another transaction holds are
 * skipped (`FOR UPDATE SKIP LOCKED`), so replicas sweeping at once take different
 * batches instead of waiting for each other; SQLite runs one writer at a time.
 */
export const endedBefore = (before: string, limit: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lock = sql.onDialectOrElse({ pg: () => sql` FOR UPDATE SKIP LOCKED`, orElse: () => sql`` })
    const rows = yield* sql<{ id: string }>`SELECT id FROM workflow_executions
      WHERE ended_at < ${before} ORDER BY ended_at LIMIT ${limit}${lock}`
    return rows.map((row) => row.id)
  }).pipe(Effect.orDie)
