/**
 * The services composed as the server composes them (`Weft`), with the engine over a given
 * interpreter, on a database of either backend that outlives one engine (a SQLite file,
 * or a PostgreSQL database), so that a test can stop the engine and start another on
 * the same data.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { SecretBox, TestDatabase } from "@weft/resource"
import { ExecutionRunner } from "@weft/workflowexecution"
import { Duration, Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as EngineConfig from "../../src/EngineConfig.js"
import type { Interpret } from "../../src/internal/durableWorkflow.js"
import * as Weft from "../../src/Weft.js"

/** One key for the whole test file, so an engine restarted on the same data opens what it sealed. */
export const secretBox = SecretBox.layer({ current: randomBytes(32) })

export const services = <A, E, R>(runner: Layer.Layer<A | ExecutionRunner.ExecutionRunner, E, R>) =>
  Weft.layer(runner).pipe(Layer.provideMerge(secretBox))

const isPostgres = (location: string) => location.startsWith("postgres://")

/** A client of the database at `location`: a PostgreSQL URL, else a SQLite file. */
export const client = (location: string): Layer.Layer<SqlClient.SqlClient> =>
  isPostgres(location)
    ? PgClient.layer({ url: Redacted.make(location) }).pipe(Layer.orDie)
    : SqliteClient.layer({ filename: location }).pipe(Layer.orDie)

/** Services and engine over `interpret`, on the database at `location`. */
export const withEngine = (location: string, interpret: Interpret<never>) =>
  Weft.layerWithEngine(interpret).pipe(
    Layer.provideMerge(secretBox),
    Layer.provide(EngineConfig.layer({ pollInterval: Duration.millis(200) })),
    Layer.provideMerge(client(location))
  )

/** Services with no runner (`WEFT_RUNNER=none`), on the database at `location`. */
export const withoutEngine = (location: string) =>
  services(ExecutionRunner.layerNoop).pipe(Layer.provideMerge(client(location)))

/**
 * A fresh database of `backend`, removed with the scope; answers its location: a file in
 * a temporary directory, or a PostgreSQL database of its own (the engine's shard locks
 * and notifications are scoped to a database, not a schema).
 */
export const tempDatabase = (backend: TestDatabase.Backend) =>
  backend === "pg"
    ? TestDatabase.freshDatabase(TestDatabase.pgUrl!)
    : Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-engine-"))),
      (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
    ).pipe(Effect.map((dir) => path.join(dir, "weft.db")))

/**
 * Everything the database at `location` holds, as text: the SQLite file and its WAL as
 * a disk holds them, or every row of every table of the PostgreSQL database.
 */
export const storedText = (location: string) =>
  isPostgres(location)
    ? Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.gen(function*() {
        const tables = yield* sql<{ readonly name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
        const rows = yield* Effect.forEach(tables, ({ name }) =>
          sql<{ readonly row: string }>`SELECT t::text AS row FROM ${sql(name)} t`)
        return rows.flat().map((r) => r.row).join("")
      })).pipe(Effect.orDie)
    : Effect.sync(() =>
      [location, `${location}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString("latin1"))
        .join("")
    )
