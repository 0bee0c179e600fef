/**
 * The embedded SQLite database: WAL journal, synchronous FULL (a commit is on disk
 * before it is acknowledged), foreign keys on, a busy timeout. The file's directory is
 * created when missing.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ServerConfig } from "./ServerConfig.js"

const pragmas = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe("PRAGMA synchronous = FULL")
  yield* sql.unsafe("PRAGMA foreign_keys = ON")
  yield* sql.unsafe("PRAGMA busy_timeout = 5000")
}).pipe(Effect.orDie))

export const layerSqlite = (filename: string): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient> =>
  pragmas.pipe(
    Layer.provideMerge(
      Layer.unwrapEffect(Effect.sync(() => {
        if (filename !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true })
        return SqliteClient.layer({ filename })
      }))
    ),
    Layer.orDie
  )

/** The database named by the server's configuration. */
export const layer = Layer.unwrapEffect(Effect.map(ServerConfig, (config) => layerSqlite(config.database)))
