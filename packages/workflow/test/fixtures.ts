/**
 * Test fixtures for the Workflow kind: request bodies, and the Workflows service over a
 * fresh in-memory SQLite with a fake `DefaultInstanceProvisioner` (the real one lives in
 * `@weft/workflowinstance`, a package above this one).
 *
 * The fake records what it was asked, and writes one row per provisioned instance into a
 * `provisioned` table in the same database, so tests can see whether its writes were
 * committed or rolled back with the workflow's transaction.
 */
import { SqlClient } from "@effect/sql"
import type { FailedPrecondition, InvalidArgument } from "@weft/resource"
import { Effect, Layer } from "effect"
import { DefaultInstanceProvisioner, layerTest, type Workflow } from "../src/index.js"

export const ApiVersion = "agentic.stigmer.ai/v1"

/** A valid config for the kinds fixtures use, by name or proto number. */
const configs: Record<string, Record<string, unknown>> = {
  WORKFLOW_TASK_KIND_HTTP_CALL: { method: "POST", endpoint: { uri: "https://example.com/greet" } },
  2: { method: "POST", endpoint: { uri: "https://example.com/greet" } },
  WORKFLOW_TASK_KIND_AGENT_CALL: { agent: "greeter", message: "hello" },
  WORKFLOW_TASK_KIND_WAIT: { seconds: 5 },
  13: { agent: "greeter", message: "hello" }
}

export const task = (name: string, kind: unknown = "WORKFLOW_TASK_KIND_SET") => ({
  name,
  kind,
  taskConfig: configs[String(kind)] ?? { variables: { greeting: "hello" } }
})

export const spec = (overrides: Record<string, unknown> = {}) => ({
  description: "greets",
  document: { dsl: "1.0.0", namespace: "default", name: "greeter", version: "1.0.0" },
  tasks: [task("init"), task("call", "WORKFLOW_TASK_KIND_HTTP_CALL")],
  ...overrides
})

/** A valid Workflow body; `metadata` fields are merged over the defaults. */
export const body = (
  metadata: Record<string, unknown> = {},
  specOverrides: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: ApiVersion,
  kind: "Workflow",
  metadata: { name: "My Workflow", ownerScope: "organization", org: "acme", ...metadata },
  spec: spec(specOverrides),
  ...extra
})

export interface ProvisionerOptions {
  /** Fail `ensureDefault` (after writing its row) with this error. */
  readonly failProvision?: InvalidArgument
  /** Fail `release` with this error. */
  readonly failRelease?: FailedPrecondition
}

/** What the fake provisioner saw. */
export interface ProvisionerLog {
  readonly provisioned: Array<Workflow.Workflow>
  readonly released: Array<Workflow.Workflow>
}

export const makeProvisioner = (options: ProvisionerOptions = {}) => {
  const log: ProvisionerLog = { provisioned: [], released: [] }
  const layer = Layer.effect(
    DefaultInstanceProvisioner,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE IF NOT EXISTS provisioned (workflow_id TEXT NOT NULL, slug TEXT NOT NULL)`.pipe(
        Effect.orDie
      )
      return DefaultInstanceProvisioner.of({
        ensureDefault: (workflow) =>
          Effect.gen(function*() {
            log.provisioned.push(workflow)
            yield* sql`INSERT INTO provisioned (workflow_id, slug) VALUES (${workflow.metadata.id}, ${`${workflow.metadata.slug}-default`})`
              .pipe(Effect.orDie)
            if (options.failProvision !== undefined) return yield* options.failProvision
            const instanceId = `win-default-of-${workflow.metadata.slug}`
            return { instanceId, workflow: { ...workflow, status: { ...workflow.status, defaultInstanceId: instanceId } } }
          }),
        release: (workflow) =>
          Effect.gen(function*() {
            log.released.push(workflow)
            if (options.failRelease !== undefined) return yield* options.failRelease
            yield* sql`DELETE FROM provisioned WHERE workflow_id = ${workflow.metadata.id}`.pipe(Effect.orDie)
          })
      })
    })
  )
  return { log, layer }
}

/**
 * Workflows over a fresh in-memory database (when provided per test) and the given
 * provisioner; also exposes the SqlClient and ResourceStore.
 */
export const makeLayer = layerTest

/** Rows the fake provisioner has written (and that were not rolled back). */
export const provisionedRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ workflow_id: string; slug: string }>`SELECT workflow_id, slug FROM provisioned`).pipe(Effect.orDie)

/** Number of stored workflows, straight from the table. */
export const workflowCount = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ n: number }>`SELECT COUNT(*) AS n FROM workflows`).pipe(
    Effect.map((rows) => Number(rows[0].n)),
    Effect.orDie
  )
