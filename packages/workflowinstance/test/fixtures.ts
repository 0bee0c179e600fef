/**
 * Test fixtures for the WorkflowInstance kind: request bodies, and both services wired as
 * the server wires them (the real `DefaultInstanceProvisionerLive`), over one in-memory
 * SQLite per test.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { layerTest } from "../src/index.js"

export const ApiVersion = "agentic.stigmer.ai/v1"

export const workflowBody = (metadata: Record<string, unknown> = {}) => ({
  apiVersion: ApiVersion,
  kind: "Workflow",
  metadata: { name: "Greeter", ownerScope: "organization", org: "acme", ...metadata },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "greeter", version: "1.0.0" },
    tasks: [{ name: "init", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
  }
})

export const instanceBody = (
  workflowId: string,
  metadata: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: ApiVersion,
  kind: "WorkflowInstance",
  metadata: { name: "Prod Instance", ownerScope: "organization", org: "acme", ...metadata },
  spec: { workflowId, description: "production bindings", ...spec },
  ...extra
})

export const environmentBody = (name: string, metadata: Record<string, unknown> = {}) => ({
  kind: "Environment",
  metadata: { name, ownerScope: "organization", org: "acme", ...metadata },
  spec: { data: { REGION: { value: "eu" } } }
})

/** Both services as `apps/server` composes them (`ServicesLive`), plus the SqlClient. */
export const TestLayer = layerTest

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql(table)}`).pipe(
    Effect.map((rows) => Number(rows[0].n)),
    Effect.orDie
  )

export const workflowCount = count("workflows")
export const instanceCount = count("workflow_instances")
