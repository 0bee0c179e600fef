/**
 * The database: PostgreSQL when `WEFT_DB` is a `postgres://` URL (several servers may
 * share it), else the embedded SQLite database.
 *
 * SQLite: WAL journal, synchronous FULL (a commit is on disk
 * before it is acknowledged), foreign keys on, a busy timeout. The file's directory is
 * created when missing.
 *
 * One server owns a database file: the connection takes SQLite's exclusive lock at
 * start and holds it, so a second server started on the same file fails at once with a
 * clear message instead of sharing it.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Weft } from "@weft/engine"
import type { SecretBox } from "@weft/resource"
import { Cause, Data, Effect, Layer, Redacted } from "effect"
import Sqlite from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import * as SecretKeys from "./SecretKeys.js"
import { ServerConfig } from "./ServerConfig.js"

export class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{
  readonly message: string
}> {}

const pragmas = (filename: string) => Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  if (filename !== ":memory:") {
    yield* sql.unsafe("PRAGMA locking_mode = EXCLUSIVE")
    yield* sql.unsafe("BEGIN IMMEDIATE")
    yield* sql.unsafe("COMMIT")
  }
  yield* sql.unsafe("PRAGMA synchronous = FULL")
  yield* sql.unsafe("PRAGMA foreign_keys = ON")
  yield* sql.unsafe("PRAGMA busy_timeout = 5000")
}))

/** Fails at once (no busy wait) when another process holds the file's lock. */
const probeLock = (filename: string) => {
  const probe = new Sqlite(filename, { timeout: 0 })
  try {
    probe.exec("BEGIN IMMEDIATE; COMMIT")
  } finally {
    probe.close()
  }
}

const describe = (filename: string, cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause) as { readonly cause?: { readonly code?: string; readonly message?: string }; readonly code?: string; readonly message?: string }
  const code = error.cause?.code ?? error.code
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
    ? `database ${filename} is in use by another weft server (one server per SQLite file)`
    : `cannot open database ${filename}: ${error.cause?.message ?? error.message ?? String(error)}`
}

/**
 * The SQLite database `filename`, and the SecretBox over the keys `secrets` names (by
 * default the key file beside the database, generated at the first start: see `SecretKeys`).
 */
export const layerSqlite = (
  filename: string,
  secrets: Omit<SecretKeys.KeySettings, "database"> = {}
): Layer.Layer<
  SqlClient.SqlClient | SqliteClient.SqliteClient | SecretBox.SecretBox,
  DatabaseUnavailable | SecretKeys.SecretKeyUnavailable
> =>
  pragmas(filename).pipe(
    Layer.provideMerge(
      Layer.unwrapEffect(Effect.sync(() => {
        if (filename !== ":memory:") {
          fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true })
          probeLock(filename)
        }
        return SqliteClient.layer({ filename })
      }))
    ),
    Layer.catchAllCause((cause) => Layer.fail(new DatabaseUnavailable({ message: describe(filename, cause) }))),
    Layer.merge(SecretKeys.layer({ database: filename, ...secrets }))
  )

/** Whether `WEFT_DB` names a PostgreSQL database (`postgres://…` or `postgresql://…`). */
export const isPostgresUrl = (database: string): boolean => /^postgres(ql)?:\/\//i.test(database)

/** The URL without its password, for messages. */
const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "the PostgreSQL URL in WEFT_DB"
  }
}

/**
 * A PostgreSQL database several servers may share (`@effect/sql-pg`, a pool of
 * connections); fails with a one-line reason when the server cannot be reached. The
 * sessions show in `pg_stat_activity` as `weft <runner name>` (`WEFT_RUNNER_ADDRESS`),
 * so an operator sees which replica holds what.
 */
export const layerPostgres = (
  url: string,
  runner: { readonly host: string; readonly port: number }
): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, DatabaseUnavailable> =>
  PgClient.layer({ url: Redacted.make(url), applicationName: `weft ${runner.host}:${runner.port}` }).pipe(
    Layer.catchAllCause((cause) => {
      const error = Cause.squash(cause) as { readonly cause?: { readonly message?: string }; readonly message?: string }
      const reason = error.cause?.message ?? error.message ?? String(error)
      return Layer.fail(new DatabaseUnavailable({ message: `cannot connect to ${redactUrl(url)}: ${reason}` }))
    })
  )

/**
 * The database named by the server's configuration (PostgreSQL for a `postgres://` URL,
 * else a SQLite file), and the SecretBox over the configured keys.
 */
export const layer: Layer.Layer<
  SqlClient.SqlClient | SecretBox.SecretBox,
  DatabaseUnavailable | SecretKeys.SecretKeyUnavailable,
  ServerConfig
> = Layer.unwrapEffect(
  Effect.map(ServerConfig, (config) =>
    isPostgresUrl(config.database)
      ? Layer.merge(layerPostgres(config.database, config.engine.runnerAddress), SecretKeys.layer(config))
      : layerSqlite(config.database, config))
)

/** Every migration set the app applies, in order: the services' (see `Weft` in `@weft/engine`). */
export const migrations = Weft.migrations

/** Applies `migrations` once, when the app's layers are built, before any service. */
export const MigrationsLive = Weft.MigrationsLive
