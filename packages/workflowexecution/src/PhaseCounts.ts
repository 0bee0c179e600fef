/**
 * Stored executions by phase, without counting the table: the database keeps the counts
 * (`workflow_execution_phase_counts`, migration 0007). Its triggers append a +1 or -1 row
 * for every insert, delete and phase change of an execution, in the change's transaction;
 * a phase's count is the sum of its rows. `fold` sums the rows back into one per phase
 * (the retention sweep runs it every minute), so a read sums a handful of rows, not one
 * row per execution as `COUNT(*) … GROUP BY phase` does.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

const table = "workflow_execution_phase_counts"

/** Executions by phase (a phase with none may be absent). */
export const byPhase: Effect.Effect<ReadonlyMap<string, number>, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ phase: string; n: number | string }>`SELECT phase, SUM(n) AS n FROM ${sql(table)} GROUP BY phase`
  return new Map(rows.map((row) => [row.phase, Number(row.n)]))
}).pipe(Effect.orDie, Effect.withSpan("PhaseCounts.byPhase", { captureStackTrace: false }))

/**
 * Sums the rows into one per phase; answers how many rows it replaced. On PostgreSQL it
 * is one statement that deletes the rows it sees and inserts their sums: rows appended
 * meanwhile are not among them and stay, and a concurrent fold (another replica) skips
 * the rows this one deleted, so no count is lost or doubled. On SQLite (one writer) it
 * runs in the caller's transaction.
 */
export const fold: Effect.Effect<number, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.onDialectOrElse({
    pg: () =>
      Effect.map(
        sql<{ rows: number | string | null }>`WITH folded AS (DELETE FROM ${sql(table)} WHERE phase IN (
            SELECT phase FROM ${sql(table)} GROUP BY phase HAVING COUNT(*) > 1
          ) RETURNING phase, n),
          summed AS (INSERT INTO ${sql(table)} (phase, n) SELECT phase, SUM(n) FROM folded GROUP BY phase)
          SELECT COUNT(*) AS rows FROM folded`,
        (rows) => Number(rows[0]?.rows ?? 0)
      ),
    orElse: () =>
      Effect.gen(function*() {
        const sums = yield* sql<{ phase: string; n: number; rows: number }>`SELECT phase, SUM(n) AS n, COUNT(*) AS rows
          FROM ${sql(table)} GROUP BY phase`
        const rows = sums.reduce((total, sum) => total + Number(sum.rows), 0)
        if (rows === sums.length) return 0
        yield* sql`DELETE FROM ${sql(table)}`
        yield* sql`INSERT INTO ${sql(table)} ${sql.insert(sums.map((sum) => ({ phase: sum.phase, n: Number(sum.n) })))}`
        return rows
      })
  })
}).pipe(Effect.orDie, Effect.withSpan("PhaseCounts.fold", { captureStackTrace: false }))
