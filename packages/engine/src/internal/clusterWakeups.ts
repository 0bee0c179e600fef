/**
 * Waking a runner when a message for one of its runs was written by another replica.
 *
 * Runners talk through the database only: a message for a run another replica owns is
 * written to `cluster_messages`, where its owner would find it at its next storage poll.
 * On PostgreSQL the writer also sends `NOTIFY weft_cluster_wakeup, '<owner's name>'`
 * after the message is stored, and every runner listens on that channel and reads
 * storage at once when it is named. A wake-up is only a shortcut: a lost one costs the
 * poll interval, nothing else. The listening session is a connection of its own
 * (`PgListener`): when it is lost it is opened again, and the runner reads storage once it
 * listens again, for what it was told while no session listened.
 */
import { ClusterError, type MessageStorage, Runners, Sharding, type ShardingConfig, Snowflake } from "@effect/cluster"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { PgListener } from "@weft/workflowexecution"
import { Effect, Layer, Option, Queue } from "effect"

/** The channel wake-ups go over (NOTIFY is scoped to a database, as the runners are). */
export const channel = "weft_cluster_wakeup"

const nameOf = (address: { readonly host: string; readonly port: number }) => `${address.host}:${address.port}`

/** Tells the runner `name` to read storage; best effort. */
const wake = (sql: SqlClient.SqlClient, name: string) =>
  Effect.ignore(sql`SELECT pg_notify(${channel}, ${name})`)

/**
 * `Runners` for runners that talk through storage: sending to another runner is never
 * done directly (the cluster then stores the message and reads replies from storage),
 * and a stored message for another runner wakes it when the database can.
 */
export const runners: Layer.Layer<
  Runners.Runners,
  never,
  SqlClient.SqlClient | ShardingConfig.ShardingConfig | MessageStorage.MessageStorage
> = Layer.scoped(
  Runners.Runners,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const notifies = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    return yield* Runners.make({
      send: ({ address, message }) =>
        Effect.zipRight(
          notifies ? wake(sql, nameOf(address)) : Effect.void,
          Effect.fail(new ClusterError.EntityNotAssignedToRunner({ address: message.envelope.address }))
        ),
      notify: ({ address }) => notifies && Option.isSome(address) ? wake(sql, nameOf(address.value)) : Effect.void,
      ping: () => Effect.void,
      onRunnerUnavailable: () => Effect.void
    })
  })
).pipe(Layer.provide(Snowflake.layerGenerator))

/** The application name of a runner's listening session in `pg_stat_activity`. */
export const applicationName = "weft-cluster-wakeups"

/**
 * Listens for wake-ups addressed to `self` and reads storage when one comes, and each
 * time the session (re)starts listening. Only where the SqlClient is a PostgreSQL client.
 * Reads run one at a time: wake-ups that come during one make one more read.
 */
export const listener = (self: { readonly host: string; readonly port: number }): Layer.Layer<never, never, Sharding.Sharding> =>
  Layer.scopedDiscard(Effect.gen(function*() {
    const pg = yield* Effect.serviceOption(PgClient.PgClient)
    if (Option.isNone(pg)) return
    const sharding = yield* Sharding.Sharding
    const name = nameOf(self)
    const reads = yield* Queue.sliding<void>(1)
    const read = () => void Queue.unsafeOffer(reads, undefined)
    yield* Queue.take(reads).pipe(Effect.zipRight(sharding.pollStorage), Effect.forever, Effect.forkScoped)
    yield* PgListener.listen(pg.value, {
      channel,
      applicationName,
      onNotification: (payload) => {
        if (payload === name) read()
      },
      onListening: read
    }).pipe(Effect.forkScoped)
  }))
