/**
 * Databases written before today's code keep working: `fixtures/weft-v0.db` was written
 * by the services of an earlier commit (see `fixtures/makeFixtureDb.ts`). The server's
 * migrations open a copy of it, keep every row, apply only what is new, and leave a
 * schema identical to a database migrated from scratch.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Migrations } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { PhaseCounts, WorkflowExecutions } from "@weft/workflowexecution"
import { WorkflowInstances } from "@weft/workflowinstance"
import Sqlite from "better-sqlite3"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Database from "../src/Database.js"
import { ServicesLive } from "../src/Server.js"

const fixture = fileURLToPath(new URL("./fixtures/weft-v0.db", import.meta.url))
const kindTables = ["workflows", "workflow_instances", "workflow_executions"] as const

/** A copy of the fixture in a fresh directory: the committed file is never written. */
const copyOfFixture = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-migrations-"))
  const file = path.join(dir, "weft.db")
  fs.copyFileSync(fixture, file)
  return file
}

type Row = { readonly id: string; readonly version: number; readonly doc: string }

/** Every row of the kind tables, read without weft's code. */
const rowsOf = (file: string): Record<string, ReadonlyArray<Row>> => {
  const db = new Sqlite(file, { readonly: true })
  try {
    return Object.fromEntries(
      kindTables.map((table) => [table, db.prepare(`SELECT id, version, doc FROM ${table} ORDER BY id`).all() as Array<Row>])
    )
  } finally {
    db.close()
  }
}

/** Columns and indexes of the kind tables, as SQLite reports them. */
const schemaOf = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const out: Record<string, unknown> = {}
  for (const table of kindTables) {
    out[`${table}.columns`] = yield* sql`SELECT name, type, "notnull", pk FROM pragma_table_info(${table}) ORDER BY cid`
    const indexes = yield* sql<{ name: string; unique: number }>`SELECT name, "unique" FROM pragma_index_list(${table}) ORDER BY name`
    for (const index of indexes) {
      out[`${table}.${index.name}`] = {
        unique: index.unique,
        columns: yield* sql`SELECT name FROM pragma_index_info(${index.name}) ORDER BY seqno`
      }
    }
  }
  return out
}).pipe(Effect.orDie)

const recorded = (set: Migrations.MigrationSet) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ migration_id: number; name: string }>`SELECT migration_id, name FROM ${sql(Migrations.tableOf(set))} ORDER BY migration_id`)
    .pipe(Effect.map((rows) => rows.map((r) => `${String(r.migration_id).padStart(4, "0")}_${r.name}`)), Effect.orDie)

const onFile = (file: string) => Database.layerSqlite(file).pipe(Layer.orDie)

describe("migrations over a database written by an earlier version", () => {
  it.effect("opening it keeps every row, records every migration and serves the old resources", () =>
    Effect.gen(function*() {
      const file = copyOfFixture()
      const before = rowsOf(file)
      assert.isAbove(before.workflows.length, 0)
      assert.isAbove(before.workflow_instances.length, 0)
      assert.isAbove(before.workflow_executions.length, 0)

      yield* Effect.gen(function*() {
        // Every migration the app has is recorded as applied, the new ones included.
        for (const set of Database.migrations) {
          assert.deepStrictEqual(yield* recorded(set), Object.keys(set.dialects.sqlite).sort(), set.name)
        }
        const workflows = yield* Workflows
        const instances = yield* WorkflowInstances
        const executions = yield* WorkflowExecutions
        for (const row of before.workflows) {
          assert.deepStrictEqual(yield* workflows.get(row.id), JSON.parse(row.doc))
        }
        const billing = yield* workflows.getBySlug("monthly-billing", "acme")
        assert.strictEqual(billing.metadata.version, 2)
        const instancesOfBilling = yield* instances.list({ pageSize: 10, workflowId: billing.metadata.id })
        assert.deepStrictEqual(instancesOfBilling.entries.map((i) => i.metadata.slug), ["monthly-billing-default"])
        // Their labels were copied into the label tables: old rows are selected like new ones.
        const growth = yield* workflows.list({ pageSize: 10, labelSelector: [{ _tag: "Equals", key: "team", value: "growth" }] })
        assert.deepStrictEqual(
          growth.entries.map((w) => w.metadata.id).sort(),
          before.workflows.filter((row) => JSON.parse(row.doc).metadata.labels?.team === "growth").map((row) => row.id).sort()
        )
        assert.isAbove(growth.entries.length, 0)
        // Their ids were made within milliseconds of their creation: a creation-time window finds them.
        for (const row of before.workflow_executions) {
          const createdAt = JSON.parse(row.doc).status.audit.specAudit.createdAt as string
          const window = yield* executions.list({
            pageSize: 10,
            createdAfter: createdAt,
            createdBefore: new Date(Date.parse(createdAt) + 1).toISOString()
          })
          assert.deepStrictEqual(window.entries.map((e) => e.metadata.id), [row.id])
        }
        const completed = yield* executions.list({ pageSize: 10, phase: ["EXECUTION_COMPLETED"] })
        assert.deepStrictEqual(completed.entries.map((e) => e.metadata.slug), ["first-run"])
        // The ended one got its end time, which retention deletes by; the others none.
        const sql = yield* SqlClient.SqlClient
        const ended = yield* sql<{ slug: string; ended_at: string }>`SELECT slug, ended_at FROM workflow_executions
          WHERE ended_at IS NOT NULL`.pipe(Effect.orDie)
        assert.deepStrictEqual(ended, [{ slug: "first-run", ended_at: completed.entries[0].status.completedAt! }])
        // The counts by phase start from what was stored.
        const phases = new Map<string, number>()
        for (const row of before.workflow_executions) {
          const phase = JSON.parse(row.doc).status.phase as string
          phases.set(phase, (phases.get(phase) ?? 0) + 1)
        }
        assert.deepStrictEqual(yield* PhaseCounts.byPhase, phases)
        // And new writes work next to the old rows.
        const run = yield* executions.create({
          metadata: { org: "acme", ownerScope: "organization", name: "After Upgrade" },
          spec: { workflowId: billing.metadata.id }
        })
        assert.strictEqual(run.spec.workflowInstanceId, billing.status.defaultInstanceId)
        const updated = yield* executions.updateStatus(run.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
        assert.strictEqual(updated.metadata.version, 2)
      }).pipe(Effect.provide(ServicesLive.pipe(Layer.provideMerge(onFile(file)))), Effect.scoped)

      const after = rowsOf(file)
      for (const table of kindTables) {
        const kept = after[table].filter((row) => before[table].some((old) => old.id === row.id))
        assert.deepStrictEqual(kept, before[table], table)
      }
      assert.strictEqual(after.workflow_executions.length, before.workflow_executions.length + 1)
    }))

  it.effect("a migration added later is applied to it, and nothing applied before runs again", () =>
    Effect.gen(function*() {
      const file = copyOfFixture()
      const before = rowsOf(file)
      const [first, ...rest] = Database.migrations
      const grown = Migrations.make(first.name, {
        sqlite: {
          ...first.dialects.sqlite,
          "0999_add_probe_column": ["ALTER TABLE workflows ADD COLUMN probe TEXT NOT NULL DEFAULT 'added'"]
        }
      })
      const added = Migrations.make("probe", { sqlite: { "0001_create_probe": ["CREATE TABLE probe (x TEXT)"] } })
      yield* Effect.gen(function*() {
        const applied = yield* Migrations.run([grown, ...rest, added])
        // The fixture predates the feed's change log, the label tables, kept signals,
        // environments and the engine: their migrations are applied too, each in its set's turn.
        assert.deepStrictEqual(applied, [
          "workflow/0002_create_workflows_labels",
          "workflow/0999_add_probe_column",
          "workflowinstance/0002_create_workflow_instances_labels",
          "workflowexecution/0002_create_workflow_execution_changes",
          "workflowexecution/0003_create_workflow_executions_labels",
          "workflowexecution/0004_create_workflow_execution_signals",
          "workflowexecution/0005_create_workflow_execution_idempotency_keys",
          "workflowexecution/0006_add_workflow_executions_ended_at",
          "workflowexecution/0007_create_workflow_execution_phase_counts",
          "environment/0001_create_environments",
          "environment/0003_create_environments_labels",
          "engine/0001_cluster_messages_entity_index",
          "engine/0002_create_engine_waits",
          "probe/0001_create_probe"
        ])
        const sql = yield* SqlClient.SqlClient
        const probes = yield* sql<{ probe: string }>`SELECT probe FROM workflows`.pipe(Effect.orDie)
        assert.deepStrictEqual(probes.map((r) => r.probe), before.workflows.map(() => "added"))
        assert.deepStrictEqual(yield* Migrations.run([grown, ...rest, added]), [])
      }).pipe(Effect.provide(onFile(file)), Effect.scoped)
    }))

  it.effect("the earlier version's database, migrated, has the schema of one migrated from scratch", () =>
    Effect.gen(function*() {
      const migrated = (file: string) =>
        Effect.zipRight(Database.MigrationsLive.pipe(Layer.build), schemaOf).pipe(Effect.provide(onFile(file)), Effect.scoped)
      const old = yield* migrated(copyOfFixture())
      const fresh = yield* migrated(":memory:")
      assert.deepStrictEqual(fresh, old)
      assert.isAbove(Object.keys(old).length, kindTables.length)
      assert.property(old, "workflow_executions.workflow_executions_ended_at")
    }))
})
