/**
 * The floor: the least a server on weft's own stack does for the benchmarked routes.
 * Effect 3 `HttpApi` (@effect/platform) on @effect/platform-node, SQLite through
 * @effect/sql-sqlite-node with weft's pragmas (WAL, exclusive lock, synchronous FULL,
 * foreign keys, busy timeout), payloads decoded by small schemas, one transaction per
 * write, documents of the baseline's shape stored as JSON text. Nothing of weft's: no
 * resource pipelines, no kinds packages, no auth, no request log, no OpenAPI/console.
 *
 * The gap between weft and this server is what weft's own request path costs; the gap
 * between this server and `baseline.ts` is what the stack (Effect, HttpApi, the SQL
 * client) costs.
 *
 *   node --import tsx bench/src/floor.ts --db FILE --port N [--host 127.0.0.1]
 *
 * Routes (the ones the harness calls): GET /health, POST /v1/workflows (provisions the
 * default instance), GET /v1/workflow-instances/{id}, POST /v1/workflow-executions,
 * GET /v1/workflow-executions (phase list, keyset pages), GET /v1/workflow-executions/{id},
 * PATCH /v1/workflow-executions/{id}/status.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpMiddleware,
  HttpServer,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Schema } from "effect"
import { createServer } from "node:http"
import { parseArgs } from "node:util"
import { monotonicFactory } from "ulid"

const API_VERSION = "agentic.stigmer.ai/v1"
const SYSTEM = { id: "system" } as const
const nextUlid = monotonicFactory()
const newId = (prefix: string) => `${prefix}-${nextUlid().toLowerCase()}`
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const stamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}-${pad2(d.getUTCHours())}${
    pad2(d.getUTCMinutes())
  }${pad2(d.getUTCSeconds())}`
const slugOf = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
const audit = (at: string) => {
  const info = { createdBy: SYSTEM, createdAt: at, updatedBy: SYSTEM, updatedAt: at, event: "created" }
  return { specAudit: info, statusAudit: { ...info } }
}

// ---------------------------------------------------------------------------------------
// The API

const IdPath = Schema.Struct({ id: Schema.String })
const OwnerScope = Schema.Literal("platform", "organization", "identity_account")

const WorkflowBody = Schema.Struct({
  metadata: Schema.Struct({ name: Schema.NonEmptyString, ownerScope: OwnerScope, org: Schema.String }),
  spec: Schema.Struct({
    document: Schema.Struct({ dsl: Schema.String, namespace: Schema.String, name: Schema.String, version: Schema.String }),
    tasks: Schema.Array(Schema.Struct({ name: Schema.String, kind: Schema.String, taskConfig: Schema.optional(Schema.Unknown) }))
  })
})

const CreateExecutionBody = Schema.Struct({
  metadata: Schema.Struct({ ownerScope: OwnerScope, org: Schema.String }),
  spec: Schema.Struct({ workflowInstanceId: Schema.String, triggerMessage: Schema.optional(Schema.String) })
})

const Phase = Schema.Literal(
  "EXECUTION_PENDING",
  "EXECUTION_IN_PROGRESS",
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_CANCELLED"
)
const TERMINAL: ReadonlySet<string> = new Set(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"])

const StatusPatch = Schema.Struct({
  phase: Schema.optional(Phase),
  tasks: Schema.optional(Schema.Array(Schema.Struct({ taskName: Schema.String, status: Schema.String })))
})

const ListParams = Schema.Struct({
  phase: Schema.optional(Phase),
  pageSize: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200))),
  pageToken: Schema.optional(Schema.String)
})

class FloorGroup extends HttpApiGroup.make("floor")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Schema.Struct({ status: Schema.String })))
  .add(HttpApiEndpoint.post("createWorkflow", "/v1/workflows").setPayload(WorkflowBody).addSuccess(Schema.Unknown, { status: 201 }))
  .add(
    HttpApiEndpoint.get("getInstance", "/v1/workflow-instances/:id").setPath(IdPath).addSuccess(Schema.Unknown)
      .addError(HttpApiError.NotFound)
  )
  .add(
    HttpApiEndpoint.post("createExecution", "/v1/workflow-executions").setPayload(CreateExecutionBody)
      .addSuccess(Schema.Unknown, { status: 201 }).addError(HttpApiError.NotFound)
  )
  .add(HttpApiEndpoint.get("listExecutions", "/v1/workflow-executions").setUrlParams(ListParams).addSuccess(Schema.Unknown))
  .add(
    HttpApiEndpoint.get("getExecution", "/v1/workflow-executions/:id").setPath(IdPath).addSuccess(Schema.Unknown)
      .addError(HttpApiError.NotFound)
  )
  .add(
    HttpApiEndpoint.patch("patchStatus", "/v1/workflow-executions/:id/status").setPath(IdPath).setPayload(StatusPatch)
      .addSuccess(Schema.Unknown).addError(HttpApiError.NotFound).addError(HttpApiError.Conflict)
      .addError(HttpApiError.BadRequest)
  )
{}

class FloorApi extends HttpApi.make("floor").add(FloorGroup) {}

// ---------------------------------------------------------------------------------------
// Storage

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS workflows (id TEXT PRIMARY KEY NOT NULL, org TEXT NOT NULL, slug TEXT NOT NULL,
     version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS workflows_org_slug ON workflows (org, slug)`,
  `CREATE TABLE IF NOT EXISTS workflow_instances (id TEXT PRIMARY KEY NOT NULL, org TEXT NOT NULL, slug TEXT NOT NULL,
     version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL,
     workflow_id TEXT REFERENCES workflows (id))`,
  `CREATE UNIQUE INDEX IF NOT EXISTS workflow_instances_org_slug ON workflow_instances (org, slug)`,
  `CREATE TABLE IF NOT EXISTS workflow_executions (id TEXT PRIMARY KEY NOT NULL, org TEXT NOT NULL, slug TEXT NOT NULL,
     version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL,
     workflow_instance_id TEXT REFERENCES workflow_instances (id), workflow_id TEXT, phase TEXT)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS workflow_executions_org_slug ON workflow_executions (org, slug)`,
  `CREATE INDEX IF NOT EXISTS workflow_executions_phase ON workflow_executions (phase, id)`
]

/** weft's pragmas (apps/server/src/Database.ts) and the tables. WAL is the client's default. */
const Prepare = Layer.effectDiscard(Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe("PRAGMA locking_mode = EXCLUSIVE")
  yield* sql.unsafe("BEGIN IMMEDIATE")
  yield* sql.unsafe("COMMIT")
  yield* sql.unsafe("PRAGMA synchronous = FULL")
  yield* sql.unsafe("PRAGMA foreign_keys = ON")
  yield* sql.unsafe("PRAGMA busy_timeout = 5000")
  for (const statement of SCHEMA) yield* sql.unsafe(statement)
}))

interface DocRow {
  readonly version: number
  readonly doc: string
}

const withETag = (doc: { readonly metadata: { readonly version: number } }, status = 200) =>
  HttpServerResponse.unsafeJson(doc, { status, headers: { etag: `"${doc.metadata.version}"` } })

const orDie = Effect.orDie

// ---------------------------------------------------------------------------------------
// Handlers

const FloorLive = HttpApiBuilder.group(FloorApi, "floor", (handlers) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const one = (table: "workflow_instances" | "workflow_executions", id: string) =>
      sql<DocRow>`SELECT version, doc FROM ${sql(table)} WHERE id = ${id}`.pipe(
        orDie,
        Effect.flatMap((rows) => rows.length === 0 ? Effect.fail(new HttpApiError.NotFound()) : Effect.succeed(rows[0]))
      )

    return handlers
      .handle("health", () => Effect.succeed({ status: "ok" }))
      .handle("createWorkflow", ({ payload }) =>
        Effect.gen(function*() {
          const at = new Date().toISOString()
          const slug = slugOf(payload.metadata.name)
          const workflowId = newId("wfl")
          const instanceId = newId("win")
          const metadata = (id: string) => ({
            id,
            name: payload.metadata.name,
            slug,
            ownerScope: payload.metadata.ownerScope,
            org: payload.metadata.org,
            version: 1
          })
          const instance = {
            apiVersion: API_VERSION,
            kind: "WorkflowInstance",
            metadata: metadata(instanceId),
            spec: { workflowId },
            status: { audit: audit(at) }
          }
          const workflow = {
            apiVersion: API_VERSION,
            kind: "Workflow",
            metadata: metadata(workflowId),
            spec: payload.spec,
            status: { audit: audit(at), defaultInstanceId: instanceId }
          }
          yield* Effect.all([
            sql`INSERT INTO workflows ${
              sql.insert({ id: workflowId, org: payload.metadata.org, slug, version: 1, created_at: at, updated_at: at, doc: JSON.stringify(workflow) })
            }`,
            sql`INSERT INTO workflow_instances ${
              sql.insert({
                id: instanceId,
                org: payload.metadata.org,
                slug,
                version: 1,
                created_at: at,
                updated_at: at,
                doc: JSON.stringify(instance),
                workflow_id: workflowId
              })
            }`
          ]).pipe(sql.withTransaction, orDie)
          return withETag(workflow, 201)
        }))
      .handle("getInstance", ({ path }) =>
        Effect.map(one("workflow_instances", path.id), (row) =>
          HttpServerResponse.text(row.doc, { contentType: "application/json", headers: { etag: `"${row.version}"` } })))
      .handle("createExecution", ({ payload }) =>
        Effect.gen(function*() {
          const instanceRow = yield* one("workflow_instances", payload.spec.workflowInstanceId)
          const instance = JSON.parse(instanceRow.doc)
          const now = new Date()
          const at = now.toISOString()
          const org = payload.metadata.org
          const base = `${instance.metadata.slug}-${stamp(now)}`
          // The highest `-N` taken after this base, in one query of the (org, slug) index.
          const [{ n }] = yield* sql<{ n: number | null; taken: number }>`
            SELECT MAX(CASE WHEN slug = ${base} THEN 1 ELSE CAST(substr(slug, ${base.length + 2}) AS INTEGER) END) AS n
            FROM workflow_executions WHERE org = ${org} AND slug >= ${base} AND slug < ${`${base}.`}`
          const slug = n === null ? base : `${base}-${n + 1}`
          const id = newId("wex")
          const doc = {
            apiVersion: API_VERSION,
            kind: "WorkflowExecution",
            metadata: { id, name: slug, slug, ownerScope: payload.metadata.ownerScope, org, version: 1 },
            spec: {
              workflowInstanceId: instance.metadata.id,
              workflowId: instance.spec.workflowId,
              ...(payload.spec.triggerMessage === undefined ? {} : { triggerMessage: payload.spec.triggerMessage })
            },
            status: { phase: "EXECUTION_PENDING", audit: audit(at) }
          }
          yield* sql`INSERT INTO workflow_executions ${
            sql.insert({
              id,
              org,
              slug,
              version: 1,
              created_at: at,
              updated_at: at,
              doc: JSON.stringify(doc),
              workflow_instance_id: doc.spec.workflowInstanceId,
              workflow_id: doc.spec.workflowId,
              phase: doc.status.phase
            })
          }`
          return withETag(doc, 201)
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die)))
      .handle("getExecution", ({ path }) =>
        Effect.map(one("workflow_executions", path.id), (row) => withETag(JSON.parse(row.doc))))
      .handle("listExecutions", ({ urlParams }) =>
        Effect.gen(function*() {
          const size = urlParams.pageSize ?? 50
          const rows = yield* sql<{ id: string; doc: string }>`
            SELECT id, doc FROM workflow_executions
            WHERE ${
            sql.and([
              ...(urlParams.phase === undefined ? [] : [sql`phase = ${urlParams.phase}`]),
              ...(urlParams.pageToken === undefined ? [] : [sql`id < ${urlParams.pageToken}`])
            ])
          }
            ORDER BY id DESC LIMIT ${size + 1}`.pipe(orDie)
          const page = rows.slice(0, size)
          return HttpServerResponse.unsafeJson({
            entries: page.map((row) => JSON.parse(row.doc)),
            ...(rows.length > size ? { nextPageToken: page[page.length - 1].id } : {})
          })
        }))
      .handle("patchStatus", ({ path, payload }) =>
        Effect.gen(function*() {
          if (payload.phase === undefined && payload.tasks === undefined) return yield* new HttpApiError.BadRequest()
          const row = yield* one("workflow_executions", path.id)
          const doc = JSON.parse(row.doc)
          if (TERMINAL.has(doc.status.phase)) return yield* new HttpApiError.Conflict()
          const at = new Date().toISOString()
          const status = { ...doc.status }
          if (payload.phase !== undefined) {
            status.phase = payload.phase
            if (payload.phase === "EXECUTION_IN_PROGRESS" && status.startedAt === undefined) status.startedAt = at
            if (TERMINAL.has(payload.phase)) status.completedAt = at
          }
          if (payload.tasks !== undefined) status.tasks = payload.tasks
          status.audit = { ...status.audit, statusAudit: { ...status.audit.statusAudit, updatedBy: SYSTEM, updatedAt: at, event: "updated" } }
          const next = { ...doc, metadata: { ...doc.metadata, version: row.version + 1 }, status }
          const updated = yield* sql<{ id: string }>`
            UPDATE workflow_executions SET version = ${row.version + 1}, updated_at = ${at}, doc = ${JSON.stringify(next)},
              phase = ${status.phase} WHERE id = ${path.id} AND version = ${row.version} RETURNING id`
          if (updated.length === 0) return yield* new HttpApiError.Conflict()
          return withETag(next)
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die)))
  }))

// ---------------------------------------------------------------------------------------
// Main

const { values } = parseArgs({
  options: {
    db: { type: "string", default: ":memory:" },
    port: { type: "string", default: "8082" },
    host: { type: "string", default: "127.0.0.1" }
  }
})

const SqlLive = Prepare.pipe(Layer.provideMerge(SqliteClient.layer({ filename: values.db! })))

const ServerLive = HttpApiBuilder.serve(HttpMiddleware.withLoggerDisabled).pipe(
  Layer.provide(HttpApiBuilder.api(FloorApi).pipe(Layer.provide(FloorLive))),
  Layer.provide(SqlLive),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: Number(values.port), host: values.host! }))
)

const main = Effect.gen(function*() {
  const address = yield* HttpServer.HttpServer.pipe(Effect.map((server) => server.address))
  if (address._tag === "TcpAddress") process.stdout.write(`floor listening on http://${address.hostname}:${address.port}\n`)
  return yield* Effect.never
}).pipe(
  Effect.provide(ServerLive),
  // As weft runs: no span exporter, so no spans.
  Effect.withTracerEnabled(false),
  Effect.locally(HttpMiddleware.currentTracerDisabledWhen, () => true)
)

NodeRuntime.runMain(main)
