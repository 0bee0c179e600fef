/**
 * The baseline: the same execution operations as weft, on the same tables and indexes,
 * with no framework: `node:http`, `better-sqlite3` (WAL, synchronous=FULL, prepared
 * statements) and hand-written validation. It is the floor the benchmark compares weft
 * against.
 *
 * Run on its own:
 *   pnpm --filter @weft/bench baseline -- --db /tmp/base.db --port 8081
 *   (or: node --import tsx bench/src/baseline.ts --db FILE --port N)
 * It prints `baseline listening on http://127.0.0.1:PORT` when ready and stops on
 * SIGTERM/SIGINT.
 *
 * Routes (contract shape, errors as `{code, message}`):
 *   GET   /health
 *   POST  /v1/workflows                          (setup: minimal validation; provisions the default instance)
 *   GET   /v1/workflows/{id}
 *   POST  /v1/workflow-instances                 (setup: minimal validation)
 *   GET   /v1/workflow-instances/{id}
 *   POST  /v1/workflow-executions                (full create, CONTRACT 4.1)
 *   GET   /v1/workflow-executions                (list, CONTRACT 4.3)
 *   GET   /v1/workflow-executions/{id}
 *   PATCH /v1/workflow-executions/{id}/status    (status update, CONTRACT 4.2)
 *
 * Reads send the stored JSON text as it is (no parse/re-encode): that is what a bare
 * server would do, and it is part of what the baseline measures.
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import { monotonicFactory } from "ulid"

const API_VERSION = "agentic.stigmer.ai/v1"
const MAX_BODY = 1024 * 1024
const SYSTEM = { id: "system" } as const

const PHASES = [
  "EXECUTION_PENDING",
  "EXECUTION_IN_PROGRESS",
  "EXECUTION_COMPLETED",
  "EXECUTION_FAILED",
  "EXECUTION_CANCELLED"
] as const
type Phase = (typeof PHASES)[number]
const TERMINAL: ReadonlySet<string> = new Set(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"])

const TASK_STATUSES = [
  "WORKFLOW_TASK_PENDING",
  "WORKFLOW_TASK_IN_PROGRESS",
  "WORKFLOW_TASK_COMPLETED",
  "WORKFLOW_TASK_FAILED",
  "WORKFLOW_TASK_SKIPPED"
] as const
const TASK_TYPES = [
  "WORKFLOW_TASK_AGENT_INVOCATION",
  "WORKFLOW_TASK_APPROVAL",
  "WORKFLOW_TASK_API_CALL",
  "WORKFLOW_TASK_CONDITIONAL",
  "WORKFLOW_TASK_PARALLEL",
  "WORKFLOW_TASK_TRANSFORM",
  "WORKFLOW_TASK_CUSTOM"
] as const
const TASK_KINDS = [
  "WORKFLOW_TASK_KIND_SET",
  "WORKFLOW_TASK_KIND_HTTP_CALL",
  "WORKFLOW_TASK_KIND_GRPC_CALL",
  "WORKFLOW_TASK_KIND_CALL_ACTIVITY",
  "WORKFLOW_TASK_KIND_SWITCH",
  "WORKFLOW_TASK_KIND_FOR",
  "WORKFLOW_TASK_KIND_FORK",
  "WORKFLOW_TASK_KIND_TRY",
  "WORKFLOW_TASK_KIND_LISTEN",
  "WORKFLOW_TASK_KIND_WAIT",
  "WORKFLOW_TASK_KIND_RAISE",
  "WORKFLOW_TASK_KIND_RUN",
  "WORKFLOW_TASK_KIND_AGENT_CALL"
] as const
const OWNER_SCOPES = ["api_resource_owner_scope_unspecified", "platform", "organization", "identity_account"] as const

/** Legal phase moves (the same phase again is always legal). */
const TRANSITIONS: Record<string, ReadonlySet<string>> = {
  EXECUTION_PENDING: new Set(["EXECUTION_IN_PROGRESS", "EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"]),
  EXECUTION_IN_PROGRESS: new Set(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"])
}

// ---------------------------------------------------------------------------------------
// Errors

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}
const invalid = (message: string) => new ApiError(400, "INVALID_ARGUMENT", message)
const notFound = (kind: string, id: string) => new ApiError(404, "NOT_FOUND", `${kind} not found: ${id}`)
const alreadyExists = (kind: string, org: string, slug: string) =>
  new ApiError(409, "ALREADY_EXISTS", `${kind} already exists${org ? ` in org ${org}` : ""}: ${slug}`)

// ---------------------------------------------------------------------------------------
// Small helpers

const nextUlid = monotonicFactory()
const newId = (prefix: string) => `${prefix}-${nextUlid().toLowerCase()}`
const ID_PATTERN = /^[a-z]{3}-[0-9a-hjkmnp-tv-z]{26}$/
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/

export const slugFromName = (name: string): string =>
  name
    .toLowerCase()
    .replace(/\s/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)
/** UTC `yyyyMMdd-HHmmss`. */
export const nameStamp = (d: Date): string =>
  `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}-` +
  `${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}`

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v)

/** A proto3-JSON enum: its name, or its number (`firstNumber` is the number of `names[0]`). */
const enumValue = (names: ReadonlyArray<string>, value: unknown, field: string, firstNumber = 0): string => {
  if (typeof value === "string" && names.includes(value)) return value
  if (typeof value === "number" && Number.isInteger(value) && value >= firstNumber && value - firstNumber < names.length) {
    return names[value - firstNumber]
  }
  throw invalid(`${field}: expected one of ${names.join(", ")} (or its number)`)
}

const optionalString = (value: unknown, field: string): string | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== "string") throw invalid(`${field}: expected a string`)
  return value
}

const stringMap = (value: unknown, field: string): Record<string, string> | undefined => {
  if (value === undefined) return undefined
  if (!isObject(value)) throw invalid(`${field}: expected an object of strings`)
  for (const [k, v] of Object.entries(value)) if (typeof v !== "string") throw invalid(`${field}.${k}: expected a string`)
  return value
}

const auditCreated = (at: string) => {
  const info = { createdBy: SYSTEM, createdAt: at, updatedBy: SYSTEM, updatedAt: at, event: "created" }
  return { specAudit: info, statusAudit: { ...info } }
}

// ---------------------------------------------------------------------------------------
// Storage: the same layout as weft's ResourceTable

const BASE_COLUMNS = `
  id TEXT PRIMARY KEY NOT NULL,
  org TEXT NOT NULL,
  slug TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  doc TEXT NOT NULL`

const SCHEMA = `
CREATE TABLE IF NOT EXISTS workflows (${BASE_COLUMNS});
CREATE UNIQUE INDEX IF NOT EXISTS workflows_org_slug ON workflows (org, slug);
CREATE TABLE IF NOT EXISTS workflow_instances (${BASE_COLUMNS}, workflow_id TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS workflow_instances_org_slug ON workflow_instances (org, slug);
CREATE INDEX IF NOT EXISTS workflow_instances_workflow_id ON workflow_instances (workflow_id, id);
CREATE TABLE IF NOT EXISTS workflow_executions (${BASE_COLUMNS}, workflow_instance_id TEXT, workflow_id TEXT, phase TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS workflow_executions_org_slug ON workflow_executions (org, slug);
CREATE INDEX IF NOT EXISTS workflow_executions_workflow_instance_id ON workflow_executions (workflow_instance_id, id);
CREATE INDEX IF NOT EXISTS workflow_executions_workflow_id ON workflow_executions (workflow_id, id);
CREATE INDEX IF NOT EXISTS workflow_executions_phase ON workflow_executions (phase, id);
`

export const openDatabase = (file: string): Database.Database => {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const db = new Database(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = FULL")
  db.pragma("foreign_keys = ON")
  db.pragma("busy_timeout = 5000")
  db.exec(SCHEMA)
  return db
}

interface Row {
  readonly version: number
  readonly doc: string
}

const makeStore = (db: Database.Database) => {
  const s = {
    workflowGet: db.prepare<[string], Row>("SELECT version, doc FROM workflows WHERE id = ?"),
    workflowSlugTaken: db.prepare<[string, string], { one: number }>(
      "SELECT 1 AS one FROM workflows WHERE org = ? AND slug = ?"
    ),
    workflowInsert: db.prepare(
      "INSERT INTO workflows (id, org, slug, version, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ),
    workflowSetDoc: db.prepare("UPDATE workflows SET doc = ? WHERE id = ?"),
    instanceGet: db.prepare<[string], Row>("SELECT version, doc FROM workflow_instances WHERE id = ?"),
    instanceSlugTaken: db.prepare<[string, string], { one: number }>(
      "SELECT 1 AS one FROM workflow_instances WHERE org = ? AND slug = ?"
    ),
    instanceInsert: db.prepare(
      "INSERT INTO workflow_instances (id, org, slug, version, created_at, updated_at, doc, workflow_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    ),
    executionGet: db.prepare<[string], Row>("SELECT version, doc FROM workflow_executions WHERE id = ?"),
    executionSlugTaken: db.prepare<[string, string], { one: number }>(
      "SELECT 1 AS one FROM workflow_executions WHERE org = ? AND slug = ?"
    ),
    /**
     * The highest numeric `-N` suffix taken after `base` in an org: a range scan of the
     * (org, slug) index over `base-…` (`.` sorts right after `-`), done inside SQLite.
     */
    executionMaxSuffix: db.prepare<[number, string, string, string, number], { n: number | null }>(
      `SELECT MAX(CAST(substr(slug, ?) AS INTEGER)) AS n FROM workflow_executions
       WHERE org = ? AND slug > ? AND slug < ? AND substr(slug, ?) NOT GLOB '*[^0-9]*'`
    ),
    executionInsert: db.prepare(
      `INSERT INTO workflow_executions (id, org, slug, version, created_at, updated_at, doc, workflow_instance_id, workflow_id, phase)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ),
    executionUpdateStatus: db.prepare(
      "UPDATE workflow_executions SET version = ?, updated_at = ?, doc = ?, phase = ? WHERE id = ? AND version = ?"
    )
  }
  return s
}

// ---------------------------------------------------------------------------------------
// The application

export interface Baseline {
  readonly server: Server
  readonly db: Database.Database
  readonly close: () => Promise<void>
}

interface Reply {
  readonly status: number
  /** Already-encoded JSON. */
  readonly body: string
  readonly version?: number
}

const json = (status: number, value: unknown, version?: number): Reply => ({ status, body: JSON.stringify(value), version })

export const createBaseline = (dbFile: string): Baseline => {
  const db = openDatabase(dbFile)
  const st = makeStore(db)
  const listStatements = new Map<string, Database.Statement<unknown[], { id: string; doc: string }>>()

  const loadDoc = (row: Row | undefined, kind: string, id: string): any => {
    if (row === undefined) throw notFound(kind, id)
    return JSON.parse(row.doc)
  }

  const checkEnvelope = (body: unknown, kind: string): Record<string, any> => {
    if (!isObject(body)) throw invalid("body: expected a JSON object")
    if (body.apiVersion !== undefined && body.apiVersion !== API_VERSION) {
      throw invalid(`apiVersion: expected "${API_VERSION}"`)
    }
    if (body.kind !== undefined && body.kind !== kind) throw invalid(`kind: expected "${kind}"`)
    if (body.metadata !== undefined && !isObject(body.metadata)) throw invalid("metadata: expected an object")
    if (!isObject(body.spec)) throw invalid("spec: expected an object")
    const metadata = (body.metadata ?? {}) as Record<string, any>
    if (metadata.id !== undefined) throw invalid("metadata.id: is assigned by the server and must not be sent")
    if (metadata.slug !== undefined && (typeof metadata.slug !== "string" || !SLUG_PATTERN.test(metadata.slug))) {
      throw invalid("metadata.slug: must be slug-shaped (^[a-z0-9]+(-[a-z0-9]+)*$)")
    }
    optionalString(metadata.name, "metadata.name")
    optionalString(metadata.org, "metadata.org")
    stringMap(metadata.labels, "metadata.labels")
    stringMap(metadata.annotations, "metadata.annotations")
    return metadata
  }

  const ownerScope = (metadata: Record<string, any>, allowed: ReadonlyArray<string>, kind: string): string | undefined => {
    if (metadata.ownerScope === undefined) return undefined
    const scope = enumValue(OWNER_SCOPES, metadata.ownerScope, "metadata.ownerScope")
    if (scope === "api_resource_owner_scope_unspecified") return undefined
    if (!allowed.includes(scope)) throw invalid(`metadata.ownerScope: a ${kind} must be ${allowed.join(" or ")}`)
    return scope
  }

  const buildMetadata = (
    metadata: Record<string, any>,
    id: string,
    name: string,
    slug: string,
    scope: string | undefined
  ) => {
    const out: Record<string, unknown> = { id, name, slug }
    if (metadata.org !== undefined) out.org = metadata.org
    if (scope !== undefined) out.ownerScope = scope
    if (metadata.labels !== undefined) out.labels = metadata.labels
    if (metadata.annotations !== undefined) out.annotations = metadata.annotations
    if (metadata.tags !== undefined) out.tags = metadata.tags
    out.version = 1
    return out
  }

  const requiredName = (metadata: Record<string, any>) => {
    if (typeof metadata.name !== "string" || metadata.name === "") throw invalid("metadata.name: is required")
    const slug = metadata.slug ?? slugFromName(metadata.name)
    if (slug === "") throw invalid("metadata.name: has no letters or digits to make a slug from")
    return { name: metadata.name as string, slug: slug as string }
  }

  /** Inserts a workflow's default instance; returns its doc. */
  const insertInstance = (
    workflowId: string,
    org: string | undefined,
    scope: string | undefined,
    name: string,
    slug: string,
    spec: Record<string, unknown>,
    metadataIn: Record<string, any>,
    at: string
  ) => {
    const orgKey = org ?? ""
    if (st.instanceSlugTaken.get(orgKey, slug) !== undefined) throw alreadyExists("WorkflowInstance", orgKey, slug)
    const id = newId("win")
    const doc = {
      apiVersion: API_VERSION,
      kind: "WorkflowInstance",
      metadata: buildMetadata({ ...metadataIn, org }, id, name, slug, scope),
      spec: { ...spec, workflowId },
      status: { audit: auditCreated(at) }
    }
    st.instanceInsert.run(id, orgKey, slug, 1, at, at, JSON.stringify(doc), workflowId)
    return doc
  }

  const createWorkflow = db.transaction((body: unknown): Reply => {
    const metadata = checkEnvelope(body, "Workflow")
    const spec = (body as any).spec as Record<string, any>
    const scope = ownerScope(metadata, ["platform", "organization"], "Workflow")
    if (scope === undefined) throw invalid("metadata.ownerScope: a Workflow must be platform or organization")
    const { name, slug } = requiredName(metadata)
    const document = spec.document
    if (!isObject(document)) throw invalid("spec.document: is required")
    if (document.dsl !== "1.0.0") throw invalid('spec.document.dsl: must be "1.0.0"')
    for (const f of ["namespace", "name", "version"]) {
      if (typeof document[f] !== "string" || document[f] === "") throw invalid(`spec.document.${f}: is required`)
    }
    if (!Array.isArray(spec.tasks) || spec.tasks.length === 0) throw invalid("spec.tasks: at least one task is required")
    const names = new Set<string>()
    spec.tasks.forEach((task: unknown, i: number) => {
      if (!isObject(task)) throw invalid(`spec.tasks[${i}]: expected an object`)
      if (typeof task.name !== "string" || task.name === "") throw invalid(`spec.tasks[${i}].name: is required`)
      if (names.has(task.name)) throw invalid(`spec.tasks[${i}].name: duplicate task name ${task.name}`)
      names.add(task.name)
      task.kind = enumValue(TASK_KINDS, task.kind, `spec.tasks[${i}].kind`, 1)
      if (!isObject(task.taskConfig)) throw invalid(`spec.tasks[${i}].taskConfig: expected an object`)
    })
    const orgKey = metadata.org ?? ""
    if (st.workflowSlugTaken.get(orgKey, slug) !== undefined) throw alreadyExists("Workflow", orgKey, slug)
    const at = new Date().toISOString()
    const id = newId("wfl")
    const instance = insertInstance(
      id,
      metadata.org,
      scope,
      `${slug}-default`,
      `${slug}-default`,
      { description: "Default instance (auto-created)" },
      {},
      at
    )
    const doc = {
      apiVersion: API_VERSION,
      kind: "Workflow",
      metadata: buildMetadata(metadata, id, name, slug, scope),
      spec,
      status: { audit: auditCreated(at), defaultInstanceId: instance.metadata.id }
    }
    const text = JSON.stringify(doc)
    st.workflowInsert.run(id, orgKey, slug, 1, at, at, text)
    return { status: 201, body: text, version: 1 }
  })

  const createInstance = db.transaction((body: unknown): Reply => {
    const metadata = checkEnvelope(body, "WorkflowInstance")
    const spec = (body as any).spec as Record<string, any>
    const scope = ownerScope(metadata, OWNER_SCOPES.slice(1), "WorkflowInstance")
    const { name, slug } = requiredName(metadata)
    if (typeof spec.workflowId !== "string" || spec.workflowId === "") throw invalid("spec.workflowId: is required")
    const workflow = loadDoc(st.workflowGet.get(spec.workflowId), "Workflow", spec.workflowId)
    if (scope === "organization" && workflow.metadata.ownerScope === "organization" && workflow.metadata.org !== metadata.org) {
      throw invalid("metadata.org: an organization instance must be in its workflow's org")
    }
    const doc = insertInstance(spec.workflowId, metadata.org, scope, name, slug, spec, metadata, new Date().toISOString())
    return json(201, doc, 1)
  })

  /** The first free execution slug for `base`: `base`, else `base-N` with N the next number. */
  const freeExecutionSlug = (orgKey: string, base: string): string => {
    if (st.executionSlugTaken.get(orgKey, base) === undefined) return base
    const from = base.length + 2 // 1-based position after "base-"
    const max = st.executionMaxSuffix.get(from, orgKey, `${base}-`, `${base}.`, from)?.n ?? null
    return `${base}-${max === null || max < 2 ? 2 : max + 1}`
  }

  const createExecution = db.transaction((body: unknown): Reply => {
    // validate
    const metadata = checkEnvelope(body, "WorkflowExecution")
    const specIn = (body as any).spec as Record<string, any>
    const scope = ownerScope(metadata, ["organization", "identity_account"], "WorkflowExecution")
    if (scope === undefined) {
      throw invalid("metadata.ownerScope: a WorkflowExecution must be organization or identity_account")
    }
    const instanceIdIn = optionalString(specIn.workflowInstanceId, "spec.workflowInstanceId") || undefined
    const workflowIdIn = optionalString(specIn.workflowId, "spec.workflowId") || undefined
    optionalString(specIn.triggerMessage, "spec.triggerMessage")
    stringMap(specIn.triggerMetadata, "spec.triggerMetadata")
    if (specIn.runtimeEnv !== undefined) {
      if (!isObject(specIn.runtimeEnv)) throw invalid("spec.runtimeEnv: expected an object")
      for (const [k, v] of Object.entries(specIn.runtimeEnv)) {
        if (!isObject(v) || typeof v.value !== "string" || v.value === "") {
          throw invalid(`spec.runtimeEnv.${k}.value: must be a non-empty string`)
        }
      }
    }
    if (specIn.callbackToken !== undefined && (typeof specIn.callbackToken !== "string" ||
      !/^[A-Za-z0-9+/]*={0,2}$/.test(specIn.callbackToken))) {
      throw invalid("spec.callbackToken: must be base64")
    }
    // require an instance or a workflow
    if (instanceIdIn === undefined && workflowIdIn === undefined) {
      throw invalid("spec: workflowInstanceId or workflowId is required")
    }
    const at = new Date()
    const atText = at.toISOString()
    // resolve the instance
    let instance: any
    if (instanceIdIn !== undefined) {
      instance = loadDoc(st.instanceGet.get(instanceIdIn), "WorkflowInstance", instanceIdIn)
    } else {
      const workflow = loadDoc(st.workflowGet.get(workflowIdIn!), "Workflow", workflowIdIn!)
      const defaultId: string | undefined = workflow.status.defaultInstanceId
      const row = defaultId === undefined ? undefined : st.instanceGet.get(defaultId)
      if (row !== undefined) {
        instance = JSON.parse(row.doc)
      } else {
        const slug = `${workflow.metadata.slug}-default`
        instance = insertInstance(
          workflow.metadata.id,
          workflow.metadata.org,
          workflow.metadata.ownerScope,
          slug,
          slug,
          { description: "Default instance (auto-created)" },
          {},
          atText
        )
        workflow.status.defaultInstanceId = instance.metadata.id
        st.workflowSetDoc.run(JSON.stringify(workflow), workflow.metadata.id)
      }
    }
    const orgKey: string = metadata.org ?? ""
    // name, slug
    let name: string
    let slug: string
    if (typeof metadata.name === "string" && metadata.name !== "") {
      name = metadata.name
      slug = metadata.slug ?? slugFromName(name)
      if (slug === "") throw invalid("metadata.name: has no letters or digits to make a slug from")
    } else if (metadata.slug !== undefined) {
      name = slug = metadata.slug
    } else {
      name = slug = freeExecutionSlug(orgKey, `${instance.metadata.slug}-${nameStamp(at)}`)
    }
    // duplicate check
    if (st.executionSlugTaken.get(orgKey, slug) !== undefined) throw alreadyExists("WorkflowExecution", orgKey, slug)
    // id, audit, phase
    const id = newId("wex")
    // like weft: the resolved instance, and its workflow, are recorded in the spec
    const workflowId: string | undefined = workflowIdIn ?? instance.spec.workflowId
    const spec = { ...specIn, workflowInstanceId: instance.metadata.id, workflowId }
    const doc = {
      apiVersion: API_VERSION,
      kind: "WorkflowExecution",
      metadata: buildMetadata(metadata, id, name, slug, scope),
      spec,
      status: { audit: auditCreated(atText), phase: "EXECUTION_PENDING" }
    }
    // persist
    const text = JSON.stringify(doc)
    st.executionInsert.run(
      id,
      orgKey,
      slug,
      1,
      atText,
      atText,
      text,
      instance.metadata.id,
      workflowId ?? null,
      "EXECUTION_PENDING"
    )
    return { status: 201, body: text, version: 1 }
  })

  const parseTasks = (value: unknown): Array<Record<string, unknown>> => {
    if (!Array.isArray(value)) throw invalid("tasks: expected an array")
    return value.map((task, i) => {
      if (!isObject(task)) throw invalid(`tasks[${i}]: expected an object`)
      const out: Record<string, unknown> = { ...task }
      if (task.status !== undefined) out.status = enumValue(TASK_STATUSES, task.status, `tasks[${i}].status`, 1)
      if (task.taskType !== undefined) out.taskType = enumValue(TASK_TYPES, task.taskType, `tasks[${i}].taskType`, 1)
      for (const f of ["taskId", "taskName", "startedAt", "completedAt", "error"]) {
        optionalString(task[f], `tasks[${i}].${f}`)
      }
      return out
    })
  }

  const updateStatus = db.transaction((id: string, body: unknown, ifMatch: string | undefined): Reply => {
    if (!isObject(body)) throw invalid("body: expected a JSON object (a partial status)")
    const patch: Record<string, unknown> = {}
    if (body.phase !== undefined) patch.phase = enumValue(PHASES, body.phase, "phase", 1)
    if (body.tasks !== undefined) patch.tasks = parseTasks(body.tasks)
    if (body.output !== undefined) {
      if (!isObject(body.output)) throw invalid("output: expected an object")
      patch.output = body.output
    }
    for (const f of ["error", "startedAt", "completedAt", "temporalWorkflowId"]) {
      if (body[f] !== undefined) patch[f] = optionalString(body[f], f)
    }
    if (Object.keys(patch).length === 0) throw invalid("status: nothing to update")
    // load
    const row = st.executionGet.get(id)
    if (row === undefined) throw notFound("WorkflowExecution", id)
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== `"${row.version}"`) {
      throw new ApiError(412, "ABORTED", `WorkflowExecution ${id} is at version "${row.version}", If-Match expected ${ifMatch}`)
    }
    const doc = JSON.parse(row.doc)
    const status = doc.status
    // transition check
    const from: string = status.phase ?? "EXECUTION_PENDING"
    const to = (patch.phase as Phase | undefined) ?? from
    if (to !== from && !(TRANSITIONS[from]?.has(to) ?? false)) {
      throw new ApiError(409, "FAILED_PRECONDITION", `illegal phase transition ${from} -> ${to}`)
    }
    // merge
    const at = new Date().toISOString()
    for (const [k, v] of Object.entries(patch)) status[k] = v
    if (to === "EXECUTION_IN_PROGRESS" && status.startedAt === undefined) status.startedAt = at
    if (TERMINAL.has(to) && status.completedAt === undefined) status.completedAt = at
    status.audit.statusAudit = { ...status.audit.statusAudit, updatedBy: SYSTEM, updatedAt: at, event: "status_updated" }
    const version = row.version + 1
    doc.metadata.version = version
    // persist
    const text = JSON.stringify(doc)
    const changed = st.executionUpdateStatus.run(version, at, text, to, id, row.version).changes
    if (changed !== 1) throw new ApiError(412, "ABORTED", `WorkflowExecution ${id} changed concurrently`)
    return { status: 200, body: text, version }
  })

  const get = (
    stmt: Database.Statement<[string], Row>,
    kind: string,
    id: string
  ): Reply => {
    const row = stmt.get(id)
    if (row === undefined) throw notFound(kind, id)
    return { status: 200, body: row.doc, version: row.version }
  }

  const listExecutions = (query: URLSearchParams): Reply => {
    const phases = query.getAll("phase").map((p) => enumValue(PHASES, /^\d+$/.test(p) ? Number(p) : p, "phase", 1))
    const instanceId = query.get("workflowInstanceId") ?? undefined
    const workflowId = query.get("workflowId") ?? undefined
    const sizeText = query.get("pageSize")
    let pageSize = 50
    if (sizeText !== null && sizeText !== "") {
      pageSize = Number(sizeText)
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        throw invalid("pageSize: expected an integer from 1 to 1000")
      }
    }
    const token = query.get("pageToken") ?? undefined
    let after: string | undefined
    if (token !== undefined && token !== "") {
      after = Buffer.from(token, "base64url").toString("utf8")
      if (!ID_PATTERN.test(after)) throw invalid("pageToken: not a token returned by a previous page")
    }
    const clauses: Array<string> = []
    const params: Array<string | number> = []
    if (phases.length > 0) {
      clauses.push(phases.length === 1 ? "phase = ?" : `phase IN (${phases.map(() => "?").join(", ")})`)
      params.push(...phases)
    }
    if (instanceId !== undefined) {
      clauses.push("workflow_instance_id = ?")
      params.push(instanceId)
    }
    if (workflowId !== undefined) {
      clauses.push("workflow_id = ?")
      params.push(workflowId)
    }
    if (after !== undefined) {
      clauses.push("id < ?")
      params.push(after)
    }
    params.push(pageSize + 1)
    const sql = `SELECT id, doc FROM workflow_executions${clauses.length > 0 ? ` WHERE ${clauses.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT ?`
    let stmt = listStatements.get(sql)
    if (stmt === undefined) {
      stmt = db.prepare(sql)
      listStatements.set(sql, stmt)
    }
    const rows = stmt.all(...params)
    const more = rows.length > pageSize
    const page = more ? rows.slice(0, pageSize) : rows
    let body = `{"entries":[${page.map((r) => r.doc).join(",")}]`
    if (more) body += `,"nextPageToken":"${Buffer.from(page[page.length - 1].id, "utf8").toString("base64url")}"`
    return { status: 200, body: `${body}}` }
  }

  const readBody = (req: IncomingMessage): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const chunks: Array<Buffer> = []
      let size = 0
      req.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) {
          reject(new ApiError(413, "PAYLOAD_TOO_LARGE", `request body is over ${MAX_BODY} bytes`))
          req.resume()
          return
        }
        chunks.push(chunk)
      })
      req.on("end", () => {
        if (size > MAX_BODY) return
        const text = Buffer.concat(chunks).toString("utf8")
        if (text.trim() === "") return resolve(undefined)
        try {
          resolve(JSON.parse(text))
        } catch {
          reject(invalid("body: malformed JSON"))
        }
      })
      req.on("error", reject)
    })

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const pathname = q === -1 ? url : url.slice(0, q)
    const method = req.method ?? "GET"
    const parts = pathname.split("/")
    // parts: ["", "v1", collection, id?, sub?]
    if (pathname === "/health" && method === "GET") return json(200, { status: "ok" })
    if (parts[1] !== "v1" || parts.length < 3 || parts.length > 5) {
      throw new ApiError(404, "NOT_FOUND", `route not found: ${method} ${pathname}`)
    }
    const collection = parts[2]
    const id = parts[3] === undefined ? undefined : decodeURIComponent(parts[3])
    const sub = parts[4]
    if (collection === "workflow-executions") {
      if (id === undefined || id === "") {
        if (method === "POST") return createExecution(await readBody(req))
        if (method === "GET") return listExecutions(new URLSearchParams(q === -1 ? "" : url.slice(q + 1)))
      } else if (sub === undefined) {
        if (method === "GET") return get(st.executionGet, "WorkflowExecution", id)
      } else if (sub === "status" && method === "PATCH") {
        const header = req.headers["if-match"]
        return updateStatus(id, await readBody(req), Array.isArray(header) ? header[0] : header)
      }
    } else if (collection === "workflows" && sub === undefined) {
      if (id === undefined && method === "POST") return createWorkflow(await readBody(req))
      if (id !== undefined && method === "GET") return get(st.workflowGet, "Workflow", id)
    } else if (collection === "workflow-instances" && sub === undefined) {
      if (id === undefined && method === "POST") return createInstance(await readBody(req))
      if (id !== undefined && method === "GET") return get(st.instanceGet, "WorkflowInstance", id)
    }
    throw new ApiError(404, "NOT_FOUND", `route not found: ${method} ${pathname}`)
  }

  const send = (res: ServerResponse, reply: Reply) => {
    const headers: Record<string, string | number> = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(reply.body)
    }
    if (reply.version !== undefined) headers.etag = `"${reply.version}"`
    res.writeHead(reply.status, headers)
    res.end(reply.body)
  }

  const server = createServer((req, res) => {
    route(req).then(
      (reply) => send(res, reply),
      (error: unknown) => {
        if (error instanceof ApiError) {
          send(res, json(error.status, { code: error.code, message: error.message }))
        } else {
          console.error("baseline: internal error", error)
          send(res, json(500, { code: "INTERNAL", message: "internal error" }))
        }
      }
    )
  })

  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        db.close()
        resolve()
      })
      server.closeIdleConnections()
      setTimeout(() => server.closeAllConnections(), 2_000).unref()
    })

  return { server, db, close }
}

// ---------------------------------------------------------------------------------------
// Runnable on its own

const main = () => {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== "--"),
    options: {
      db: { type: "string", default: process.env.BASELINE_DB ?? ":memory:" },
      port: { type: "string", default: process.env.BASELINE_PORT ?? "8081" },
      host: { type: "string", default: process.env.BASELINE_HOST ?? "127.0.0.1" }
    }
  })
  const baseline = createBaseline(values.db!)
  baseline.server.listen(Number(values.port), values.host, () => {
    const address = baseline.server.address()
    const port = typeof address === "object" && address !== null ? address.port : values.port
    process.stdout.write(`baseline listening on http://${values.host}:${port}\n`)
  })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    baseline.close().then(() => process.exit(0))
  }
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main()
