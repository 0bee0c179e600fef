/**
 * PostgreSQL for tests: the server at `WEFT_TEST_PG` (or `WEFT_TEST_PG_URL`; default the local one), whether
 * it answers, and fresh databases on it, dropped with the scope.
 */
import { Reactivity } from "@effect/experimental"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"

export const serverUrl = process.env.WEFT_TEST_PG || process.env.WEFT_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres"

const withDatabase = (name: string) => {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const admin = (statement: string) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(serverUrl), maxConnections: 1 }), (sql) =>
    sql.unsafe(statement))).pipe(Effect.provide(Reactivity.layer))

/** Whether a PostgreSQL server answers at `serverUrl` (within 3 s). */
export const available: Promise<boolean> = Effect.runPromise(
  admin("SELECT 1").pipe(Effect.timeout("3 seconds"), Effect.as(true), Effect.catchAllCause(() => Effect.succeed(false)))
)

/** The note a suite skipped for want of a server prints. */
export const skipNote = `PostgreSQL tests skipped: no server answers at ${new URL(serverUrl).host} (set WEFT_TEST_PG_URL)`

/** A fresh database: its URL, the database dropped (its sessions ended) when the scope closes. */
export const freshDatabase = Effect.acquireRelease(
  Effect.gen(function*() {
    const name = `weft_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    yield* admin(`CREATE DATABASE ${name}`)
    return name
  }),
  (name) => Effect.ignore(admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
).pipe(Effect.map(withDatabase), Effect.orDie)

/** A client layer on the database at `url` (each call its own pool, as a separate server would have). */
export const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 8 })
