/**
 * Transactions that queue fairly, and run after-commit hooks once they have committed.
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
import { Context, Effect, Option, Queue } from "effect"

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
 * The hooks of the transactions nested in the current one, waiting for the outermost
 * to commit. Present only inside a transaction opened by `run`.
 */
class PendingHooks extends Context.Tag("@weft/resource/Transaction/PendingHooks")<
  PendingHooks,
  Array<Effect.Effect<void>>
>() {}

/** Runs hooks in order; a hook that dies is logged, since what it follows is committed. */
const runHooks = (hooks: ReadonlyArray<Effect.Effect<void>>) =>
  Effect.forEach(
    hooks,
    (hook) => Effect.catchAllCause(hook, (cause) => Effect.logError("after-commit hook failed", cause)),
    { discard: true }
  )

/**
 * Runs `effect` in one transaction; storage failures become defects.
 *
 * `afterCommit` runs once the transaction has committed (never when it rolls back), and
 * on SQLite before the next writer's transaction starts, so what it publishes is
 * published in commit order. It runs even if the caller is interrupted once the commit is
 * done. A hook that dies is logged: the change it follows is committed, so the call
 * still succeeds.
 *
 * Nested in another `run`, the hook waits for the outermost transaction to commit, and
 * is dropped if an enclosing one rolls back. Nested in a transaction the caller opened
 * itself (`sql.withTransaction`), weft cannot see that commit: the hook runs when this
 * transaction's savepoint is released.
 */
export const run = <A, E, R, R2 = never>(
  effect: Effect.Effect<A, E, R>,
  afterCommit?: (a: A) => Effect.Effect<void, never, R2>
): Effect.Effect<A, E, R | R2 | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // What the hook needs, without this transaction: it runs after the commit.
    const context = Context.omit(SqlClient.TransactionConnection, PendingHooks)(yield* Effect.context<R2>()) as Context.Context<R2>
    const hooks: Array<Effect.Effect<void>> = []
    const body = sql.withTransaction(Effect.provideService(effect, PendingHooks, hooks)).pipe(
      Effect.catchIf((e): e is SqlError.SqlError => e instanceof SqlError.SqlError, Effect.die),
      Effect.tap((a) => {
        if (afterCommit !== undefined) hooks.push(Effect.provide(afterCommit(a), context))
      })
    ) as Effect.Effect<A, E, R>
    const parent = yield* Effect.serviceOption(PendingHooks)
    if (Option.isSome(parent)) {
      // Nested: hand this transaction's hooks to the enclosing one once it succeeded.
      return yield* Effect.tap(body, () => Effect.sync(() => parent.value.push(...hooks)))
    }
    const committed = Effect.uninterruptibleMask((restore) =>
      Effect.tap(restore(body), () => runHooks(hooks))
    )
    const outer = yield* Effect.serviceOption(SqlClient.TransactionConnection)
    if (Option.isSome(outer) || !isSqlite(sql)) return yield* committed
    const gate = gateOf(sql)
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        restore(Queue.offer(gate, undefined)),
        Effect.ensuring(restore(committed), Queue.take(gate))
      )
    )
  })
