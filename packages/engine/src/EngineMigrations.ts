/**
 * The engine's migration set. Its tables: the recorded waits of LISTEN and RUN
 * (`engine_waits`), and an index on the cluster's messages, which are looked up by run
 * when a journal is deleted.
 */
import { ShardingConfig, Snowflake, SqlMessageStorage } from "@effect/cluster"
import { Migrations } from "@weft/resource"
import { Effect } from "effect"
import pg_cluster_messages_entity_index from "./migrations/pg/0001_cluster_messages_entity_index.js"
import pg_create_engine_waits from "./migrations/pg/0002_create_engine_waits.js"
import cluster_messages_entity_index from "./migrations/sqlite/0001_cluster_messages_entity_index.js"
import create_engine_waits from "./migrations/sqlite/0002_create_engine_waits.js"

/**
 * The cluster's message storage creates its tables with its own migrator when it is made
 * (nothing else runs meanwhile: no fibers, no reads): made once, in a scope closed at once,
 * before the engine's set, whose first migration indexes one of them.
 */
const clusterTables = Effect.scoped(SqlMessageStorage.make()).pipe(
  Effect.provide(Snowflake.layerGenerator),
  Effect.provide(ShardingConfig.layer()),
  Effect.asVoid
)

/** Compose it with the app's other sets (`Weft.migrations` lists them all): the cluster's own tables are created first. */
export const EngineMigrations = Migrations.make("engine", {
  sqlite: {
    "0001_cluster_messages_entity_index": cluster_messages_entity_index,
    "0002_create_engine_waits": create_engine_waits
  },
  pg: {
    "0001_cluster_messages_entity_index": pg_cluster_messages_entity_index,
    "0002_create_engine_waits": pg_create_engine_waits
  }
}, { prepare: clusterTables })
