/**
 * The change log behind the feed of every change: one row per committed change of an
 * execution (`workflow_execution_changes`), written in the transaction of the change, so
 * a rolled-back change leaves no row. `seq` (AUTOINCREMENT; an identity column on
 * PostgreSQL) is the feed's sequence number: it only grows, and never reuses a number.
 *
 * On PostgreSQL, where several replicas write, a change takes a transaction-level
 * advisory lock before it is numbered, held until its transaction ends: numbers are
 * then handed out in commit order, so a reader that has seen `seq` N has seen every
 * change numbered below N. The change is also announced on the `weft_execution_changes`
 * channel (id, version and seq; readers read the rows from the log), delivered by
 * PostgreSQL when, and only if, the transaction commits.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect } from "effect"
import { present, type WorkflowExecution } from "../WorkflowExecution.js"

export type ChangeKind = "Updated" | "Deleted"

/** How many of the newest changes the log keeps at least (the contract asks for 10,000). */
export class FeedRetention extends Context.Reference<FeedRetention>()("@weft/workflowexecution/FeedRetention", {
  defaultValue: (): number => 10_000
}) {}

/** The log is trimmed when `seq` is a multiple of this: at most this many rows over the retention. */
const trimEvery = 500

/** The PostgreSQL channel changes are announced on. */
export const channel = "weft_execution_changes"

/** The advisory lock (`pg_advisory_xact_lock(weft, 2)`) that numbers changes in commit order. */
const sequenceLock = [0x77656674, 2] as const

/** What a change's announcement carries: enough to tell what changed, never the document. */
export interface Announcement {
  readonly seq: number
  readonly id: string
  readonly version: number
}

/**
 * Records a change inside the caller's transaction; answers its sequence number. The log
 * keeps the answered form (secrets masked): it is only ever read to be delivered.
 */
export const record = (kind: ChangeKind, execution: WorkflowExecution, retention: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    if (pg) yield* sql`SELECT pg_advisory_xact_lock(${sequenceLock[0]}, ${sequenceLock[1]})`
    const rows = yield* sql<{ seq: number | string }>`INSERT INTO workflow_execution_changes (execution_id, kind, doc)
      VALUES (${execution.metadata.id}, ${kind}, ${JSON.stringify(present(execution))}) RETURNING seq`
    const seq = Number(rows[0]!.seq)
    if (pg) {
      const announcement: Announcement = { seq, id: execution.metadata.id, version: execution.metadata.version }
      yield* sql`SELECT pg_notify(${channel}, ${JSON.stringify(announcement)})`
    }
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
  const rows = yield* sql<{ low: number | string | null; high: number | string | null }>`SELECT MIN(seq) AS low, MAX(seq) AS high
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

/** The retained changes after `after`, in order; at most `limit` of them when given. */
export const readAfter = (after: number, limit?: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ seq: number | string; kind: ChangeKind; doc: string }>`SELECT seq, kind, doc
      FROM workflow_execution_changes WHERE seq > ${after} ORDER BY seq${
      limit === undefined ? sql`` : sql` LIMIT ${limit}`
    }`
    return rows.map((row): StoredChange => ({
      seq: Number(row.seq),
      kind: row.kind,
      // Rows are written answered (`present`); rows an earlier version wrote are not.
      execution: present(JSON.parse(row.doc) as WorkflowExecution)
    }))
  }).pipe(Effect.orDie)
