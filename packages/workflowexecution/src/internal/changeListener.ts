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
import { Cause, Duration, Effect, Queue, Redacted, Schedule } from "effect"
import Pg from "pg"
import * as Changes from "./changes.js"

/** Most changes one read takes; a fuller backlog is read in several. */
const batch = 500

/** Reconnecting: soon at first, then every 2 s at most; a session that lasted starts over. */
const reconnect = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(2))),
  Schedule.resetAfter(Duration.seconds(10))
)

/** The application name the listening connection shows in `pg_stat_activity`. */
export const applicationName = "weft-change-listener"

const connectionOptions = (client: PgClient.PgClient): Pg.ClientConfig => {
  const config = client.config
  return {
    ...(config.url !== undefined ? { connectionString: Redacted.value(config.url) } : {}),
    ...(config.host !== undefined ? { host: config.host } : {}),
    ...(config.port !== undefined ? { port: config.port } : {}),
    ...(config.database !== undefined ? { database: config.database } : {}),
    ...(config.username !== undefined ? { user: config.username } : {}),
    ...(config.password !== undefined ? { password: Redacted.value(config.password) } : {}),
    ...(config.ssl !== undefined ? { ssl: config.ssl } : {}),
    application_name: applicationName
  }
}

/**
 * One listening session: connects, LISTENs, wakes the reader (to catch up on what
 * committed while no session listened) and on every announcement, and fails when the
 * connection is lost. Its connection is closed when it ends.
 */
const session = (options: Pg.ClientConfig, wake: () => void) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* Effect.acquireRelease(
      Effect.tryPromise(async () => {
        const client = new Pg.Client(options)
        client.on("error", () => {}) // reported through `lost` below
        await client.connect()
        return client
      }),
      (client) => Effect.promise(() => client.end().catch(() => undefined))
    )
    const lost = Effect.async<never, Error>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(error))
      const onEnd = () => resume(Effect.fail(new Error("the listening connection ended")))
      client.on("error", onError)
      client.on("end", onEnd)
      return Effect.sync(() => {
        client.off("error", onError)
        client.off("end", onEnd)
      })
    })
    client.on("notification", (message) => {
      if (message.channel === Changes.channel) wake()
    })
    yield* Effect.tryPromise(() => client.query(`LISTEN ${Pg.escapeIdentifier(Changes.channel)}`))
    wake()
    return yield* lost
  }))

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

    const options = connectionOptions(client)
    const listener = session(options, wake).pipe(
      Effect.tapError((error) => Effect.logWarning(`listening for changes: ${error.message}; reconnecting`)),
      Effect.retry(reconnect),
      Effect.forever
    )

    yield* Effect.forkScoped(reader)
    yield* Effect.forkScoped(listener)
    return wake
  })
