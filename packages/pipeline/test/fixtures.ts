/**
 * A small fake kind for the pipeline tests: a WorkflowExecution-shaped document with
 * the columns the execution list filters on, its table and a fresh in-memory store.
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Metadata, Migrations, ResourceId, ResourceKind, ResourceStore, ResourceTable } from "@weft/resource"
import { Schema } from "effect"

export interface FakeSpec {
  readonly workflowId: string
  readonly note?: string | undefined
}

export interface FakeExecution {
  readonly apiVersion: typeof ResourceKind.ApiVersion
  readonly kind: "WorkflowExecution"
  readonly metadata: Metadata.Metadata
  readonly spec: FakeSpec
  readonly status: { readonly audit: Metadata.Audit; readonly phase: string }
}

export const table = ResourceTable.make<FakeExecution>(ResourceKind.WorkflowExecution, {
  phase: (r) => r.status.phase,
  workflow_id: (r) => r.spec.workflowId
})

/** What a client sends. */
export const FakeInput = Schema.Struct({
  metadata: Schema.optionalWith(Metadata.MetadataInput, { default: () => ({}) }),
  spec: Schema.Struct({
    workflowId: Schema.NonEmptyString,
    note: Schema.optional(Schema.String),
    steps: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.NonEmptyString })))
  })
})
export type FakeInput = typeof FakeInput.Type

let counter = 0

/** A stored fake, as if a create had made it. */
export const fake = (options: {
  readonly slug?: string
  readonly org?: string
  readonly workflowId?: string
  readonly version?: number
  readonly ownerScope?: Metadata.OwnerScope
  readonly labels?: Record<string, string>
} = {}): FakeExecution => {
  const slug = options.slug ?? `exec-${++counter}`
  return {
    apiVersion: ResourceKind.ApiVersion,
    kind: "WorkflowExecution",
    metadata: {
      id: ResourceId.makeSync(ResourceKind.WorkflowExecution),
      name: `Name of ${slug}`,
      slug,
      ...(options.org !== undefined ? { org: options.org } : {}),
      ...(options.ownerScope !== undefined ? { ownerScope: options.ownerScope } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
      version: options.version ?? 1
    },
    spec: { workflowId: options.workflowId ?? "wfl-default" },
    status: { audit: Metadata.auditCreated("2024-01-01T00:00:00.000Z"), phase: "EXECUTION_PENDING" }
  }
}

/** How the fake kind assembles a new resource in BuildNewState. */
export const buildFake = (request: FakeInput, parts: { metadata: Metadata.Metadata; audit: Metadata.Audit }): FakeExecution => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "WorkflowExecution",
  metadata: parts.metadata,
  spec: { workflowId: request.spec.workflowId, ...(request.spec.note !== undefined ? { note: request.spec.note } : {}) },
  status: { audit: parts.audit, phase: "EXECUTION_PENDING" }
})

export const SqliteLive = SqliteClient.layer({ filename: ":memory:" })

/** The fake kind's table, as a kind's frozen migration would create it. */
export const FakeMigrations = Migrations.make("fake", {
  sqlite: {
    "0001_create_fake_executions": [
      `CREATE TABLE workflow_executions (
        id TEXT PRIMARY KEY NOT NULL,
        org TEXT NOT NULL,
        slug TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        phase TEXT,
        workflow_id TEXT
      )`,
      "CREATE UNIQUE INDEX workflow_executions_org_slug ON workflow_executions (org, slug)",
      "CREATE INDEX workflow_executions_phase ON workflow_executions (phase, id)",
      "CREATE INDEX workflow_executions_workflow_id ON workflow_executions (workflow_id, id)"
    ]
  }
})

/** A fresh in-memory database with the fake kind's table and the SQL store. */
export const StoreLive = ResourceStore.layerTest([FakeMigrations])
