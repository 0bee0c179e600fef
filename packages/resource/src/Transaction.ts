/**
 * Transactions that queue fairly.
 *
 * The embedded SQLite client is one connection behind a semaphore, and that semaphore
 * lets a newly arrived fiber take a just-released permit ahead of fibers already
 * waiting; a waiter that loses the race goes to the back of the line. Under a steady
 * stream of writes some requests waited seconds. On SQLite, weft's write transactions
 * therefore first pass a first-in-first-out gate (a one-slot queue, whose blocked
 * offerers are served in order), so at most one of them contends for the connection.
 * Other databases run transactions concurrently and skip the gate; a transaction opened
 * inside another one (a savepoint) never waits for it.
 */
import { SqlClient, SqlError } from "@effect/sql"
import { Effect, Option, Queue } from "effect"

const gates = new WeakMap<SqlClient.SqlClient, Queue.Queue<void>>()

const gateOf = (sql: SqlClient.SqlClient): Queue.Queue<void> => {
  let gate = gates.get(sql)
  if (gate === undefined) {
    gate = Effect.runSync(Queue.bounded<void>(1))
    gates.set(sql, gate)
  }
  return gate
}

const isSqlite = (sql: SqlClient.SqlClient) => sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })

/**
 * Runs `effect` in one transaction; storage failures become defects. `afterCommit` runs
 * once the transaction has committed and before the next writer's transaction starts,
 * so what it publishes is published in commit order. Inside an enclosing transaction it
 * runs when this one's savepoint is released (the caller owns the outer commit).
 */
export const run = <A, E, R, R2 = never>(
  effect: Effect.Effect<A, E, R>,
  afterCommit?: (a: A) => Effect.Effect<void, never, R2>
): Effect.Effect<A, E, R | R2 | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const committed = sql.withTransaction(effect).pipe(
      Effect.catchIf((e): e is SqlError.SqlError => e instanceof SqlError.SqlError, Effect.die)
    ) as Effect.Effect<A, E, R>
    const transaction = afterCommit === undefined ? committed : Effect.tap(committed, afterCommit)
    const outer = yield* Effect.serviceOption(SqlClient.TransactionConnection)
    if (Option.isSome(outer) || !isSqlite(sql)) return yield* transaction
    const gate = gateOf(sql)
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        restore(Queue.offer(gate, undefined)),
        Effect.ensuring(restore(transaction), Queue.take(gate))
      )
    )
  })
