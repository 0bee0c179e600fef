/**
 * The change log behind the feed of every change: one row per committed change of an
 * execution (`workflow_execution_changes`), written in the transaction of the change, so
 * a rolled-back change leaves no row. `seq` (AUTOINCREMENT) is the feed's sequence
 * number: it only grows, and never reuses the number of a trimmed row.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect } from "effect"
import type { WorkflowExecution } from "../WorkflowExecution.js"

export type ChangeKind = "Updated" | "Deleted"

/** How many of the newest changes the log keeps at least (the contract asks for 10,000). */
export class FeedRetention extends Context.Reference<FeedRetention>()("@weft/workflowexecution/FeedRetention", {
  defaultValue: (): number => 10_000
}) {}

/** The log is trimmed when `seq` is a multiple of this: at most this many rows over the retention. */
const trimEvery = 500

/** Records a change inside the caller's transaction; answers its sequence number. */
export const record = (kind: ChangeKind, execution: WorkflowExecution, retention: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ seq: number }>`INSERT INTO workflow_execution_changes (execution_id, kind, doc)
      VALUES (${execution.metadata.id}, ${kind}, ${JSON.stringify(execution)}) RETURNING seq`
    const seq = Number(rows[0]!.seq)
    if (seq % Math.min(trimEvery, retention) === 0) {
      yield* sql`DELETE FROM workflow_execution_changes WHERE seq <= ${seq - retention}`
    }
    return seq
  }).pipe(Effect.orDie)

export interface StoredChange {
  readonly seq: number
  readonly kind: ChangeKind
  readonly execution: WorkflowExecution
}

/**
 * The oldest and newest retained sequence numbers (both 0 when nothing has changed yet).
 * Trimming removes the oldest rows only, and never the newest.
 */
export const bounds = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ low: number | null; high: number | null }>`SELECT MIN(seq) AS low, MAX(seq) AS high
    FROM workflow_execution_changes`
  return { oldest: Number(rows[0]?.low ?? 0), newest: Number(rows[0]?.high ?? 0) }
}).pipe(Effect.orDie)

/**
 * Whether a feed can resume after `after` without missing a change: nothing after it
 * was trimmed, and it is not newer than every change. Sequence numbers may have gaps (a
 * backend's sequence skips the numbers of rolled-back inserts), so this does not look for
 * `after + 1`: trimming deletes every row up to some number, and while the oldest row
 * left is at most `after + 1`, every trimmed row was at most `after`.
 */
export const canResume = (after: number, retained: { readonly oldest: number; readonly newest: number }): boolean =>
  after <= retained.newest && (retained.oldest === 0 || retained.oldest <= after + 1)

/** The retained changes after `after`, in order. */
export const readAfter = (after: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ seq: number; kind: ChangeKind; doc: string }>`SELECT seq, kind, doc
      FROM workflow_execution_changes WHERE seq > ${after} ORDER BY seq`
    return rows.map((row): StoredChange => ({
      seq: Number(row.seq),
      kind: row.kind,
      execution: JSON.parse(row.doc) as WorkflowExecution
    }))
  }).pipe(Effect.orDie)
