/**
 * A small fake kind for the store and pipeline tests: a WorkflowExecution-shaped
 * document with the two extra columns the execution list filters on, its frozen
 * migration and a fresh in-memory store. `@weft/pipeline`'s tests use it too, as
 * `@weft/resource/testing` (never imported from `src`).
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Metadata, Migrations, ResourceId, ResourceKind, ResourceStore, ResourceTable, TestDatabase } from "../src/index.js"

export interface FakeExecution {
  readonly apiVersion: typeof ResourceKind.ApiVersion
  readonly kind: "WorkflowExecution"
  readonly metadata: Metadata.Metadata
  readonly spec: { readonly workflowId: string; readonly note?: string | undefined }
  readonly status: { readonly audit: Metadata.Audit; readonly phase: string }
}

export const table = ResourceTable.make<FakeExecution>(ResourceKind.WorkflowExecution, {
  phase: (r) => r.status.phase,
  workflow_id: (r) => r.spec.workflowId
})

let counter = 0

export const fake = (options: {
  readonly slug?: string
  readonly org?: string
  readonly workflowId?: string
  readonly phase?: string
  readonly id?: string
  readonly at?: string
  readonly version?: number
  readonly ownerScope?: Metadata.OwnerScope
  readonly labels?: Record<string, string>
} = {}): FakeExecution => {
  const slug = options.slug ?? `exec-${++counter}`
  const at = options.at ?? "2024-01-01T00:00:00.000Z"
  return {
    apiVersion: ResourceKind.ApiVersion,
    kind: "WorkflowExecution",
    metadata: {
      id: options.id ?? ResourceId.makeSync(ResourceKind.WorkflowExecution),
      name: slug,
      slug,
      ...(options.org !== undefined ? { org: options.org } : {}),
      ...(options.ownerScope !== undefined ? { ownerScope: options.ownerScope } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
      version: options.version ?? 1
    },
    spec: { workflowId: options.workflowId ?? "wfl-default" },
    status: { audit: Metadata.auditCreated(at), phase: options.phase ?? "EXECUTION_PENDING" }
  }
}

/** The next version of `resource`, as an update would write it. */
export const bump = (resource: FakeExecution, change: Partial<FakeExecution["spec"]> = {}, phase?: string): FakeExecution => ({
  ...resource,
  metadata: { ...resource.metadata, version: resource.metadata.version + 1 },
  spec: { ...resource.spec, ...change },
  status: { ...resource.status, phase: phase ?? resource.status.phase }
})

export const SqliteLive = SqliteClient.layer({ filename: ":memory:" })

/** The fake kind's table, as a kind's frozen migration would create it. */
const createTable = (text: string) => `CREATE TABLE workflow_executions (
        id ${text} PRIMARY KEY NOT NULL,
        org ${text} NOT NULL,
        slug ${text} NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        phase ${text},
        workflow_id ${text}
      )`

const indexes = [
  "CREATE UNIQUE INDEX workflow_executions_org_slug ON workflow_executions (org, slug)",
  "CREATE INDEX workflow_executions_phase ON workflow_executions (phase, id)",
  "CREATE INDEX workflow_executions_workflow_id ON workflow_executions (workflow_id, id)"
]

export const FakeMigrations = Migrations.make("fake", {
  sqlite: { "0001_create_fake_executions": [createTable("TEXT"), ...indexes] },
  pg: { "0001_create_fake_executions": [createTable(`TEXT COLLATE "C"`), ...indexes] }
})

/** A fresh database of `backend` with the fake kind's table and the SQL store. */
export const storeOn = (backend: TestDatabase.Backend) => ResourceStore.layerTest([FakeMigrations], backend)

/** A fresh in-memory database with the fake kind's table and the SQL store. */
export const StoreLive = storeOn("sqlite")
