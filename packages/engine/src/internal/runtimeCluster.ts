/**
 * The durable runtime's substrate: `@effect/cluster`'s workflow engine over SQL message
 * and runner storage (`cluster_*` tables) on weft's own SqlClient, in the same database
 * as the resources.
 *
 * Every server is a runner. On SQLite there is one (the server holds the file's lock),
 * under a fixed name. On PostgreSQL every replica is a runner under its own name
 * (`EngineConfig.runnerAddress`): the runners find each other in `cluster_runners`,
 * where each keeps a heartbeat; runs are spread over the runners by shard (an
 * execution's shard is a hash of its id; shards are dealt over the live runners on a
 * consistent hash ring); a runner works only the shards whose PostgreSQL advisory lock
 * its session holds, so no two replicas ever run the same run at once. The runners
 * never call each other: a message for a run on another replica is written to
 * `cluster_messages`, which its owner reads when notified, or else on its poll. When a replica dies its
 * session ends and its locks with it; once its heartbeat is older than
 * `shardLockExpiration` the others deal its shards among themselves and resume its runs
 * from their journals.
 *
 * The sharding configuration is given here instead of read from the environment (that
 * reader takes plain `HOST`, `PORT`, … variables, which belong to whatever else runs on
 * the machine).
 */
import {
  ClusterWorkflowEngine,
  RunnerAddress,
  RunnerHealth,
  Sharding,
  ShardingConfig,
  SqlMessageStorage,
  SqlRunnerStorage
} from "@effect/cluster"
import { SqlClient } from "@effect/sql"
import type { WorkflowEngine } from "@effect/workflow"
import { Duration, Effect, Layer, Option } from "effect"
import { type RunnerAddress as Address, singleRunnerAddress } from "../EngineConfig.js"
import * as Wakeups from "./clusterWakeups.js"

export interface ClusterOptions {
  /** How often the runner reads storage for due timers and unseen messages. */
  readonly pollInterval: Duration.DurationInput
  /** This runner's name on PostgreSQL (SQLite's one runner has a fixed name). */
  readonly runnerAddress: Address
}

/**
 * Shards per runner group. Fixed once runs are stored (a message's shard is stored
 * with it), so it is a constant, not a setting; few shards keep the storage poll small.
 */
export const shardsPerGroup = 32

/**
 * How long a runner's heartbeat stays valid: a replica that stopped beating (killed,
 * cut off) loses its shards to the others after this long. Heartbeats and shard locks
 * are refreshed every third of it.
 */
export const shardLockExpiration = Duration.seconds(15)

export const shardingConfig = (options: ClusterOptions, address: Address) =>
  ShardingConfig.layer({
    runnerAddress: Option.some(RunnerAddress.RunnerAddress.make(address)),
    shardsPerGroup,
    shardLockExpiration,
    entityMessagePollInterval: options.pollInterval,
    // A run that is still running at shutdown is resumed from its journal at the next
    // start (or by another replica); there is no reason to hold shutdown for it.
    entityTerminationTimeout: Duration.seconds(2),
    // An idle workflow entity (a run parked in WAIT, or ended) leaves memory after this
    // long; the cluster's reaper looks every 5 s at the most often, so this is the least
    // that takes effect. A parked run's entity holds tens of KiB: at 30 s, a burst of
    // 10,000 runs parking kept a few thousand of them (and the heap V8 grew for them),
    // 696–930 MiB RSS against 386–541 MiB at 5 s. A run woken after that is replayed from
    // its journal, which costs a few reads.
    entityMaxIdleTime: Duration.seconds(5)
  })

/** Which name the runner takes on this database. */
const addressOn = (sql: SqlClient.SqlClient, options: ClusterOptions): Address =>
  sql.onDialectOrElse({ pg: () => options.runnerAddress, orElse: () => singleRunnerAddress })

/**
 * Sharding of this server's runner, with its storage on the SqlClient. The runners
 * reach each other through storage only, woken by PostgreSQL notifications
 * (`clusterWakeups.ts`), and a runner counts as alive while its heartbeat is fresh
 * (`RunnerHealth.layerNoop`: no pings).
 */
export const sharding = (options: ClusterOptions): Layer.Layer<
  Sharding.Sharding | WorkflowEngine.WorkflowEngine,
  never,
  SqlClient.SqlClient
> =>
  Layer.unwrapEffect(Effect.map(SqlClient.SqlClient, (sql) => {
    const address = addressOn(sql, options)
    return Layer.merge(ClusterWorkflowEngine.layer, Wakeups.listener(address)).pipe(
      Layer.provideMerge(Sharding.layer),
      Layer.provide(Wakeups.runners),
      Layer.provideMerge(storage),
      Layer.provide(RunnerHealth.layerNoop),
      Layer.provide(shardingConfig(options, address))
    )
  })) as Layer.Layer<Sharding.Sharding | WorkflowEngine.WorkflowEngine, never, SqlClient.SqlClient>

const storageTables = Layer.merge(SqlMessageStorage.layer, Layer.orDie(SqlRunnerStorage.layer))

/**
 * The cluster's storage. Its tables are created when it is built (`CREATE TABLE IF NOT
 * EXISTS`), which PostgreSQL does not make safe for replicas starting together on a
 * fresh database: there the building is serialised under an advisory lock.
 */
const storage = Layer.unwrapEffect(Effect.map(SqlClient.SqlClient, (sql) =>
  sql.onDialectOrElse({
    pg: () =>
      Layer.scopedContext(Effect.gen(function*() {
        const scope = yield* Effect.scope
        // The lock's session is reserved for the building only.
        return yield* Effect.scoped(Effect.gen(function*() {
          const session = yield* Effect.orDie(sql.reserve)
          yield* Effect.orDie(session.executeRaw(`SELECT pg_advisory_lock(${startupLock})`, []))
          return yield* Layer.buildWithScope(storageTables, scope).pipe(
            Effect.ensuring(Effect.ignore(session.executeRaw(`SELECT pg_advisory_unlock(${startupLock})`, [])))
          )
        }))
      })),
    orElse: () => storageTables
  })))

/** The advisory lock key of shard 1 (`SqlRunnerStorage`: a million per shard group, plus the shard). */
export const firstShardLock = 1_000_001

/** The advisory lock key held while the cluster's tables are created. */
const startupLock = 87_450_001

/**
 * On PostgreSQL: how many database sessions (one per runner) hold shard locks, and how
 * many shards are held (every one, `shardsPerGroup`, once the runners have settled).
 */
export const shardHolders = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly runners: number; readonly shards: number }>`
    SELECT COUNT(DISTINCT pid)::int AS runners, COUNT(*)::int AS shards FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND objsubid = 1
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND objid BETWEEN ${firstShardLock} AND ${firstShardLock + shardsPerGroup - 1}`).pipe(
    Effect.map((rows) => rows[0]),
    Effect.orDie
  )
