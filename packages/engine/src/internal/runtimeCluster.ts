/**
 * The durable runtime's substrate: `@effect/cluster`'s workflow engine over a single
 * runner whose message and runner storage are SQL tables (`cluster_*`) on weft's own
 * SqlClient, in the same database as the resources.
 *
 * This is `SingleRunner.layer` spelled out, with one difference: the sharding
 * configuration is given here instead of read from the environment (that reader takes
 * plain `HOST`, `PORT`, … variables, which belong to whatever else runs on the machine).
 */
import {
  ClusterWorkflowEngine,
  RunnerHealth,
  Runners,
  Sharding,
  ShardingConfig,
  SqlMessageStorage,
  SqlRunnerStorage
} from "@effect/cluster"
import type { SqlClient } from "@effect/sql"
import type { WorkflowEngine } from "@effect/workflow"
import { Duration, Layer } from "effect"

export interface ClusterOptions {
  /** How often the runner reads storage for due timers and unseen messages. */
  readonly pollInterval: Duration.DurationInput
}

/**
 * Shards of the single runner. Fixed once runs are stored (a message's shard is stored
 * with it), so it is a constant, not a setting; few shards keep the storage poll small.
 */
export const shardsPerGroup = 32

export const shardingConfig = (options: ClusterOptions) =>
  ShardingConfig.layer({
    shardsPerGroup,
    entityMessagePollInterval: options.pollInterval,
    // A run that is still running at shutdown is resumed from its journal at the next
    // start; there is no reason to hold shutdown for it.
    entityTerminationTimeout: Duration.seconds(2),
    // An idle workflow entity (a run parked in WAIT) leaves memory after this long.
    entityMaxIdleTime: Duration.seconds(30)
  })

/** Sharding of one runner, with its storage on the SqlClient. */
export const sharding = (options: ClusterOptions): Layer.Layer<
  Sharding.Sharding | WorkflowEngine.WorkflowEngine,
  never,
  SqlClient.SqlClient
> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(Sharding.layer),
    Layer.provide(Runners.layerNoop),
    Layer.provideMerge(SqlMessageStorage.layer),
    Layer.provide([Layer.orDie(SqlRunnerStorage.layer), RunnerHealth.layerNoop]),
    Layer.provide(shardingConfig(options))
  ) as Layer.Layer<Sharding.Sharding | WorkflowEngine.WorkflowEngine, never, SqlClient.SqlClient>
