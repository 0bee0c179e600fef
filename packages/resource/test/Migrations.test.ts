import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Effect, Option, Redacted } from "effect"
import { Migrations, ResourceStore, TestDatabase } from "../src/index.js"
import { fake, FakeMigrations, SqliteLive, StoreLive, table } from "./fixtures.js"

const columnsOf = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ name: string; notnull: number; pk: number }>`SELECT name, "notnull", pk FROM pragma_table_info(${name})`)

const indexesOf = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ name: string; unique: number }>`SELECT name, "unique" FROM pragma_index_list(${name})`)

const tablesNamed = (names: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND ${sql.in("name", names)} ORDER BY name`)
    .pipe(Effect.map((rows) => rows.map((r) => r.name)))

const recorded = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM ${sql(table)} ORDER BY migration_id`)

const set = (name: string, sqlite: Migrations.Migrations, pg?: Migrations.Migrations) =>
  Migrations.make(name, pg === undefined ? { sqlite } : { sqlite, pg })

describe("Migrations", () => {
  it.effect("run applies a set's SQL once, recorded in the set's own table", () =>
    Effect.gen(function*() {
      const first = yield* Migrations.run([FakeMigrations])
      assert.deepStrictEqual(first, ["fake/0001_create_fake_executions"])
      assert.deepStrictEqual(yield* Migrations.run([FakeMigrations]), [])
      assert.deepStrictEqual(yield* recorded("weft_migrations_fake"), [
        { migration_id: 1, name: "create_fake_executions" }
      ])
      const columns = yield* columnsOf("workflow_executions")
      assert.deepStrictEqual(
        columns.map((c) => c.name),
        ["id", "org", "slug", "version", "created_at", "updated_at", "doc", "phase", "workflow_id"]
      )
      const indexes = new Map((yield* indexesOf("workflow_executions")).map((i) => [i.name, i.unique]))
      assert.strictEqual(indexes.get("workflow_executions_org_slug"), 1)
      assert.strictEqual(indexes.get("workflow_executions_phase"), 0)
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("runs a set's migrations in id order, whatever order they are listed in", () =>
    Effect.gen(function*() {
      const applied = yield* Migrations.run([
        set("ordered", {
          "0002_add_b": ["ALTER TABLE a ADD COLUMN b TEXT"],
          "0001_create_a": ["CREATE TABLE a (x TEXT)"]
        })
      ])
      assert.deepStrictEqual(applied, ["ordered/0001_create_a", "ordered/0002_add_b"])
      assert.deepStrictEqual((yield* columnsOf("a")).map((c) => c.name), ["x", "b"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("applies only what is new to a database migrated before", () =>
    Effect.gen(function*() {
      const v1 = set("growing", { "0001_create_a": ["CREATE TABLE a (x TEXT)"] })
      yield* Migrations.run([v1])
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO a (x) VALUES ('kept')`
      const v2 = set("growing", { ...v1.dialects.sqlite, "0002_add_b": ["ALTER TABLE a ADD COLUMN b TEXT DEFAULT 'new'"] })
      assert.deepStrictEqual(yield* Migrations.run([v2]), ["growing/0002_add_b"])
      assert.deepStrictEqual(yield* sql`SELECT x, b FROM a`, [{ x: "kept", b: "new" }])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("each set keeps its own table, so ids do not shadow each other", () =>
    Effect.gen(function*() {
      const applied = yield* Migrations.run([
        set("first", { "0001_a": ["CREATE TABLE a (x TEXT)"], "0002_b": ["CREATE TABLE b (x TEXT)"] }),
        // A second set starting at id 1 still runs.
        set("second", { "0001_c": ["CREATE TABLE c (x TEXT)"] })
      ])
      assert.deepStrictEqual(applied, ["first/0001_a", "first/0002_b", "second/0001_c"])
      assert.deepStrictEqual(yield* tablesNamed(["a", "b", "c"]), ["a", "b", "c"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a failing migration is a defect and leaves nothing behind", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Migrations.run([set("broken", { "0001_bad": ["CREATE TABLE half (x TEXT)", "CREATE TABLE nope ("] })])
      )
      assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die")
      assert.deepStrictEqual(yield* tablesNamed(["half"]), [])
      assert.deepStrictEqual(yield* recorded("weft_migrations_broken"), [])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a set's prepare runs first, every time: its migrations may use what it creates", () =>
    Effect.gen(function*() {
      let prepared = 0
      const library = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.sync(() => prepared++).pipe(Effect.zipRight(sql`CREATE TABLE IF NOT EXISTS library_items (id TEXT)`))).pipe(Effect.orDie, Effect.asVoid)
      const indexing = Migrations.make("indexing", {
        sqlite: { "0001_index_library_items": ["CREATE INDEX library_items_id ON library_items (id)"] }
      }, { prepare: library })
      assert.deepStrictEqual(yield* Migrations.run([indexing]), ["indexing/0001_index_library_items"])
      assert.deepStrictEqual(yield* Migrations.run([indexing]), [])
      assert.strictEqual(prepared, 2)
      assert.deepStrictEqual((yield* indexesOf("library_items")).map((i) => i.name), ["library_items_id"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a set composed twice is a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Migrations.run([FakeMigrations, FakeMigrations]))
      assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die")
    }).pipe(Effect.provide(SqliteLive)))

  it("make refuses a key that is not NNNN_snake_case", () => {
    assert.throws(() => set("bad", { "1_create": ["SELECT 1"] }), /NNNN_snake_case/)
    assert.throws(() => set("bad", { "0001-create": ["SELECT 1"] }), /NNNN_snake_case/)
  })

  it.effect("picks the client's dialect: SQLite runs the sqlite set, never the pg one", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const both = set("dialects", { "0001_a": ["CREATE TABLE lite_a (x TEXT)"] }, {
        "0001_a": ["CREATE TABLE pg_a (x text)"]
      })
      assert.deepStrictEqual(Migrations.forDialect(sql, both), both.dialects.sqlite)
      yield* Migrations.run([both])
      assert.deepStrictEqual(yield* tablesNamed(["lite_a", "pg_a"]), ["lite_a"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("ResourceStore.layerTest migrates a fresh database for the store", () =>
    Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      const r = yield* store.insert(table, fake({ slug: "migrated" }))
      assert.deepStrictEqual(yield* store.get(table, r.metadata.id), Option.some(r))
    }).pipe(Effect.provide(StoreLive)))
})

describe("Migrations.pending", () => {
  it.effect("names what is not applied yet, and nothing once the sets are migrated", () =>
    Effect.gen(function*() {
      const two = set("pending", { "0001_a": ["CREATE TABLE a (x TEXT)"], "0002_b": ["CREATE TABLE b (x TEXT)"] })
      assert.deepStrictEqual(yield* Migrations.pending([two]), ["pending/0001_a", "pending/0002_b"])
      yield* Migrations.run([set("pending", { "0001_a": ["CREATE TABLE a (x TEXT)"] })])
      assert.deepStrictEqual(yield* Migrations.pending([two]), ["pending/0002_b"])
      yield* Migrations.run([two])
      assert.deepStrictEqual(yield* Migrations.pending([two]), [])
    }).pipe(Effect.provide(SqliteLive)))
})

describe.runIf(TestDatabase.pgUrl !== undefined)("Migrations on PostgreSQL", () => {
  const schemaTables = (sql: SqlClient.SqlClient) =>
    sql<{ tablename: string }>`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
      .pipe(Effect.map((rows) => rows.map((r) => r.tablename)))

  it.live("replicas starting at once on one database: the migrations are applied once, under the advisory lock", () =>
    Effect.gen(function*() {
      const fresh = yield* TestDatabase.freshSchema(TestDatabase.pgUrl!)
      const sets = [
        FakeMigrations,
        set("second", { "0001_c": ["CREATE TABLE c (x TEXT)"] }, { "0001_c": ["CREATE TABLE c (x text)"] })
      ]
      // Five clients, as five replicas would be: each its own pool on the same schema.
      const replica = Migrations.run(sets).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(fresh.url) })),
        Effect.orDie
      )
      const applied = yield* Effect.all(Array.from({ length: 5 }, () => replica), { concurrency: "unbounded" })
      // Exactly one replica applied them all; the others found nothing left to do.
      assert.deepStrictEqual(applied.filter((a) => a.length > 0), [["fake/0001_create_fake_executions", "second/0001_c"]])
      const tables = yield* Effect.flatMap(SqlClient.SqlClient, schemaTables).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(fresh.url) })),
        Effect.orDie
      )
      assert.deepStrictEqual(tables, ["c", "weft_migrations_fake", "weft_migrations_second", "workflow_executions"])
      const pending = yield* Migrations.pending(sets).pipe(
        Effect.provide(PgClient.layer({ url: Redacted.make(fresh.url) })),
        Effect.orDie
      )
      assert.deepStrictEqual(pending, [])
    }).pipe(Effect.scoped))

  it.effect("a set without PostgreSQL migrations is a defect on PostgreSQL", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Migrations.run([set("lite_only", { "0001_a": ["CREATE TABLE a (x TEXT)"] })]))
      assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die")
    }).pipe(Effect.provide(TestDatabase.layerPg())))
})
