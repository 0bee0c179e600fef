/**
 * Signals sent to a run (`POST /v1/workflow-executions/{id}/signals`), kept in
 * `workflow_execution_signals` until a LISTEN takes them: a signal sent before the
 * LISTEN that wants it is waiting is not lost, nor is one sent while the server
 * restarts. Each signal is taken once, oldest first.
 *
 * Sending and taking both lock the execution's row first (on PostgreSQL; SQLite runs one
 * write transaction at a time), so a LISTEN that finds nothing and registers its wait
 * cannot miss a signal committed meanwhile: either it sees the signal, or the signal's
 * after-commit wake-up sees its wait.
 */
import { SqlClient } from "@effect/sql"
import { Resource } from "@weft/resource"
import { Effect, Option, Schema } from "effect"

/** The body of `POST …/signals`: the signal's id, which LISTEN tasks match, and its data (any JSON). */
export const SignalInput = Schema.Struct({
  id: Schema.String.pipe(
    Schema.minLength(1, { message: () => "id: a signal needs a non-empty id" }),
    Schema.maxLength(256, { message: () => "id: at most 256 characters" })
  ).annotations({ description: "The signal's id: a LISTEN waiting for this id takes it." }),
  data: Schema.optional(Schema.Unknown).annotations({
    description: "Any JSON value; it is the LISTEN task's output (`null` when absent)."
  })
}).pipe(Resource.body).annotations({ identifier: "SignalInput", title: "Signal" })
export type SignalInput = typeof SignalInput.Type

/** The answer of `POST …/signals` (202): the signal is stored. */
export const SignalAccepted = Schema.Struct({ accepted: Schema.Literal(true) }).annotations({
  identifier: "SignalAccepted"
})
export type SignalAccepted = typeof SignalAccepted.Type

/** A signal as a LISTEN receives it. */
export interface Signal {
  readonly id: string
  readonly data: unknown
}

export type ListenMode = "one" | "all"

const table = "workflow_execution_signals"

/**
 * Locks the execution's row until the transaction ends (PostgreSQL; a no-op on SQLite, which
 * writes one transaction at a time): a LISTEN taking signals holds it, so a signal kept under
 * `ResourceStore.getForUpdate` (see `WorkflowExecutions.signal`) lands before or after the take, never beside it.
 */
export const lockExecution = (executionId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.onDialectOrElse({
      pg: () => Effect.asVoid(sql`SELECT id FROM workflow_executions WHERE id = ${executionId} FOR UPDATE`),
      orElse: () => Effect.void
    })).pipe(Effect.orDie)

/** Keeps a signal for the execution (in the caller's transaction). */
export const keep = (executionId: string, signal: SignalInput, receivedAt: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO ${sql(table)} ${
      sql.insert({
        execution_id: executionId,
        signal_id: signal.id,
        data: JSON.stringify(signal.data ?? null),
        received_at: receivedAt
      })
    }`).pipe(Effect.asVoid, Effect.orDie)

interface Row {
  readonly seq: number
  readonly signal_id: string
  readonly data: string
}

const toSignal = (row: Row): Signal => ({ id: row.signal_id, data: JSON.parse(row.data) })

/**
 * Takes, for `taker`, the signals a LISTEN on `ids` waits for: with `one`, the oldest
 * signal with any of the ids; with `all`, the oldest one of each id, and only once every
 * id has one (until then nothing is taken). Answers them (in the order of `ids` for
 * `all`), or none. Taking again under the same `taker` answers what it took before, so
 * a take cut off by a crash and run again takes nothing more. Call it in a transaction.
 */
export const take = (
  executionId: string,
  options: { readonly taker: string; readonly ids: ReadonlyArray<string>; readonly mode: ListenMode }
): Effect.Effect<Option.Option<ReadonlyArray<Signal>>, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const before = yield* sql<Row>`SELECT seq, signal_id, data FROM ${sql(table)}
      WHERE execution_id = ${executionId} AND taken_by = ${options.taker} ORDER BY seq`
    if (before.length > 0) return Option.some(ordered(before, options).map(toSignal))
    if (options.ids.length === 0) return Option.none()
    const kept = yield* sql<Row>`SELECT seq, signal_id, data FROM ${sql(table)}
      WHERE execution_id = ${executionId} AND taken_by IS NULL AND ${sql.in("signal_id", options.ids)} ORDER BY seq`
    const chosen = choose(kept, options)
    if (chosen.length === 0) return Option.none()
    yield* sql`UPDATE ${sql(table)} SET taken_by = ${options.taker} WHERE ${sql.in("seq", chosen.map((row) => row.seq))}`
    return Option.some(chosen.map(toSignal))
  }).pipe(Effect.orDie)

/** The rows a take chooses among the kept ones (oldest first): none until it can be satisfied. */
const choose = (kept: ReadonlyArray<Row>, options: { readonly ids: ReadonlyArray<string>; readonly mode: ListenMode }) => {
  if (options.mode === "one") return kept.slice(0, 1)
  const first = new Map<string, Row>()
  for (const row of kept) if (!first.has(row.signal_id)) first.set(row.signal_id, row)
  const wanted = [...new Set(options.ids)]
  return wanted.every((id) => first.has(id)) ? wanted.map((id) => first.get(id)!) : []
}

/** Taken rows in the order a take answers them. */
const ordered = (rows: ReadonlyArray<Row>, options: { readonly ids: ReadonlyArray<string>; readonly mode: ListenMode }) =>
  options.mode === "one" ? rows : [...new Set(options.ids)].flatMap((id) => rows.filter((row) => row.signal_id === id))

/** Forgets an execution's signals (it is deleted). */
export const forget = (executionId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM ${sql(table)} WHERE execution_id = ${executionId}`).pipe(
    Effect.asVoid,
    Effect.orDie
  )
