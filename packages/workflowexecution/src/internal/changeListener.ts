/**
 * What feeds a replica's watch hub on PostgreSQL: the change log, read in sequence order
 * by one reader fiber, woken by the `weft_execution_changes` announcements of every
 * replica (its own included) over a dedicated connection that LISTENs.
 *
 * The log is the source of truth; an announcement only says "read". The reader keeps the
 * last sequence number it delivered and reads what follows it, so a burst of
 * announcements is one read, and after the listening connection is lost (restart of the
 * database, a network cut, a terminated backend) the listener reconnects, wakes the
 * reader, and whatever committed meanwhile is delivered from the log, in order, once.
 */
import { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Cause, Duration, Effect, Queue } from "effect"
import * as PgListener from "../PgListener.js"
import * as Changes from "./changes.js"

/** Most changes one read takes; a fuller backlog is read in several. */
const batch = 500

/** The application name the listening connection shows in `pg_stat_activity`. */
export const applicationName = "weft-change-listener"

/**
 * Starts the listener and the reader in the current scope; `deliver` gets every change
 * committed from now on, by any replica, in sequence order. Answers `wake`, which makes
 * the reader look at the log at once (after a commit of this replica, say, rather than
 * when its announcement comes back).
 */
export const start = (client: PgClient.PgClient, deliver: (change: Changes.StoredChange) => void) =>
  Effect.gen(function*() {
    const signals = yield* Queue.sliding<void>(1)
    const wake = () => void Queue.unsafeOffer(signals, undefined)
    let cursor = (yield* Changes.bounds).newest

    const readNew: Effect.Effect<void, never, SqlClient.SqlClient> = Effect.gen(function*() {
      while (true) {
        const changes = yield* Changes.readAfter(cursor, batch)
        for (const change of changes) {
          cursor = change.seq
          deliver(change)
        }
        if (changes.length < batch) return
      }
    })
    const reader = Queue.take(signals).pipe(
      Effect.zipRight(readNew),
      Effect.catchAllCause((cause) =>
        // The database is away: look again in a moment (an announcement may never come).
        Effect.zipRight(Effect.logWarning("reading the change log failed", Cause.pretty(cause)), Effect.sync(wake)).pipe(
          Effect.delay(Duration.millis(500))
        )
      ),
      Effect.forever
    )

    // Each session wakes the reader when it starts (to catch up on what committed while
    // none listened) and on every announcement.
    const listener = PgListener.listen(client, {
      channel: Changes.channel,
      applicationName,
      onNotification: wake,
      onListening: wake
    })

    yield* Effect.forkScoped(reader)
    yield* Effect.forkScoped(listener)
    return wake
  })
