/**
 * A PostgreSQL `LISTEN` that outlives its connection: a dedicated session (not one of the
 * pool's), which, when the connection is lost (a restart of the database, a network cut,
 * a terminated backend), is opened again, soon at first, then every 2 s at most.
 *
 * `PgClient.listen` does not report a lost connection: its stream just stops delivering.
 * Notifications sent while no session listens are gone, so `onListening` runs each time
 * a session starts listening, the first and every later one: there a caller catches up
 * from its source of truth (the change log, the cluster's message storage).
 */
import type { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Redacted, Schedule } from "effect"
import Pg from "pg"

export interface Options {
  /** The channel listened on. */
  readonly channel: string
  /** The name the session shows in `pg_stat_activity` (an operator, or a test, finds it there). */
  readonly applicationName: string
  /** Each notification's payload, as it comes. */
  readonly onNotification: (payload: string) => void
  /** Each time a session listens: what was notified while none listened must be looked for. */
  readonly onListening: () => void
}

/** Reconnecting: soon at first, then every 2 s at most; a session that lasted starts over. */
const reconnect = Schedule.exponential(Duration.millis(50)).pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(2))),
  Schedule.resetAfter(Duration.seconds(10))
)

/** How to connect as the pool of `client` does, under `applicationName`. */
const connectionOptions = (client: PgClient.PgClient, applicationName: string): Pg.ClientConfig => {
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
 * One listening session: connects, LISTENs, calls `onListening`, passes on every
 * notification, and fails when the connection is lost. Its connection is closed when it
 * ends.
 */
const session = (connection: Pg.ClientConfig, options: Options) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* Effect.acquireRelease(
      Effect.tryPromise(async () => {
        const client = new Pg.Client(connection)
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
      if (message.channel === options.channel) options.onNotification(message.payload ?? "")
    })
    yield* Effect.tryPromise(() => client.query(`LISTEN ${Pg.escapeIdentifier(options.channel)}`))
    options.onListening()
    return yield* lost
  }))

/**
 * Listens on `options.channel` over the database of `client` for as long as it runs
 * (fork it in a scope), reconnecting whenever the session is lost; each loss is logged
 * as a warning.
 */
export const listen = (client: PgClient.PgClient, options: Options): Effect.Effect<never> =>
  session(connectionOptions(client, options.applicationName), options).pipe(
    Effect.tapError((error) => Effect.logWarning(`listening on ${options.channel}: ${error.message}; reconnecting`)),
    Effect.retry(reconnect),
    Effect.orDie // the schedule has no end: never reached
  )
