/**
 * The databases tests run on: SQLite in memory always, and PostgreSQL when
 * `WEFT_TEST_PG` names a server (`postgres://user@host:port/database`). Each build of a
 * layer is a new, empty database: for PostgreSQL a schema of its own, created on the
 * server and dropped with everything in it when the layer is released, so tests run side
 * by side on one server without seeing each other's rows.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Redacted } from "effect"
import { ulid } from "ulid"

export type Backend = "sqlite" | "pg"

/** The PostgreSQL server the PostgreSQL suites run against, if any (`WEFT_TEST_PG`). */
export const pgUrl: string | undefined = process.env.WEFT_TEST_PG === "" ? undefined : process.env.WEFT_TEST_PG

/** The backends a suite runs on here: SQLite, and PostgreSQL when `WEFT_TEST_PG` is set. */
export const backends: ReadonlyArray<Backend> = pgUrl === undefined ? ["sqlite"] : ["sqlite", "pg"]

/** `url` with its sessions' `search_path` set to `schema` (PostgreSQL's `options` startup parameter). */
export const urlWithSchema = (url: string, schema: string): string => {
  const target = new URL(url)
  target.searchParams.set("options", `-c search_path=${schema}`)
  return target.toString()
}

const admin = (url: string, statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })),
    Effect.orDie
  )

/**
 * A fresh schema on the server at `url`: created when the layer is built, dropped (with
 * its tables) when it is released. Answers its name and the URL that uses it.
 */
export const freshSchema = (url: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const schema = `weft_test_${ulid().toLowerCase()}`
      yield* admin(url, `CREATE SCHEMA ${schema}`)
      return { schema, url: urlWithSchema(url, schema) } as const
    }),
    ({ schema }) => admin(url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  )

/**
 * A fresh database on the server at `url`, for tests of what PostgreSQL scopes to a
 * database rather than to a schema (advisory locks, notifications): created now, dropped
 * (its sessions ended) when the scope closes. Answers its URL.
 */
export const freshDatabase = (url: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const name = `weft_test_${ulid().toLowerCase()}`
      yield* admin(url, `CREATE DATABASE ${name}`)
      return name
    }),
    (name) => admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  ).pipe(Effect.map((name) => {
    const target = new URL(url)
    target.pathname = `/${name}`
    return target.toString()
  }))

/** A PostgreSQL client on a fresh schema of the server at `url` (default `WEFT_TEST_PG`). */
export const layerPg = (url: string | undefined = pgUrl): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    if (url === undefined) return yield* Effect.dieMessage("WEFT_TEST_PG is not set: no PostgreSQL server to test on")
    const fresh = yield* freshSchema(url)
    return PgClient.layer({ url: Redacted.make(fresh.url) })
  })).pipe(Layer.orDie)

/** An empty in-memory SQLite database. */
export const layerSqlite: Layer.Layer<SqlClient.SqlClient> = SqliteClient.layer({ filename: ":memory:" }).pipe(
  Layer.orDie
)

/** A fresh, empty database of `backend`. */
export const layer = (backend: Backend): Layer.Layer<SqlClient.SqlClient> =>
  backend === "pg" ? layerPg() : layerSqlite
