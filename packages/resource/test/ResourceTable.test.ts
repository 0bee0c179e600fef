import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Migrations, ResourceKind, ResourceStore, ResourceTable } from "../src/index.js"
import { fake, type FakeExecution, SqliteLive, table } from "./fixtures.js"

const columnsOf = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ name: string; notnull: number; pk: number }>`SELECT name, "notnull", pk FROM pragma_table_info(${name})`)

const indexesOf = (name: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ name: string; unique: number }>`SELECT name, "unique" FROM pragma_index_list(${name})`)

describe("ResourceTable.make", () => {
  it("turns the column getters into columns, with undefined read as null", () => {
    const t = ResourceTable.make<FakeExecution>(ResourceKind.WorkflowExecution, {
      phase: (r) => r.status.phase,
      note: (r) => r.spec.note
    })
    assert.strictEqual(t.kind, ResourceKind.WorkflowExecution)
    assert.deepStrictEqual(t.columns.map((c) => c.name), ["phase", "note"])
    const r = fake({ phase: "EXECUTION_FAILED" })
    assert.strictEqual(t.columns[0].get(r), "EXECUTION_FAILED")
    assert.isNull(t.columns[1].get(r))
  })

  it("has no extra columns by default", () => {
    assert.deepStrictEqual(ResourceTable.make(ResourceKind.Workflow).columns, [])
  })
})

describe("ResourceTable.createTable", () => {
  it.effect("creates the base columns, the extra ones and the indexes", () =>
    Effect.gen(function*() {
      yield* ResourceTable.createTable(table)
      const columns = yield* columnsOf("workflow_executions")
      assert.deepStrictEqual(
        columns.map((c) => c.name),
        ["id", "org", "slug", "version", "created_at", "updated_at", "doc", "phase", "workflow_id"]
      )
      assert.strictEqual(columns.find((c) => c.name === "id")?.pk, 1)
      for (const name of ["org", "slug", "version", "created_at", "updated_at", "doc"]) {
        assert.strictEqual(columns.find((c) => c.name === name)?.notnull, 1, name)
      }
      const indexes = yield* indexesOf("workflow_executions")
      const byName = new Map(indexes.map((i) => [i.name, i.unique]))
      assert.strictEqual(byName.get("workflow_executions_org_slug"), 1)
      assert.strictEqual(byName.get("workflow_executions_phase"), 0)
      assert.strictEqual(byName.get("workflow_executions_workflow_id"), 0)
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("is idempotent", () =>
    Effect.gen(function*() {
      yield* ResourceTable.createTable(table)
      yield* ResourceTable.createTable(table)
      assert.strictEqual((yield* columnsOf("workflow_executions")).length, 9)
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("enforces unique (org, slug)", () =>
    Effect.gen(function*() {
      yield* ResourceTable.createTable(table)
      const sql = yield* SqlClient.SqlClient
      const insert = (id: string, org: string, slug: string) =>
        sql`INSERT INTO workflow_executions ${
          sql.insert({ id, org, slug, version: 1, created_at: "t", updated_at: "t", doc: "{}" })
        }`
      yield* insert("wex-1", "", "a")
      yield* insert("wex-2", "other", "a")
      const result = yield* Effect.either(insert("wex-3", "", "a"))
      assert.isTrue(result._tag === "Left")
    }).pipe(Effect.provide(SqliteLive)))
})

describe("Migrations", () => {
  const migrations = { "0001_executions": ResourceTable.createTable(table) }

  it.effect("run applies the migrations once, recorded in the package's own table", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const first = yield* Migrations.run("testpkg", migrations)
      assert.deepStrictEqual(first.map(([id, name]) => [id, name]), [[1, "executions"]])
      const again = yield* Migrations.run("testpkg", migrations)
      assert.deepStrictEqual(again, [])
      const rows = yield* sql<{ migration_id: number }>`SELECT migration_id FROM weft_migrations_testpkg`
      assert.deepStrictEqual(rows.map((r) => r.migration_id), [1])
      assert.strictEqual((yield* columnsOf("workflow_executions")).length, 9)
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("each package keeps its own migrations table, so ids do not shadow each other", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* Migrations.run("first", {
        "0001_a": sql`CREATE TABLE a (x TEXT)`.pipe(Effect.asVoid),
        "0002_b": sql`CREATE TABLE b (x TEXT)`.pipe(Effect.asVoid)
      })
      // A second package starting at id 1 still runs.
      const applied = yield* Migrations.run("second", { "0001_c": sql`CREATE TABLE c (x TEXT)`.pipe(Effect.asVoid) })
      assert.strictEqual(applied.length, 1)
      const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('a', 'b', 'c') ORDER BY name`
      assert.deepStrictEqual(tables.map((t) => t.name), ["a", "b", "c"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a failing migration is a defect", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const exit = yield* Effect.exit(
        Migrations.run("broken", { "0001_bad": sql`CREATE TABLE nope (`.pipe(Effect.asVoid) })
      )
      assert.isTrue(exit._tag === "Failure" && exit.cause._tag === "Die")
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("layer runs the migrations when built, ready for the store", () =>
    Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      const r = yield* store.insert(table, fake({ slug: "migrated" }))
      assert.deepStrictEqual(yield* store.get(table, r.metadata.id), Option.some(r))
    }).pipe(
      Effect.provide(
        ResourceStore.layer.pipe(
          Layer.provideMerge(Migrations.layer("testpkg", migrations)),
          Layer.provideMerge(SqliteLive)
        )
      )
    ))
})
