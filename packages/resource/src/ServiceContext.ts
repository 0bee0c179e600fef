/**
 * Running a service's effects with the services it captured when it was built.
 *
 * `Effect.provide(context)` merges the captured context into the caller's on every call,
 * copying both. A service's internals need only what they captured, plus one thing from
 * the caller: an open SQL transaction, so that a call made inside the caller's
 * transaction joins it (as a savepoint) instead of waiting for the connection it holds.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect } from "effect"

export const provider = <R>(captured: Context.Context<R>) =>
<A, E>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E> =>
  Effect.mapInputContext(effect, (caller: Context.Context<never>) => {
    const transaction = Context.getOption(caller, SqlClient.TransactionConnection)
    return (transaction._tag === "Some"
      ? Context.add(captured, SqlClient.TransactionConnection, transaction.value)
      : captured) as Context.Context<R>
  })
