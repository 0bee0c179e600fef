/**
 * The README's composition: another app wiring both workflow kinds over its own
 * SqlClient and calling them in-process, and the services joining its transaction.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { assert, describe, it } from "@effect/vitest"
import { InvalidArgument, Migrations, ResourceStore, SecretBox } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { Effect, Layer } from "effect"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "../src/index.js"

const SqlLive = SqliteClient.layer({ filename: ":memory:" })

const WeftLive = WorkflowInstances.Default.pipe(
  Layer.provideMerge(Workflows.Default),
  Layer.provide(DefaultInstanceProvisionerLive),
  Layer.provideMerge(ResourceStore.layer),
  Layer.provide(SecretBox.layer({ current: Buffer.from(SecretBox.generateKey(), "base64") })),
  Layer.provideMerge(Migrations.layer([WorkflowMigrations, WorkflowInstanceMigrations])),
  Layer.provideMerge(SqlLive) // the README uses Layer.provide; the test also wants the SqlClient
)

const onboarding = {
  metadata: { name: "Onboarding", org: "acme", ownerScope: "organization" },
  spec: {
    document: { dsl: "1.0.0", namespace: "acme", name: "onboarding", version: "1.0.0" },
    tasks: [{ name: "welcome", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
}

describe("composition in another app", () => {
  it.effect("the README program runs", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows
      const instances = yield* WorkflowInstances
      const workflow = yield* workflows.createUnknown(onboarding)
      const byDefault = yield* instances.get(workflow.status.defaultInstanceId!)
      assert.strictEqual(byDefault.metadata.slug, "onboarding-default")
      const prod = yield* instances.createUnknown({
        metadata: { name: "Onboarding Prod", org: "acme", ownerScope: "organization" },
        spec: { workflowId: workflow.metadata.id, description: "production" }
      })
      assert.strictEqual(prod.metadata.slug, "onboarding-prod")
      const all = yield* instances.list({ pageSize: 50, workflowId: workflow.metadata.id })
      assert.deepStrictEqual(all.entries.map((i) => i.metadata.id), [prod.metadata.id, byDefault.metadata.id])
    }).pipe(Effect.provide(WeftLive)))

  it.effect("a create inside the caller's transaction is rolled back with it", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const workflows = yield* Workflows
      const instances = yield* WorkflowInstances
      yield* sql`CREATE TABLE audit_log (entry TEXT NOT NULL)`
      const failure = yield* Effect.gen(function*() {
        const workflow = yield* workflows.createUnknown(onboarding)
        yield* sql`INSERT INTO audit_log (entry) VALUES (${workflow.metadata.id})`
        return yield* new InvalidArgument({ message: "the caller changed its mind" })
      }).pipe(sql.withTransaction, Effect.flip)
      assert.strictEqual(failure._tag, "InvalidArgument")
      assert.deepStrictEqual((yield* workflows.list({ pageSize: 10 })).entries, [])
      assert.deepStrictEqual((yield* instances.list({ pageSize: 10 })).entries, [])
      assert.deepStrictEqual(yield* sql`SELECT entry FROM audit_log`, [])

      // And committed with it when the caller succeeds.
      const workflow = yield* workflows.createUnknown(onboarding).pipe(sql.withTransaction)
      assert.strictEqual((yield* workflows.get(workflow.metadata.id)).metadata.version, 1)
      assert.strictEqual((yield* instances.list({ pageSize: 10 })).entries.length, 1)
    }).pipe(Effect.provide(WeftLive)))
})
