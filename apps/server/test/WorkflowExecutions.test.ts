/**
 * End to end over real HTTP (in-process server, on in-memory SQLite and, with
 * `WEFT_TEST_PG`, on PostgreSQL): every `/v1/workflow-executions` route, every error the
 * contract names for it (status and `code`), ETag and If-Match, and concurrent status
 * updates of one execution. (The watch stream itself is covered in Watch.test.ts; here
 * only its route errors.)
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Effect } from "effect"
import { assertError, assertETag, baseUrl, expectStatus, request, sendText, withServerOn } from "./support/TestServer.js"

const PATH = "/v1/workflow-executions"
const UNKNOWN = "wex-01j0000000000000000000000z"

const workflowBody = (name = "Customer Onboarding") => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "onboarding", version: "1.0.0" },
    tasks: [{ name: "validate_email", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
  }
})

const executionBody = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowExecution",
  metadata: { ownerScope: "organization", org: "acme", ...metadata },
  spec: { triggerMessage: "hello", ...spec }
})

const createWorkflow = (name?: string) =>
  Effect.map(request("POST", "/v1/workflows", workflowBody(name)), (res) => expectStatus(res, 201))

/** An extra instance (besides the default one) of the workflow `workflowId`. */
const createInstance = (workflowId: string, name: string) =>
  Effect.map(
    request("POST", "/v1/workflow-instances", {
      metadata: { name, ownerScope: "organization", org: "acme" },
      spec: { workflowId }
    }),
    (res) => expectStatus(res, 201)
  )

const createExecution = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  Effect.map(request("POST", PATH, executionBody(spec, metadata)), (res) => expectStatus(res, 201))

/** A workflow and one execution of it, created by workflow id. */
const setup = Effect.gen(function*() {
  const workflow = yield* createWorkflow()
  const execution = yield* createExecution({ workflowId: workflow.metadata.id })
  return { workflow, execution, id: execution.metadata.id as string }
})

const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  request("PATCH", `${PATH}/${id}/status`, body, headers)

describe.each(TestDatabase.backends)("workflow executions on %s", (backend) => {
  const withServer = withServerOn(backend)

  describe("POST /v1/workflow-executions", () => {
    it.live("with workflowId: 201, ETag \"1\", PENDING, the default instance resolved, a generated name", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        const res = yield* request("POST", PATH, executionBody({ workflowId: workflow.metadata.id }))
        assert.strictEqual(res.status, 201, JSON.stringify(res.body))
        assert.include(res.headers["content-type"], "application/json")
        assertETag(res, 1)
        const ex = res.body
        assert.strictEqual(ex.apiVersion, "agentic.stigmer.ai/v1")
        assert.strictEqual(ex.kind, "WorkflowExecution")
        assert.match(ex.metadata.id, /^wex-[0-9a-z]{26}$/)
        assert.match(ex.metadata.name, /^customer-onboarding-default-\d{8}-\d{6}$/)
        assert.strictEqual(ex.metadata.slug, ex.metadata.name)
        assert.strictEqual(ex.spec.workflowInstanceId, workflow.status.defaultInstanceId)
        assert.strictEqual(ex.spec.workflowId, workflow.metadata.id)
        assert.strictEqual(ex.status.phase, "EXECUTION_PENDING")
        assert.strictEqual(ex.status.audit.specAudit.event, "created")
        assert.match(ex.status.audit.specAudit.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        // The stamp is the creation time in UTC (read a moment before createdAt: allow the
        // second before it, in case a second boundary fell in between).
        const createdAt = Date.parse(ex.status.audit.specAudit.createdAt)
        const stamp = (millis: number) =>
          new Date(millis).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)
        assert.include(
          [`customer-onboarding-default-${stamp(createdAt)}`, `customer-onboarding-default-${stamp(createdAt - 1000)}`],
          ex.metadata.name
        )
      })))

    it.live("with workflowId of a workflow without default: creates `<slug>-default` and records it", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        expectStatus(yield* request("DELETE", `/v1/workflow-instances/${workflow.status.defaultInstanceId}`), 200)
        const bare = expectStatus(yield* request("GET", `/v1/workflows/${workflow.metadata.id}`), 200)
        assert.isUndefined(bare.status.defaultInstanceId)

        const ex = yield* createExecution({ workflowId: workflow.metadata.id })
        const after = expectStatus(yield* request("GET", `/v1/workflows/${workflow.metadata.id}`), 200)
        assert.strictEqual(after.status.defaultInstanceId, ex.spec.workflowInstanceId)
        assert.strictEqual(after.metadata.version, bare.metadata.version + 1)
        const instance = expectStatus(
          yield* request("GET", "/v1/workflow-instances/by-slug/customer-onboarding-default?org=acme"),
          200
        )
        assert.strictEqual(instance.metadata.id, ex.spec.workflowInstanceId)
        assert.strictEqual(instance.spec.description, "Default instance (auto-created)")
      })))

    it.live("with workflowInstanceId and a name; generated names get -2 within a second", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        const instance = yield* createInstance(workflow.metadata.id, "Acme Prod")
        const named = yield* createExecution({ workflowInstanceId: instance.metadata.id }, { name: "First Run" })
        assert.strictEqual(named.metadata.slug, "first-run")
        assert.strictEqual(named.spec.workflowId, workflow.metadata.id)

        // Two at once: same second (almost always); if the second changed, both are plain.
        const [a, b] = yield* Effect.all([
          createExecution({ workflowInstanceId: instance.metadata.id }),
          createExecution({ workflowInstanceId: instance.metadata.id })
        ], { concurrency: 2 })
        const names = [a.metadata.name, b.metadata.name].sort()
        assert.match(names[0], /^acme-prod-\d{8}-\d{6}$/)
        if (names[1].startsWith(names[0])) assert.strictEqual(names[1], `${names[0]}-2`)
        else assert.match(names[1], /^acme-prod-\d{8}-\d{6}$/)
      })))

    it.live("ten unnamed creates at once each get a name of their own: all 201, no two alike", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        const responses = yield* Effect.all(
          Array.from({ length: 10 }, () => request("POST", PATH, executionBody({ workflowId: workflow.metadata.id }))),
          { concurrency: "unbounded" }
        )
        const names = responses.map((res) => expectStatus(res, 201, "unnamed create").metadata.name as string)
        assert.strictEqual(new Set(names).size, names.length, names.join(", "))
      })))

    it.live("400 INVALID_ARGUMENT for malformed JSON and each rule, naming the field; nothing stored", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        const id = workflow.metadata.id
        assertError(yield* sendText("POST", PATH, "{\"spec\": {"), 400, "INVALID_ARGUMENT")
        assertError(yield* sendText("POST", PATH, "not json"), 400, "INVALID_ARGUMENT")
        assertError(yield* sendText("POST", PATH), 400, "INVALID_ARGUMENT")
        const cases: ReadonlyArray<readonly [unknown, string]> = [
          [executionBody({}), "workflowInstanceId"],
          [executionBody({ workflowId: id }, { ownerScope: undefined }), "metadata.ownerScope"],
          [executionBody({ workflowId: id }, { ownerScope: "platform" }), "metadata.ownerScope"],
          [executionBody({ workflowId: id }, { ownerScope: 1 }), "metadata.ownerScope"],
          [executionBody({ workflowId: id }, { id: "wex-01j0000000000000000000000a" }), "metadata.id"],
          [executionBody({ workflowId: id, runtimeEnv: { KEY: { value: "" } } }), "spec.runtimeEnv"],
          [executionBody({ workflowId: id, callbackToken: "***" }), "spec.callbackToken"],
          [executionBody({ workflowId: id }, { slug: "Bad Slug" }), "metadata.slug"],
          [{ ...executionBody({ workflowId: id }), kind: "Workflow" }, "kind"],
          [{ ...executionBody({ workflowId: id }), apiVersion: "v1" }, "apiVersion"],
          [{ metadata: { ownerScope: "organization" } }, "spec"]
        ]
        for (const [body, field] of cases) {
          assertError(yield* request("POST", PATH, body), 400, "INVALID_ARGUMENT", field)
        }
        const list = yield* request("GET", PATH)
        assert.deepStrictEqual(list.body, { entries: [] })
      })))

    it.live("404 NOT_FOUND for a missing workflow or instance; 400 for an instance of another workflow", () =>
      withServer(Effect.gen(function*() {
        const workflow = yield* createWorkflow()
        const other = yield* createWorkflow("Other")
        assertError(
          yield* request("POST", PATH, executionBody({ workflowId: "wfl-nope" })),
          404,
          "NOT_FOUND",
          "Workflow not found: wfl-nope"
        )
        assertError(
          yield* request("POST", PATH, executionBody({ workflowInstanceId: "win-nope" })),
          404,
          "NOT_FOUND",
          "WorkflowInstance not found: win-nope"
        )
        assertError(
          yield* request(
            "POST",
            PATH,
            executionBody({ workflowInstanceId: workflow.status.defaultInstanceId, workflowId: other.metadata.id })
          ),
          400,
          "INVALID_ARGUMENT",
          "spec.workflowId"
        )
      })))

    it.live("409 ALREADY_EXISTS for a taken name; the default instance it made is rolled back", () =>
      withServer(Effect.gen(function*() {
        const other = yield* createWorkflow("Other")
        yield* createExecution({ workflowId: other.metadata.id }, { name: "run-1" })
        const workflow = yield* createWorkflow()
        expectStatus(yield* request("DELETE", `/v1/workflow-instances/${workflow.status.defaultInstanceId}`), 200)
        const before = expectStatus(yield* request("GET", `/v1/workflows/${workflow.metadata.id}`), 200)

        assertError(
          yield* request("POST", PATH, executionBody({ workflowId: workflow.metadata.id }, { name: "Run 1" })),
          409,
          "ALREADY_EXISTS",
          "run-1"
        )
        assert.deepStrictEqual(
          expectStatus(yield* request("GET", `/v1/workflows/${workflow.metadata.id}`), 200),
          before
        )
        assertError(
          yield* request("GET", "/v1/workflow-instances/by-slug/customer-onboarding-default?org=acme"),
          404,
          "NOT_FOUND"
        )
        const instances = yield* request("GET", `/v1/workflow-instances?workflowId=${workflow.metadata.id}`)
        assert.deepStrictEqual(instances.body.entries, [])
      })))
  })

  describe("GET /v1/workflow-executions/{id}", () => {
    it.live("200 with the ETag; 404 NOT_FOUND `WorkflowExecution not found: <id>`", () =>
      withServer(Effect.gen(function*() {
        const { execution, id } = yield* setup
        const res = yield* request("GET", `${PATH}/${id}`)
        assert.strictEqual(res.status, 200)
        assertETag(res, 1)
        assert.deepStrictEqual(res.body, execution)
        assertError(yield* request("GET", `${PATH}/${UNKNOWN}`), 404, "NOT_FOUND", `WorkflowExecution not found: ${UNKNOWN}`)
      })))
  })

  describe("PUT /v1/workflow-executions/{id}", () => {
    it.live("a PUT without metadata keeps the generated name (an execution's name is optional)", () =>
      withServer(Effect.gen(function*() {
        const { execution, id } = yield* setup
        const res = expectStatus(yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "again" } }), 200)
        assert.strictEqual(res.metadata.name, execution.metadata.name)
        assert.strictEqual(res.spec.triggerMessage, "again")
        assert.strictEqual(res.metadata.version, execution.metadata.version + 1)
      })))

    it.live("updates the spec: 200, ETag \"2\", status untouched; ids are immutable", () =>
      withServer(Effect.gen(function*() {
        const { execution, id, workflow } = yield* setup
        const running = expectStatus(yield* patch(id, { phase: "EXECUTION_IN_PROGRESS", output: { a: 1 } }), 200)
        const res = yield* request("PUT", `${PATH}/${id}`, {
          metadata: { name: execution.metadata.name },
          spec: { triggerMessage: "again", runtimeEnv: { REGION: { value: "eu" } } },
          status: { phase: "EXECUTION_CANCELLED" }
        })
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assertETag(res, 3)
        assert.strictEqual(res.body.spec.triggerMessage, "again")
        assert.deepStrictEqual(res.body.spec.runtimeEnv, { REGION: { value: "eu" } })
        assert.strictEqual(res.body.spec.workflowInstanceId, execution.spec.workflowInstanceId)
        assert.strictEqual(res.body.spec.workflowId, execution.spec.workflowId)
        assert.strictEqual(res.body.status.phase, "EXECUTION_IN_PROGRESS")
        assert.deepStrictEqual(res.body.status.output, { a: 1 })
        assert.strictEqual(res.body.status.startedAt, running.status.startedAt)
        assert.strictEqual(res.body.status.audit.specAudit.event, "updated")

        const other = yield* createWorkflow("Other")
        assertError(
          yield* request("PUT", `${PATH}/${id}`, { spec: { workflowId: other.metadata.id } }),
          400,
          "INVALID_ARGUMENT",
          "spec.workflowId"
        )
        assertError(
          yield* request("PUT", `${PATH}/${id}`, { spec: { workflowInstanceId: other.status.defaultInstanceId } }),
          400,
          "INVALID_ARGUMENT",
          "spec.workflowInstanceId"
        )
        assertError(
          yield* request("PUT", `${PATH}/${id}`, { spec: { runtimeEnv: { K: { value: "" } } } }),
          400,
          "INVALID_ARGUMENT",
          "spec.runtimeEnv"
        )
        assertError(yield* sendText("PUT", `${PATH}/${id}`, "{"), 400, "INVALID_ARGUMENT")
        assertError(yield* request("PUT", `${PATH}/${UNKNOWN}`, { spec: {} }), 404, "NOT_FOUND")
        assert.strictEqual((yield* request("GET", `${PATH}/${id}`)).body.metadata.version, 3)
        assert.isString(workflow.metadata.id)
      })))

    it.live("If-Match: a stale \"1\" or a weak W/\"2\" is 412 ABORTED and writes nothing; the current ETag, a list and * pass", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        const v2 = yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "v2" } }, { "if-match": "\"1\"" })
        assertETag(v2, 2)
        assertError(
          yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "v3" } }, { "if-match": "\"1\"" }),
          412,
          "ABORTED"
        )
        assert.strictEqual((yield* request("GET", `${PATH}/${id}`)).body.spec.triggerMessage, "v2")
        // Strong comparison (RFC 9110 §13.1.1): a weak tag never matches, even of the current version.
        assertError(
          yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "v3" } }, { "if-match": "W/\"2\"" }),
          412,
          "ABORTED"
        )
        assertError(yield* request("DELETE", `${PATH}/${id}`, undefined, { "if-match": "W/\"2\"" }), 412, "ABORTED")
        assert.strictEqual((yield* request("GET", `${PATH}/${id}`)).body.spec.triggerMessage, "v2")
        assertETag(
          yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "v3" } }, { "if-match": "\"7\", \"2\"" }),
          3
        )
        assertETag(yield* request("PUT", `${PATH}/${id}`, { spec: { triggerMessage: "v4" } }, { "if-match": "*" }), 4)
      })))
  })

  describe("PATCH /v1/workflow-executions/{id}/status", () => {
    it.live("progressive updates to COMPLETED: 200 with ETag each time, version +1, server timestamps", () =>
      withServer(Effect.gen(function*() {
        const { execution, id } = yield* setup
        const s1 = yield* patch(id, {
          phase: "EXECUTION_IN_PROGRESS",
          tasks: [{ taskId: "t1", taskName: "validate_email", status: "WORKFLOW_TASK_IN_PROGRESS" }]
        })
        assert.strictEqual(s1.status, 200, JSON.stringify(s1.body))
        assertETag(s1, 2)
        assert.match(s1.body.status.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.strictEqual(s1.body.status.audit.statusAudit.event, "status_updated")
        assert.deepStrictEqual(s1.body.status.audit.specAudit, execution.status.audit.specAudit)

        const s2 = yield* patch(id, {
          tasks: [{ taskId: "t1", status: "WORKFLOW_TASK_COMPLETED" }, { taskId: "t2", status: "WORKFLOW_TASK_IN_PROGRESS" }],
          output: { step: 1 }
        })
        assertETag(s2, 3)
        assert.strictEqual(s2.body.status.phase, "EXECUTION_IN_PROGRESS")
        assert.strictEqual(s2.body.status.startedAt, s1.body.status.startedAt)

        const s3 = yield* patch(id, {
          phase: "EXECUTION_COMPLETED",
          tasks: [{ taskId: "t2", status: "WORKFLOW_TASK_COMPLETED" }],
          output: { done: true },
          completedAt: "2030-01-01T00:00:00.000Z"
        })
        assertETag(s3, 4)
        assert.strictEqual(s3.body.status.phase, "EXECUTION_COMPLETED")
        assert.strictEqual(s3.body.status.completedAt, "2030-01-01T00:00:00.000Z")
        // Task times: t2 keeps the start stamped at s2 and is stamped with its end.
        const t2 = s2.body.status.tasks[1]
        assert.match(t2.startedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.isUndefined(t2.completedAt)
        assert.deepStrictEqual(s2.body.status.tasks[0].startedAt, s1.body.status.tasks[0].startedAt)
        assert.isString(s2.body.status.tasks[0].completedAt)
        const [done] = s3.body.status.tasks
        assert.deepStrictEqual(done, { taskId: "t2", status: "WORKFLOW_TASK_COMPLETED", startedAt: t2.startedAt, completedAt: done.completedAt })
        assert.isAtLeast(Date.parse(done.completedAt), Date.parse(t2.startedAt))
        assert.deepStrictEqual(s3.body.status.output, { done: true })
        assert.deepStrictEqual(s3.body.spec, execution.spec)

        const got = yield* request("GET", `${PATH}/${id}`)
        assertETag(got, 4)
        assert.deepStrictEqual(got.body, s3.body)
      })))

    it.live("a terminal phase is final: 409 FAILED_PRECONDITION; IN_PROGRESS → PENDING 409; the same phase 200", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        expectStatus(yield* patch(id, { phase: "EXECUTION_IN_PROGRESS" }), 200)
        assertError(yield* patch(id, { phase: "EXECUTION_PENDING" }), 409, "FAILED_PRECONDITION")
        const done = expectStatus(yield* patch(id, { phase: "EXECUTION_COMPLETED" }), 200)
        assert.isString(done.status.completedAt)
        assertError(yield* patch(id, { phase: "EXECUTION_IN_PROGRESS" }), 409, "FAILED_PRECONDITION", "EXECUTION_COMPLETED")
        assertError(yield* patch(id, { phase: "EXECUTION_FAILED" }), 409, "FAILED_PRECONDITION")
        const again = yield* patch(id, { phase: "EXECUTION_COMPLETED" })
        assertETag(again, 4)
        assert.strictEqual(again.body.status.completedAt, done.status.completedAt)
      })))

    it.live("400 INVALID_ARGUMENT: empty body, no body, malformed JSON, bad enum, bad timestamp", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        assertError(yield* patch(id, {}), 400, "INVALID_ARGUMENT")
        assertError(yield* patch(id, { audit: { statusAudit: {} } }), 400, "INVALID_ARGUMENT")
        assertError(yield* sendText("PATCH", `${PATH}/${id}/status`), 400, "INVALID_ARGUMENT")
        assertError(yield* sendText("PATCH", `${PATH}/${id}/status`, "{\"phase\":"), 400, "INVALID_ARGUMENT")
        assertError(yield* patch(id, { phase: "RUNNING" }), 400, "INVALID_ARGUMENT", "phase")
        assertError(yield* patch(id, { phase: 0 }), 400, "INVALID_ARGUMENT", "phase")
        assertError(yield* patch(id, { tasks: [{ status: "DONE" }] }), 400, "INVALID_ARGUMENT", "tasks[0].status")
        assertError(yield* patch(id, { startedAt: "noon" }), 400, "INVALID_ARGUMENT", "startedAt")
        assertError(yield* patch(id, { output: [1, 2] }), 400, "INVALID_ARGUMENT", "output")
        assertETag(yield* request("GET", `${PATH}/${id}`), 1)
      })))

    it.live("proto numbers: phase 2 = IN_PROGRESS, task status 3 = COMPLETED; answered as names", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        const res = yield* patch(id, { phase: 2, tasks: [{ taskId: "t", status: 3, taskType: 1 }] })
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assert.strictEqual(res.body.status.phase, "EXECUTION_IN_PROGRESS")
        const [task] = res.body.status.tasks
        assert.deepStrictEqual(task, {
          taskId: "t",
          status: "WORKFLOW_TASK_COMPLETED",
          taskType: "WORKFLOW_TASK_AGENT_INVOCATION",
          completedAt: task.completedAt
        })
        assert.isString(task.completedAt)
      })))

    it.live("404 NOT_FOUND for an unknown id; 412 ABORTED for a stale If-Match", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        assertError(yield* patch(UNKNOWN, { phase: 2 }), 404, "NOT_FOUND", `WorkflowExecution not found: ${UNKNOWN}`)
        assertETag(yield* patch(id, { phase: 2 }, { "if-match": "\"1\"" }), 2)
        assertError(yield* patch(id, { output: { x: 1 } }, { "if-match": "\"1\"" }), 412, "ABORTED")
        const current = yield* request("GET", `${PATH}/${id}`)
        assertETag(current, 2)
        assert.isUndefined(current.body.status.output)
      })))

    it.live("50 concurrent status updates of one execution: all 200, version +50, a consistent final state", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        expectStatus(yield* patch(id, { phase: "EXECUTION_IN_PROGRESS" }), 200)
        const initial = 2
        const results = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => patch(id, { tasks: [{ taskId: `task-${i}`, status: "WORKFLOW_TASK_COMPLETED" }], output: { i } }),
          { concurrency: "unbounded" }
        )
        for (const res of results) assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        const versions = results.map((r) => r.body.metadata.version).sort((a, b) => a - b)
        assert.deepStrictEqual(versions, Array.from({ length: 50 }, (_, i) => initial + 1 + i))
        for (const res of results) assert.strictEqual(res.headers["etag"], `"${res.body.metadata.version}"`)

        const final = yield* request("GET", `${PATH}/${id}`)
        assertETag(final, initial + 50)
        // The stored state is exactly what the last committed update answered.
        const last = results.find((r) => r.body.metadata.version === initial + 50)!
        assert.deepStrictEqual(final.body, last.body)
        const i = final.body.status.output.i
        assert.deepStrictEqual(final.body.status.tasks.map(({ completedAt: _, ...task }: any) => task), [
          { taskId: `task-${i}`, status: "WORKFLOW_TASK_COMPLETED" }
        ])
        assert.strictEqual(final.body.status.phase, "EXECUTION_IN_PROGRESS")
      })))
  })

  describe("DELETE /v1/workflow-executions/{id}", () => {
    it.live("200 with the deleted execution; then 404; a stale If-Match is 412 and deletes nothing", () =>
      withServer(Effect.gen(function*() {
        const { id } = yield* setup
        const running = expectStatus(yield* patch(id, { phase: 2 }), 200)
        assertError(yield* request("DELETE", `${PATH}/${id}`, undefined, { "if-match": "\"1\"" }), 412, "ABORTED")
        assertETag(yield* request("GET", `${PATH}/${id}`), 2)
        const res = yield* request("DELETE", `${PATH}/${id}`, undefined, { "if-match": "\"2\"" })
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assert.deepStrictEqual(res.body, running)
        assertError(yield* request("GET", `${PATH}/${id}`), 404, "NOT_FOUND")
        assertError(yield* request("DELETE", `${PATH}/${id}`), 404, "NOT_FOUND", `WorkflowExecution not found: ${id}`)
        // The instance it ran on is still there.
        expectStatus(yield* request("GET", `/v1/workflow-instances/${running.spec.workflowInstanceId}`), 200)
      })))
  })

  describe("GET /v1/workflow-executions", () => {
    /** a (PENDING) and d (FAILED) on wf1's default, b (IN_PROGRESS) on an extra instance of wf1, c (COMPLETED) on wf2. */
    const populate = Effect.gen(function*() {
      const wf1 = yield* createWorkflow()
      const wf2 = yield* createWorkflow("Billing")
      const extra = yield* createInstance(wf1.metadata.id, "Extra")
      const a = yield* createExecution({ workflowId: wf1.metadata.id }, { name: "a" })
      const b = yield* createExecution({ workflowInstanceId: extra.metadata.id }, { name: "b" })
      const c = yield* createExecution({ workflowId: wf2.metadata.id }, { name: "c" })
      const d = yield* createExecution({ workflowId: wf1.metadata.id }, { name: "d" })
      expectStatus(yield* patch(b.metadata.id, { phase: "EXECUTION_IN_PROGRESS" }), 200)
      expectStatus(yield* patch(c.metadata.id, { phase: "EXECUTION_COMPLETED" }), 200)
      expectStatus(yield* patch(d.metadata.id, { phase: "EXECUTION_FAILED" }), 200)
      return { wf1, wf2, extra, a, b, c, d }
    })

    const names = (query: string) =>
      Effect.map(request("GET", `${PATH}${query}`), (res) => {
        assert.strictEqual(res.status, 200, `${query}: ${JSON.stringify(res.body)}`)
        return (res.body.entries as Array<any>).map((e) => e.metadata.name)
      })

    it.live("filters: workflowInstanceId, workflowId, phase (single, repeated, numeric), org", () =>
      withServer(Effect.gen(function*() {
        const { extra, wf1, wf2 } = yield* populate
        const all = yield* request("GET", PATH)
        assert.strictEqual(all.status, 200)
        assert.deepStrictEqual(all.body.entries.map((e: any) => e.metadata.name), ["d", "c", "b", "a"])
        assert.notProperty(all.body, "nextPageToken")
        assert.strictEqual(all.body.entries[0].status.phase, "EXECUTION_FAILED")

        assert.deepStrictEqual(yield* names(`?workflowInstanceId=${wf1.status.defaultInstanceId}`), ["d", "a"])
        assert.deepStrictEqual(yield* names(`?workflowInstanceId=${extra.metadata.id}`), ["b"])
        assert.deepStrictEqual(yield* names(`?workflowId=${wf1.metadata.id}`), ["d", "b", "a"])
        assert.deepStrictEqual(yield* names(`?workflowId=${wf2.metadata.id}`), ["c"])
        assert.deepStrictEqual(yield* names("?phase=EXECUTION_PENDING"), ["a"])
        assert.deepStrictEqual(yield* names("?phase=EXECUTION_COMPLETED&phase=EXECUTION_FAILED"), ["d", "c"])
        assert.deepStrictEqual(yield* names("?phase=2"), ["b"])
        assert.deepStrictEqual(yield* names("?phase=1&phase=EXECUTION_IN_PROGRESS"), ["b", "a"])
        assert.deepStrictEqual(yield* names(`?workflowId=${wf1.metadata.id}&phase=4`), ["d"])
        assert.deepStrictEqual(yield* names("?org=acme"), ["d", "c", "b", "a"])
        assert.deepStrictEqual(yield* names("?org=globex"), [])
        assert.deepStrictEqual(yield* names("?workflowId=wfl-nope"), [])
      })))

    it.live("pageSize and pageToken: newest first, nextPageToken absent on the last page", () =>
      withServer(Effect.gen(function*() {
        yield* populate
        const p1 = yield* request("GET", `${PATH}?pageSize=3`)
        assert.strictEqual(p1.status, 200)
        assert.deepStrictEqual(p1.body.entries.map((e: any) => e.metadata.name), ["d", "c", "b"])
        assert.isString(p1.body.nextPageToken)
        const p2 = yield* request("GET", `${PATH}?pageSize=3&pageToken=${encodeURIComponent(p1.body.nextPageToken)}`)
        assert.deepStrictEqual(p2.body.entries.map((e: any) => e.metadata.name), ["a"])
        assert.notProperty(p2.body, "nextPageToken")

        // Page through one at a time with a filter.
        const seen: Array<string> = []
        let token: string | undefined
        do {
          const res = yield* request(
            "GET",
            `${PATH}?pageSize=1&phase=EXECUTION_PENDING&phase=EXECUTION_FAILED${token ? `&pageToken=${token}` : ""}`
          )
          assert.strictEqual(res.status, 200)
          seen.push(...res.body.entries.map((e: any) => e.metadata.name))
          token = res.body.nextPageToken
        } while (token !== undefined)
        assert.deepStrictEqual(seen, ["d", "a"])
      })))

    it.live("400 INVALID_ARGUMENT: unknown phase, bad pageSize, bad pageToken", () =>
      withServer(Effect.gen(function*() {
        yield* populate
        assertError(yield* request("GET", `${PATH}?phase=RUNNING`), 400, "INVALID_ARGUMENT", "phase")
        assertError(yield* request("GET", `${PATH}?phase=0`), 400, "INVALID_ARGUMENT", "phase")
        assertError(yield* request("GET", `${PATH}?phase=EXECUTION_PENDING&phase=9`), 400, "INVALID_ARGUMENT", "phase")
        for (const size of ["0", "1001", "ten", "-1", "2.5"]) {
          assertError(yield* request("GET", `${PATH}?pageSize=${size}`), 400, "INVALID_ARGUMENT", "pageSize")
        }
        assertError(yield* request("GET", `${PATH}?pageToken=garbage`), 400, "INVALID_ARGUMENT", "pageToken")
        assert.deepStrictEqual(yield* names("?pageSize=1000"), ["d", "c", "b", "a"])
      })))
  })

  describe("GET /v1/workflow-executions/{id}/watch", () => {
    it.live("404 NOT_FOUND in the contract's shape for an unknown id; an ended run streams once and closes", () =>
      withServer(Effect.gen(function*() {
        assertError(yield* request("GET", `${PATH}/${UNKNOWN}/watch`), 404, "NOT_FOUND", UNKNOWN)
        const { id } = yield* setup
        expectStatus(yield* patch(id, { phase: "EXECUTION_CANCELLED" }), 200)
        const base = yield* baseUrl
        const { contentType, text } = yield* Effect.promise(async () => {
          const res = await fetch(`${base}${PATH}/${id}/watch`)
          return { contentType: res.headers.get("content-type"), text: await res.text() }
        }).pipe(Effect.timeout("5 seconds"))
        assert.match(contentType ?? "", /^text\/event-stream/)
        assert.include(text, "event: execution")
        assert.include(text, "id: 2")
        assert.strictEqual(text.match(/^event:/gm)?.length, 1)
      })))
  })
})
