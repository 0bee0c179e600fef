/**
 * Versioned, frozen SQL migrations, one set per package and one list per dialect.
 *
 * A package's migrations live in `src/migrations/<dialect>/NNNN_<name>.ts`, each file
 * exporting its statements as literal SQL text (never generated from code: a migration
 * is what the database was changed with at the time, whatever the code says later).
 * The package gathers them into a `MigrationSet` with `make`. An app applies every set it
 * composes with ONE `layer([...sets])`, built once; services never run migrations.
 *
 * Each set keeps its own table (`weft_migrations_<set name>`): `@effect/sql`'s Migrator
 * skips ids lower than the latest one applied, so per-set tables let packages number
 * their migrations independently and be composed in any order.
 */
import { Migrator, SqlClient, type SqlError } from "@effect/sql"
import { Effect, Layer } from "effect"

/** One migration: its SQL statements, run in order in one transaction. */
export type Statements = ReadonlyArray<string>

/** Migrations keyed `NNNN_<name>` (the Migrator's id and name). */
export type Migrations = { readonly [idAndName: string]: Statements }

export type Dialect = "sqlite" | "pg"

export interface MigrationSet {
  /** Names the table `weft_migrations_<name>`. */
  readonly name: string
  readonly dialects: { readonly sqlite: Migrations; readonly pg?: Migrations | undefined }
  /**
   * Run (under the same lock) before the set's migrations, every time: for a set whose
   * migrations refer to tables a library creates with its own migrator.
   */
  readonly prepare?: Effect.Effect<void, never, SqlClient.SqlClient> | undefined
}

export const make = (
  name: string,
  dialects: MigrationSet["dialects"],
  options: { readonly prepare?: MigrationSet["prepare"] } = {}
): MigrationSet => {
  for (const migrations of Object.values(dialects)) {
    if (migrations === undefined) continue
    for (const key of Object.keys(migrations)) {
      if (!/^\d{4}_[a-z0-9_]+$/.test(key)) throw new Error(`migration ${name}/${key}: name it NNNN_snake_case`)
    }
  }
  return { name, dialects, prepare: options.prepare }
}

/** The table a set's applied migrations are recorded in. */
export const tableOf = (set: MigrationSet): string => `weft_migrations_${set.name}`

const loader = (set: MigrationSet, migrations: Migrations): Migrator.Loader =>
  Effect.succeed(
    Object.entries(migrations)
      .map(([key, statements]): Migrator.ResolvedMigration => {
        const [, id, name] = key.match(/^(\d+)_(.+)$/)!
        const run = Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.forEach(statements, (statement) => sql.unsafe(statement), { discard: true }))
        return [Number(id), name, Effect.succeed(run)]
      })
      .sort(([a], [b]) => a - b)
  ).pipe(Effect.withSpan("Migrations.load", { attributes: { set: set.name }, captureStackTrace: false }))

/** The set's migrations for the client's dialect; a dialect the set has none for is a defect. */
export const forDialect = (sql: SqlClient.SqlClient, set: MigrationSet): Migrations =>
  sql.onDialectOrElse({
    sqlite: () => set.dialects.sqlite,
    pg: () => {
      if (set.dialects.pg === undefined) throw new Error(`migrations ${set.name}: no PostgreSQL migrations`)
      return set.dialects.pg
    },
    orElse: () => {
      throw new Error(`migrations ${set.name}: only SQLite and PostgreSQL are supported`)
    }
  })

/**
 * The advisory lock (`pg_advisory_lock(weft, 1)`) that replicas starting together on one
 * PostgreSQL database take around their migrations: the first applies them, the others
 * wait for it and then find nothing to do.
 */
export const advisoryLockKey = [0x77656674, 1] as const

/**
 * Runs `effect` holding PostgreSQL's session-level advisory lock `key` on a connection
 * reserved for it, released (and the connection returned) when `effect` ends. On SQLite,
 * where one process owns the database, it only runs `effect`.
 */
export const withAdvisoryLock = (key: readonly [number, number]) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.onDialectOrElse({
      pg: () =>
        Effect.scoped(Effect.gen(function*() {
          const connection = yield* sql.reserve
          yield* Effect.acquireRelease(
            connection.executeUnprepared("SELECT pg_advisory_lock($1, $2)", key, undefined),
            () => Effect.ignore(connection.executeUnprepared("SELECT pg_advisory_unlock($1, $2)", key, undefined))
          )
          return yield* effect
        })),
      orElse: () => effect
    }))

/**
 * Applies every set in order (each set's new migrations in id order); answers what was
 * applied, as `<set>/<id>_<name>`. A failing migration is a defect: the app does not start.
 * On PostgreSQL the whole run holds `advisoryLockKey`, so replicas never migrate at once.
 */
export const run = (sets: ReadonlyArray<MigrationSet>): Effect.Effect<ReadonlyArray<string>, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const names = new Set<string>()
    const applied: Array<string> = []
    for (const set of sets) {
      if (names.has(set.name)) return yield* Effect.dieMessage(`migrations ${set.name}: composed twice`)
      names.add(set.name)
      const migrations = yield* Effect.try({ try: () => forDialect(sql, set), catch: (e) => e }).pipe(Effect.orDie)
      if (set.prepare !== undefined) yield* set.prepare
      const done = yield* Migrator.make({})({ loader: loader(set, migrations), table: tableOf(set) })
      for (const [id, name] of done) applied.push(`${set.name}/${String(id).padStart(4, "0")}_${name}`)
    }
    return applied
  }).pipe(withAdvisoryLock(advisoryLockKey), Effect.orDie, Effect.withSpan("Migrations.run", { captureStackTrace: false }))

/**
 * The sets' migrations not applied yet to the database (`<set>/<id>_<name>`), read
 * without taking the lock: empty once the database is fully migrated.
 */
export const pending = (sets: ReadonlyArray<MigrationSet>): Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const missing: Array<string> = []
    for (const set of sets) {
      const migrations = yield* Effect.try({ try: () => forDialect(sql, set), catch: (e) => e }).pipe(Effect.orDie)
      const applied = yield* appliedIds(sql, tableOf(set))
      for (const key of Object.keys(migrations).sort()) {
        if (!applied.has(Number(key.slice(0, 4)))) missing.push(`${set.name}/${key}`)
      }
    }
    return missing
  })

/** The ids recorded in a set's table; none when the table does not exist yet. */
const appliedIds = (sql: SqlClient.SqlClient, table: string) =>
  Effect.gen(function*() {
    const exists = yield* sql.onDialectOrElse({
      pg: () => sql<{ found: string | null }>`SELECT to_regclass(${table})::text AS found`,
      orElse: () => sql<{ found: string | null }>`SELECT name AS found FROM sqlite_master WHERE type = 'table' AND name = ${table}`
    })
    if (exists.length === 0 || exists[0]!.found === null) return new Set<number>()
    const rows = yield* sql<{ migration_id: number }>`SELECT migration_id FROM ${sql(table)}`
    return new Set(rows.map((row) => Number(row.migration_id)))
  })

/** A Layer that applies `sets` when it is built: compose it once, under the services. */
export const layer = (sets: ReadonlyArray<MigrationSet>): Layer.Layer<never, never, SqlClient.SqlClient> =>
  Layer.effectDiscard(run(sets))
