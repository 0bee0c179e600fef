/**
 * End to end over real HTTP (in-process server, on in-memory SQLite and, with
 * `WEFT_TEST_PG`, on PostgreSQL): every `/v1/workflows` route and every error the contract
 * names for it, with status and `code`.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Effect } from "effect"
import { assertError, assertETag, request, sendText, withServerOn } from "./support/TestServer.js"

/** A valid config for the kinds these tests use, by name or proto number. */
const configs: Record<string, Record<string, unknown>> = {
  WORKFLOW_TASK_KIND_HTTP_CALL: { method: "POST", endpoint: { uri: "https://example.com/greet" } },
  WORKFLOW_TASK_KIND_WAIT: { seconds: 5 },
  13: { agent: "greeter", message: "hello" }
}
const task = (name: string, kind: unknown = "WORKFLOW_TASK_KIND_SET") => ({
  name,
  kind,
  taskConfig: configs[String(kind)] ?? { variables: { x: 1 } }
})
const httpCall = (name: string, config: Record<string, unknown>) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_HTTP_CALL",
  taskConfig: { method: "GET", endpoint: { uri: "https://example.com" }, ...config }
})

const spec = (overrides: Record<string, unknown> = {}) => ({
  description: "greets",
  document: { dsl: "1.0.0", namespace: "default", name: "greeter", version: "1.0.0" },
  tasks: [task("init"), task("call", "WORKFLOW_TASK_KIND_HTTP_CALL")],
  ...overrides
})

const workflow = (
  metadata: Record<string, unknown> = {},
  specOverrides: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Workflow",
  metadata: { name: "My Workflow", ownerScope: "organization", org: "acme", ...metadata },
  spec: spec(specOverrides),
  ...extra
})

const instance = (workflowId: string, metadata: Record<string, unknown> = {}) => ({
  metadata: { name: "Extra", ownerScope: "organization", org: "acme", ...metadata },
  spec: { workflowId }
})

const create = (body: unknown = workflow()) =>
  Effect.tap(request("POST", "/v1/workflows", body), (res) => {
    assert.strictEqual(res.status, 201, JSON.stringify(res.body))
  })

const UNKNOWN_ID = "wfl-01j0000000000000000000000z"

describe.each(TestDatabase.backends)("workflows on %s", (backend) => {
  const withServer = withServerOn(backend)

  describe("POST /v1/workflows", () => {
    it.live("creates: 201, version 1, ETag \"1\", and its default instance", () =>
      withServer(Effect.gen(function*() {
        const res = yield* request("POST", "/v1/workflows", workflow())
        assert.strictEqual(res.status, 201)
        assert.include(res.headers["content-type"], "application/json")
        assertETag(res, 1)
        const wf = res.body
        assert.strictEqual(wf.apiVersion, "agentic.stigmer.ai/v1")
        assert.strictEqual(wf.kind, "Workflow")
        assert.match(wf.metadata.id, /^wfl-[0-9a-z]{26}$/)
        assert.strictEqual(wf.metadata.slug, "my-workflow")
        assert.strictEqual(wf.metadata.org, "acme")
        assert.strictEqual(wf.metadata.ownerScope, "organization")
        assert.deepStrictEqual(wf.spec, spec())
        assert.strictEqual(wf.status.audit.specAudit.event, "created")
        assert.deepStrictEqual(wf.status.audit.specAudit.createdBy, { id: "system" })
        assert.match(wf.status.audit.specAudit.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        assert.match(wf.status.defaultInstanceId, /^win-[0-9a-z]{26}$/)

        const def = yield* request("GET", `/v1/workflow-instances/${wf.status.defaultInstanceId}`)
        assert.strictEqual(def.status, 200)
        assert.strictEqual(def.body.metadata.slug, "my-workflow-default")
        assert.strictEqual(def.body.metadata.org, "acme")
        assert.strictEqual(def.body.spec.workflowId, wf.metadata.id)
        assert.strictEqual(def.body.spec.description, "Default instance (auto-created)")

        const bySlug = yield* request("GET", "/v1/workflow-instances/by-slug/my-workflow-default?org=acme")
        assert.strictEqual(bySlug.status, 200)
        assert.strictEqual(bySlug.body.metadata.id, wf.status.defaultInstanceId)
      })))

    it.live("apiVersion and kind may be omitted; task kinds and ownerScope by proto number (1 = SET)", () =>
      withServer(Effect.gen(function*() {
        const res = yield* request("POST", "/v1/workflows", {
          metadata: { name: "Numbers", ownerScope: 1 },
          spec: spec({ tasks: [task("a", 1), task("b", 13)] })
        })
        assert.strictEqual(res.status, 201, JSON.stringify(res.body))
        assert.strictEqual(res.body.apiVersion, "agentic.stigmer.ai/v1")
        assert.strictEqual(res.body.kind, "Workflow")
        assert.strictEqual(res.body.metadata.ownerScope, "platform")
        assert.deepStrictEqual(res.body.spec.tasks.map((t: any) => t.kind), [
          "WORKFLOW_TASK_KIND_SET",
          "WORKFLOW_TASK_KIND_AGENT_CALL"
        ])
      })))

    it.live("status sent by the client is ignored", () =>
      withServer(Effect.gen(function*() {
        const res = yield* request(
          "POST",
          "/v1/workflows",
          workflow({}, {}, {
            status: { defaultInstanceId: "win-bogus", audit: { specAudit: { event: "forged" } } }
          })
        )
        assert.strictEqual(res.status, 201)
        assert.notStrictEqual(res.body.status.defaultInstanceId, "win-bogus")
        assert.match(res.body.status.defaultInstanceId, /^win-/)
        assert.strictEqual(res.body.status.audit.specAudit.event, "created")
      })))

    it.live("400 INVALID_ARGUMENT for malformed JSON", () =>
      withServer(Effect.gen(function*() {
        assertError(yield* sendText("POST", "/v1/workflows", "{\"metadata\": {"), 400, "INVALID_ARGUMENT")
        assertError(yield* sendText("POST", "/v1/workflows", "not json"), 400, "INVALID_ARGUMENT")
        const list = yield* request("GET", "/v1/workflows")
        assert.deepStrictEqual(list.body.entries, [])
      })))

    it.live("400 INVALID_ARGUMENT naming the field for each rule violation; nothing is stored", () =>
      withServer(Effect.gen(function*() {
        const cases: ReadonlyArray<readonly [unknown, string]> = [
          [{ ...workflow(), apiVersion: "agentic.stigmer.ai/v2" }, "apiVersion"],
          [{ ...workflow(), kind: "WorkflowInstance" }, "kind"],
          [workflow({ slug: "Not A Slug" }), "metadata.slug"],
          [workflow({ slug: "-x" }), "metadata.slug"],
          [workflow({ id: "wfl-01j00000000000000000000000" }), "metadata.id"],
          [workflow({ name: undefined }), "metadata.name"],
          [workflow({ name: "!!!" }), "metadata.name"],
          [workflow({ ownerScope: undefined }), "metadata.ownerScope"],
          [workflow({ ownerScope: "identity_account" }), "metadata.ownerScope"],
          [workflow({ ownerScope: "galaxy" }), "metadata.ownerScope"],
          [workflow({}, { document: { dsl: "2.0.0", namespace: "n", name: "n", version: "1" } }), "spec.document.dsl"],
          [workflow({}, { document: { dsl: "1.0.0", name: "n", version: "1" } }), "spec.document.namespace"],
          [workflow({}, { tasks: [] }), "spec.tasks"],
          [workflow({}, { tasks: [task("a"), task("a")] }), "spec.tasks[1].name"],
          [workflow({}, { tasks: [task("a", "WORKFLOW_TASK_KIND_TELEPORT")] }), "spec.tasks[0].kind"],
          [workflow({}, { tasks: [task("a", 0)] }), "spec.tasks[0].kind"],
          [workflow({}, { tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET" }] }), "spec.tasks[0].taskConfig"],
          // Each config is checked against its kind (6.2), at every depth.
          [workflow({}, { tasks: [task("a"), task("b"), httpCall("c", { method: "FETCH" })] }), "spec.tasks[2].taskConfig.method"],
          [workflow({}, { tasks: [httpCall("c", { timeoutSeconds: 301 })] }), "spec.tasks[0].taskConfig.timeoutSeconds"],
          [workflow({}, { tasks: [{ name: "w", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 0 } }] }), "spec.tasks[0].taskConfig.seconds"],
          [
            workflow({}, {
              tasks: [{
                name: "loop",
                kind: "WORKFLOW_TASK_KIND_FOR",
                taskConfig: { in: "${ .items }", do: [task("x"), { ...task("y"), flow: { then: "nowhere" } }] }
              }]
            }),
            "spec.tasks[0].taskConfig.do[1].flow.then"
          ],
          [{ metadata: { name: "x", ownerScope: "platform" } }, "spec"]
        ]
        for (const [body, field] of cases) {
          const res = yield* request("POST", "/v1/workflows", body)
          assertError(res, 400, "INVALID_ARGUMENT", field)
        }
        const list = yield* request("GET", "/v1/workflows")
        assert.deepStrictEqual(list.body.entries, [])
        const instances = yield* request("GET", "/v1/workflow-instances")
        assert.deepStrictEqual(instances.body.entries, [])
      })))

    it.live("409 ALREADY_EXISTS for a taken slug in the same org; another org is fine", () =>
      withServer(Effect.gen(function*() {
        yield* create()
        assertError(yield* request("POST", "/v1/workflows", workflow({ name: "my workflow" })), 409, "ALREADY_EXISTS")
        assertError(
          yield* request("POST", "/v1/workflows", workflow({ name: "Other", slug: "my-workflow" })),
          409,
          "ALREADY_EXISTS"
        )
        const other = yield* request("POST", "/v1/workflows", workflow({ org: "globex" }))
        assert.strictEqual(other.status, 201)
        assert.strictEqual(other.body.metadata.slug, "my-workflow")
      })))
  })

  describe("POST /v1/workflows/apply", () => {
    it.live("201 when it creates, 200 when it updates the one with the same (org, slug)", () =>
      withServer(Effect.gen(function*() {
        const first = yield* request("POST", "/v1/workflows/apply", workflow())
        assert.strictEqual(first.status, 201, JSON.stringify(first.body))
        assertETag(first, 1)
        assert.match(first.body.status.defaultInstanceId, /^win-/)

        const second = yield* request("POST", "/v1/workflows/apply", workflow({}, { description: "v2" }))
        assert.strictEqual(second.status, 200)
        assertETag(second, 2)
        assert.strictEqual(second.body.metadata.id, first.body.metadata.id)
        assert.strictEqual(second.body.spec.description, "v2")
        assert.strictEqual(second.body.status.defaultInstanceId, first.body.status.defaultInstanceId)
        assert.strictEqual(second.body.status.audit.specAudit.event, "updated")

        const same = yield* request("POST", "/v1/workflows/apply", workflow({}, { description: "v2" }))
        assert.strictEqual(same.status, 200)
        assertETag(same, 2)

        const elsewhere = yield* request("POST", "/v1/workflows/apply", workflow({ org: "globex" }))
        assert.strictEqual(elsewhere.status, 201)
        assert.notStrictEqual(elsewhere.body.metadata.id, first.body.metadata.id)
      })))

    it.live("400 for malformed JSON and invalid bodies", () =>
      withServer(Effect.gen(function*() {
        assertError(yield* sendText("POST", "/v1/workflows/apply", "{"), 400, "INVALID_ARGUMENT")
        assertError(
          yield* request("POST", "/v1/workflows/apply", { ...workflow(), kind: "Agent" }),
          400,
          "INVALID_ARGUMENT",
          "kind"
        )
        assertError(
          yield* request("POST", "/v1/workflows/apply", workflow({ ownerScope: undefined })),
          400,
          "INVALID_ARGUMENT",
          "metadata.ownerScope"
        )
        assertError(
          yield* request("POST", "/v1/workflows/apply", workflow({ id: "wfl-01j00000000000000000000000" })),
          400,
          "INVALID_ARGUMENT",
          "metadata.id"
        )
      })))
  })

  describe("GET /v1/workflows", () => {
    it.live("lists newest first, paged with pageSize and pageToken", () =>
      withServer(Effect.gen(function*() {
        const ids: Array<string> = []
        for (let i = 1; i <= 5; i++) ids.push((yield* create(workflow({ name: `wf ${i}` }))).body.metadata.id)
        const newestFirst = [...ids].reverse()

        const p1 = yield* request("GET", "/v1/workflows?pageSize=2")
        assert.strictEqual(p1.status, 200)
        assert.deepStrictEqual(p1.body.entries.map((w: any) => w.metadata.id), newestFirst.slice(0, 2))
        assert.isString(p1.body.nextPageToken)
        assert.strictEqual(p1.body.entries[0].kind, "Workflow")

        const p2 = yield* request("GET", `/v1/workflows?pageSize=2&pageToken=${encodeURIComponent(p1.body.nextPageToken)}`)
        assert.deepStrictEqual(p2.body.entries.map((w: any) => w.metadata.id), newestFirst.slice(2, 4))
        const p3 = yield* request("GET", `/v1/workflows?pageSize=2&pageToken=${encodeURIComponent(p2.body.nextPageToken)}`)
        assert.deepStrictEqual(p3.body.entries.map((w: any) => w.metadata.id), newestFirst.slice(4))
        assert.isFalse("nextPageToken" in p3.body)

        const all = yield* request("GET", "/v1/workflows")
        assert.strictEqual(all.body.entries.length, 5)
        assert.isFalse("nextPageToken" in all.body)
      })))

    it.live("the default page size is 50", () =>
      withServer(Effect.gen(function*() {
        for (let i = 1; i <= 51; i++) yield* create(workflow({ name: `wf ${i}` }))
        const page = yield* request("GET", "/v1/workflows")
        assert.strictEqual(page.body.entries.length, 50)
        assert.isString(page.body.nextPageToken)
        const rest = yield* request("GET", `/v1/workflows?pageToken=${encodeURIComponent(page.body.nextPageToken)}`)
        assert.strictEqual(rest.body.entries.length, 1)
        assert.strictEqual(rest.body.entries[0].metadata.slug, "wf-1")
      })))

    it.live("filters by org", () =>
      withServer(Effect.gen(function*() {
        yield* create(workflow({ name: "a" }))
        const globex = yield* create(workflow({ name: "b", org: "globex" }))
        const res = yield* request("GET", "/v1/workflows?org=globex")
        assert.deepStrictEqual(res.body.entries.map((w: any) => w.metadata.id), [globex.body.metadata.id])
      })))

    it.live("400 INVALID_ARGUMENT for a bad pageSize or pageToken", () =>
      withServer(Effect.gen(function*() {
        for (const size of ["0", "-1", "1001", "abc", "2.5"]) {
          assertError(yield* request("GET", `/v1/workflows?pageSize=${size}`), 400, "INVALID_ARGUMENT", "pageSize")
        }
        assertError(yield* request("GET", "/v1/workflows?pageToken=garbage"), 400, "INVALID_ARGUMENT", "pageToken")
        const ok = yield* request("GET", "/v1/workflows?pageSize=1000")
        assert.strictEqual(ok.status, 200)
      })))
  })

  describe("GET /v1/workflows/{id} and /by-slug/{slug}", () => {
    it.live("answers the workflow with its ETag", () =>
      withServer(Effect.gen(function*() {
        const created = yield* create()
        const res = yield* request("GET", `/v1/workflows/${created.body.metadata.id}`)
        assert.strictEqual(res.status, 200)
        assertETag(res, 1)
        assert.deepStrictEqual(res.body, created.body)
      })))

    it.live("by-slug looks in ?org= or, without it, among workflows without an org", () =>
      withServer(Effect.gen(function*() {
        const acme = yield* create(workflow({ name: "Shared" }))
        const platform = yield* create(workflow({ name: "Shared", org: undefined, ownerScope: "platform" }))
        const inAcme = yield* request("GET", "/v1/workflows/by-slug/shared?org=acme")
        assert.strictEqual(inAcme.status, 200)
        assertETag(inAcme, 1)
        assert.strictEqual(inAcme.body.metadata.id, acme.body.metadata.id)
        const noOrg = yield* request("GET", "/v1/workflows/by-slug/shared")
        assert.strictEqual(noOrg.status, 200)
        assert.strictEqual(noOrg.body.metadata.id, platform.body.metadata.id)
        assertError(yield* request("GET", "/v1/workflows/by-slug/shared?org=globex"), 404, "NOT_FOUND")
      })))

    it.live("404 NOT_FOUND with the contract's message", () =>
      withServer(Effect.gen(function*() {
        const byId = yield* request("GET", `/v1/workflows/${UNKNOWN_ID}`)
        assertError(byId, 404, "NOT_FOUND")
        assert.strictEqual(byId.body.message, `Workflow not found: ${UNKNOWN_ID}`)
        const bySlug = yield* request("GET", "/v1/workflows/by-slug/nope")
        assertError(bySlug, 404, "NOT_FOUND")
        assert.strictEqual(bySlug.body.message, "Workflow not found: nope")
      })))
  })

  describe("PUT /v1/workflows/{id}", () => {
    it.live("updates: 200, version +1, new ETag; id, slug, org, createdAt and status kept; client status ignored", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create(workflow({ labels: { a: "1" } }))).body
        const res = yield* request(
          "PUT",
          `/v1/workflows/${created.metadata.id}`,
          workflow({ name: "Renamed", labels: { b: "2" } }, { tasks: [task("only", "WORKFLOW_TASK_KIND_WAIT")] }, {
            status: { defaultInstanceId: "win-hijack" }
          })
        )
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assertETag(res, 2)
        assert.strictEqual(res.body.metadata.id, created.metadata.id)
        assert.strictEqual(res.body.metadata.slug, "my-workflow")
        assert.strictEqual(res.body.metadata.org, "acme")
        assert.strictEqual(res.body.metadata.name, "Renamed")
        assert.deepStrictEqual(res.body.metadata.labels, { b: "2" })
        assert.deepStrictEqual(res.body.spec.tasks, [task("only", "WORKFLOW_TASK_KIND_WAIT")])
        assert.strictEqual(res.body.status.defaultInstanceId, created.status.defaultInstanceId)
        assert.strictEqual(res.body.status.audit.specAudit.createdAt, created.status.audit.specAudit.createdAt)
        assert.strictEqual(res.body.status.audit.specAudit.event, "updated")

        const get = yield* request("GET", `/v1/workflows/${created.metadata.id}`)
        assert.strictEqual(get.headers["etag"], "\"2\"")
        assert.notStrictEqual(get.headers["etag"], created.metadata.version)
        assert.deepStrictEqual(get.body, res.body)
      })))

    it.live("an unchanged update keeps the version and the ETag", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const res = yield* request("PUT", `/v1/workflows/${created.metadata.id}`, workflow())
        assert.strictEqual(res.status, 200)
        assertETag(res, 1)
        assert.deepStrictEqual(res.body, created)
      })))

    it.live("412 ABORTED on If-Match \"99\" (nothing changes); If-Match \"1\" succeeds", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const path = `/v1/workflows/${created.metadata.id}`
        const change = workflow({}, { description: "changed" })
        assertError(yield* request("PUT", path, change, { "if-match": "\"99\"" }), 412, "ABORTED")
        const unchanged = yield* request("GET", path)
        assert.deepStrictEqual(unchanged.body, created)
        const ok = yield* request("PUT", path, change, { "if-match": "\"1\"" })
        assert.strictEqual(ok.status, 200)
        assertETag(ok, 2)
        // The old ETag is stale now.
        assertError(yield* request("PUT", path, workflow({}, { description: "again" }), { "if-match": "\"1\"" }), 412, "ABORTED")
      })))

    it.live("400 for malformed JSON, rule violations and immutable fields; 404 for an unknown id", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const path = `/v1/workflows/${created.metadata.id}`
        assertError(yield* sendText("PUT", path, "{\"spec\":"), 400, "INVALID_ARGUMENT")
        assertError(yield* request("PUT", path, { ...workflow(), apiVersion: "v1" }), 400, "INVALID_ARGUMENT", "apiVersion")
        assertError(yield* request("PUT", path, { ...workflow(), kind: "WorkflowExecution" }), 400, "INVALID_ARGUMENT", "kind")
        assertError(yield* request("PUT", path, workflow({}, { tasks: [] })), 400, "INVALID_ARGUMENT", "spec.tasks")
        assertError(yield* request("PUT", path, { spec: workflow().spec }), 400, "INVALID_ARGUMENT", "metadata.name: is required")
        assertError(yield* request("PUT", path, workflow({ name: " " })), 400, "INVALID_ARGUMENT", "metadata.name")
        assertError(yield* request("PUT", path, workflow({ slug: "Bad Slug" })), 400, "INVALID_ARGUMENT", "metadata.slug")
        assertError(yield* request("PUT", path, workflow({ slug: "other" })), 400, "INVALID_ARGUMENT", "metadata.slug")
        assertError(yield* request("PUT", path, workflow({ org: "globex" })), 400, "INVALID_ARGUMENT", "metadata.org")
        assertError(
          yield* request("PUT", path, workflow({ id: "wfl-01j00000000000000000000000" })),
          400,
          "INVALID_ARGUMENT",
          "metadata.id"
        )
        assert.deepStrictEqual((yield* request("GET", path)).body, created)

        const missing = yield* request("PUT", `/v1/workflows/${UNKNOWN_ID}`, workflow())
        assertError(missing, 404, "NOT_FOUND")
        assert.strictEqual(missing.body.message, `Workflow not found: ${UNKNOWN_ID}`)
      })))
  })

  describe("DELETE /v1/workflows/{id}", () => {
    it.live("answers the deleted workflow and deletes its default instance with it", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const res = yield* request("DELETE", `/v1/workflows/${created.metadata.id}`)
        assert.strictEqual(res.status, 200)
        assert.deepStrictEqual(res.body, created)
        assert.strictEqual(res.headers["etag"], "\"1\"")
        assertError(yield* request("GET", `/v1/workflows/${created.metadata.id}`), 404, "NOT_FOUND")
        assertError(yield* request("GET", `/v1/workflow-instances/${created.status.defaultInstanceId}`), 404, "NOT_FOUND")
        const again = yield* request("DELETE", `/v1/workflows/${created.metadata.id}`)
        assertError(again, 404, "NOT_FOUND")
        assert.strictEqual(again.body.message, `Workflow not found: ${created.metadata.id}`)
        // The slug is free again.
        yield* create()
      })))

    it.live("409 FAILED_PRECONDITION while another instance exists; nothing is deleted", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const extra = yield* request("POST", "/v1/workflow-instances", instance(created.metadata.id))
        assert.strictEqual(extra.status, 201, JSON.stringify(extra.body))
        assertError(yield* request("DELETE", `/v1/workflows/${created.metadata.id}`), 409, "FAILED_PRECONDITION")
        const still = yield* request("GET", `/v1/workflows/${created.metadata.id}`)
        assert.strictEqual(still.status, 200)
        assert.deepStrictEqual(still.body, created)
        assert.strictEqual((yield* request("GET", `/v1/workflow-instances/${created.status.defaultInstanceId}`)).status, 200)
        assert.strictEqual((yield* request("GET", `/v1/workflow-instances/${extra.body.metadata.id}`)).status, 200)

        assert.strictEqual((yield* request("DELETE", `/v1/workflow-instances/${extra.body.metadata.id}`)).status, 200)
        const res = yield* request("DELETE", `/v1/workflows/${created.metadata.id}`)
        assert.strictEqual(res.status, 200)
        const instances = yield* request("GET", "/v1/workflow-instances")
        assert.deepStrictEqual(instances.body.entries, [])
      })))

    it.live("412 ABORTED on If-Match \"99\" (nothing deleted); If-Match \"1\" deletes", () =>
      withServer(Effect.gen(function*() {
        const created = (yield* create()).body
        const path = `/v1/workflows/${created.metadata.id}`
        assertError(yield* request("DELETE", path, undefined, { "if-match": "\"99\"" }), 412, "ABORTED")
        assert.strictEqual((yield* request("GET", path)).status, 200)
        assert.strictEqual((yield* request("GET", `/v1/workflow-instances/${created.status.defaultInstanceId}`)).status, 200)
        const res = yield* request("DELETE", path, undefined, { "if-match": "\"1\"" })
        assert.strictEqual(res.status, 200)
        assert.strictEqual(res.body.metadata.id, created.metadata.id)
        assertError(yield* request("GET", path), 404, "NOT_FOUND")
      })))

    it.live("404 NOT_FOUND for an unknown id", () =>
      withServer(Effect.gen(function*() {
        const res = yield* request("DELETE", `/v1/workflows/${UNKNOWN_ID}`)
        assertError(res, 404, "NOT_FOUND")
        assert.strictEqual(res.body.message, `Workflow not found: ${UNKNOWN_ID}`)
      })))
  })
})
