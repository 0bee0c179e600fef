/**
 * End to end over real HTTP (in-process server, on in-memory SQLite and, with
 * `WEFT_TEST_PG`, on PostgreSQL): every `/v1/workflow-instances` route and every error the
 * contract names for it, with status and `code`.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Effect } from "effect"
import { assertError, assertETag, request, sendText, withServerOn } from "./support/TestServer.js"

const workflow = (metadata: Record<string, unknown> = {}) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Workflow",
  metadata: { name: "Greeter", ownerScope: "organization", org: "acme", ...metadata },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "greeter", version: "1.0.0" },
    tasks: [{ name: "init", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
  }
})

const instance = (
  workflowId: string,
  metadata: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "WorkflowInstance",
  metadata: { name: "Prod Instance", ownerScope: "organization", org: "acme", ...metadata },
  spec: { workflowId, description: "production", ...spec },
  ...extra
})

const createWorkflow = (body: unknown = workflow()) =>
  Effect.map(request("POST", "/v1/workflows", body), (res) => {
    assert.strictEqual(res.status, 201, JSON.stringify(res.body))
    return res.body
  })

const createInstance = (body: unknown) =>
  Effect.map(request("POST", "/v1/workflow-instances", body), (res) => {
    assert.strictEqual(res.status, 201, JSON.stringify(res.body))
    return res.body
  })

const UNKNOWN_WORKFLOW = "wfl-01j0000000000000000000000z"
const UNKNOWN_INSTANCE = "win-01j0000000000000000000000z"

const createEnvironment = (metadata: Record<string, unknown>) =>
  Effect.tap(request("POST", "/v1/environments", { metadata, spec: { data: {} } }), (res) =>
    assert.strictEqual(res.status, 201, JSON.stringify(res.body)))

describe.each(TestDatabase.backends)("workflow instances on %s", (backend) => {
  const withServer = withServerOn(backend)

  describe("POST /v1/workflow-instances", () => {
    it.live("creates: 201, version 1, ETag \"1\"; client status ignored", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        yield* createEnvironment({ name: "prod", org: "acme", ownerScope: "organization" })
        const envRefs = [{ scope: "organization", org: "acme", kind: "Environment", slug: "prod", version: "3" }]
        const res = yield* request(
          "POST",
          "/v1/workflow-instances",
          instance(wf.metadata.id, { labels: { tier: "prod" } }, { envRefs }, { status: { audit: { forged: true } } })
        )
        assert.strictEqual(res.status, 201, JSON.stringify(res.body))
        assertETag(res, 1)
        assert.strictEqual(res.body.apiVersion, "agentic.stigmer.ai/v1")
        assert.strictEqual(res.body.kind, "WorkflowInstance")
        assert.match(res.body.metadata.id, /^win-[0-9a-z]{26}$/)
        assert.strictEqual(res.body.metadata.slug, "prod-instance")
        assert.deepStrictEqual(res.body.metadata.labels, { tier: "prod" })
        assert.deepStrictEqual(res.body.spec, { workflowId: wf.metadata.id, description: "production", envRefs })
        assert.deepStrictEqual(Object.keys(res.body.status), ["audit"])
        assert.strictEqual(res.body.status.audit.specAudit.event, "created")
        assert.strictEqual(res.body.status.audit.statusAudit.event, "created")
      })))

    it.live("envRef scopes by proto number; apiVersion and kind may be omitted", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        yield* createEnvironment({ name: "shared", ownerScope: "platform" })
        const res = yield* request("POST", "/v1/workflow-instances", {
          metadata: { name: "numbers", ownerScope: 2, org: "acme" },
          spec: { workflowId: wf.metadata.id, envRefs: [{ scope: 1, slug: "shared" }] }
        })
        assert.strictEqual(res.status, 201, JSON.stringify(res.body))
        assert.strictEqual(res.body.kind, "WorkflowInstance")
        assert.strictEqual(res.body.metadata.ownerScope, "organization")
        assert.strictEqual(res.body.spec.envRefs[0].scope, "platform")
      })))

    it.live("envRefs: 404 naming a missing environment, 400 for another org's; nothing stored", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        yield* createEnvironment({ name: "theirs", org: "globex", ownerScope: "organization" })
        const missing = yield* request("POST", "/v1/workflow-instances", instance(wf.metadata.id, {}, {
          envRefs: [{ kind: "Environment", org: "acme", slug: "prod" }]
        }))
        assertError(missing, 404, "NOT_FOUND")
        assert.strictEqual(missing.body.message, "Environment not found: acme/prod")
        const foreign = yield* request("POST", "/v1/workflow-instances", instance(wf.metadata.id, {}, {
          envRefs: [{ kind: "Environment", org: "globex", slug: "theirs" }]
        }))
        assertError(foreign, 400, "INVALID_ARGUMENT")
        assert.include(foreign.body.message, "spec.envRefs[0].org")
        const list = yield* request("GET", `/v1/workflow-instances?workflowId=${wf.metadata.id}`)
        assert.strictEqual(list.body.entries.length, 1) // the default instance only
      })))

    it.live("404 NOT_FOUND \"Workflow not found: <id>\" for an unknown workflowId; nothing stored", () =>
      withServer(Effect.gen(function*() {
        const res = yield* request("POST", "/v1/workflow-instances", instance(UNKNOWN_WORKFLOW))
        assertError(res, 404, "NOT_FOUND")
        assert.strictEqual(res.body.message, `Workflow not found: ${UNKNOWN_WORKFLOW}`)
        const list = yield* request("GET", "/v1/workflow-instances")
        assert.deepStrictEqual(list.body.entries, [])
      })))

    it.live("400 INVALID_ARGUMENT for malformed JSON and each rule violation", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const id = wf.metadata.id
        assertError(yield* sendText("POST", "/v1/workflow-instances", "{\"spec\": {\"workflowId\""), 400, "INVALID_ARGUMENT")
        const cases: ReadonlyArray<readonly [unknown, string]> = [
          [{ ...instance(id), apiVersion: "agentic.stigmer.ai/v2" }, "apiVersion"],
          [{ ...instance(id), kind: "Workflow" }, "kind"],
          [instance(id, { slug: "Prod Instance" }), "metadata.slug"],
          [instance(id, { id: "win-01j00000000000000000000000" }), "metadata.id"],
          [instance(id, { name: undefined }), "metadata.name"],
          [instance(id, { ownerScope: "galaxy" }), "metadata.ownerScope"],
          [{ ...instance(id), spec: { description: "no workflow" } }, "spec.workflowId"],
          [instance(""), "spec.workflowId"],
          [instance(id, { org: "globex" }), "metadata.org"]
        ]
        for (const [body, field] of cases) {
          assertError(yield* request("POST", "/v1/workflow-instances", body), 400, "INVALID_ARGUMENT", field)
        }
        // Only the workflow's default instance exists.
        const list = yield* request("GET", "/v1/workflow-instances")
        assert.deepStrictEqual(list.body.entries.map((i: any) => i.metadata.id), [wf.status.defaultInstanceId])
      })))

    it.live("same-org rule: allowed in the workflow's org, or for a platform workflow", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const same = yield* createInstance(instance(wf.metadata.id))
        assert.strictEqual(same.metadata.org, "acme")
        const platform = yield* createWorkflow(workflow({ name: "Shared", ownerScope: "platform", org: undefined }))
        const globex = yield* createInstance(instance(platform.metadata.id, { org: "globex" }))
        assert.strictEqual(globex.metadata.org, "globex")
      })))

    it.live("409 ALREADY_EXISTS for a taken slug in the same org (including a default instance's)", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        yield* createInstance(instance(wf.metadata.id))
        assertError(
          yield* request("POST", "/v1/workflow-instances", instance(wf.metadata.id, { name: "prod instance" })),
          409,
          "ALREADY_EXISTS"
        )
        assertError(
          yield* request("POST", "/v1/workflow-instances", instance(wf.metadata.id, { name: "greeter-default" })),
          409,
          "ALREADY_EXISTS"
        )
        const platform = yield* createWorkflow(workflow({ name: "Shared", ownerScope: "platform", org: undefined }))
        yield* createInstance(instance(platform.metadata.id, { org: "globex" }))
      })))
  })

  describe("POST /v1/workflow-instances/apply", () => {
    it.live("201 when it creates, 200 when it updates; workflowId cannot change", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const other = yield* createWorkflow(workflow({ name: "Other" }))
        const first = yield* request("POST", "/v1/workflow-instances/apply", instance(wf.metadata.id))
        assert.strictEqual(first.status, 201, JSON.stringify(first.body))
        assertETag(first, 1)
        const second = yield* request("POST", "/v1/workflow-instances/apply", instance(wf.metadata.id, {}, { description: "v2" }))
        assert.strictEqual(second.status, 200)
        assertETag(second, 2)
        assert.strictEqual(second.body.metadata.id, first.body.metadata.id)
        assert.strictEqual(second.body.spec.description, "v2")
        assert.strictEqual(second.body.status.audit.specAudit.event, "updated")

        const same = yield* request("POST", "/v1/workflow-instances/apply", instance(wf.metadata.id, {}, { description: "v2" }))
        assert.strictEqual(same.status, 200)
        assertETag(same, 2)

        assertError(
          yield* request("POST", "/v1/workflow-instances/apply", instance(other.metadata.id, {}, { description: "v2" })),
          400,
          "INVALID_ARGUMENT",
          "spec.workflowId"
        )
        const unknown = yield* request("POST", "/v1/workflow-instances/apply", instance(UNKNOWN_WORKFLOW, { name: "new one" }))
        assertError(unknown, 404, "NOT_FOUND")
        assert.strictEqual(unknown.body.message, `Workflow not found: ${UNKNOWN_WORKFLOW}`)
        assertError(yield* sendText("POST", "/v1/workflow-instances/apply", "["), 400, "INVALID_ARGUMENT")
        assertError(
          yield* request("POST", "/v1/workflow-instances/apply", { ...instance(wf.metadata.id), kind: "Workflow" }),
          400,
          "INVALID_ARGUMENT",
          "kind"
        )
      })))
  })

  describe("GET /v1/workflow-instances", () => {
    it.live("lists newest first, paged, filtered by ?workflowId=", () =>
      withServer(Effect.gen(function*() {
        const a = yield* createWorkflow(workflow({ name: "A" }))
        const b = yield* createWorkflow(workflow({ name: "B" }))
        const ofA: Array<string> = []
        for (let i = 1; i <= 3; i++) ofA.push((yield* createInstance(instance(a.metadata.id, { name: `a ${i}` }))).metadata.id)
        const expected = [...ofA].reverse().concat([a.status.defaultInstanceId])

        const p1 = yield* request("GET", `/v1/workflow-instances?workflowId=${a.metadata.id}&pageSize=3`)
        assert.strictEqual(p1.status, 200)
        assert.deepStrictEqual(p1.body.entries.map((i: any) => i.metadata.id), expected.slice(0, 3))
        assert.isString(p1.body.nextPageToken)
        const p2 = yield* request(
          "GET",
          `/v1/workflow-instances?workflowId=${a.metadata.id}&pageSize=3&pageToken=${encodeURIComponent(p1.body.nextPageToken)}`
        )
        assert.deepStrictEqual(p2.body.entries.map((i: any) => i.metadata.id), expected.slice(3))
        assert.isFalse("nextPageToken" in p2.body)

        const ofB = yield* request("GET", `/v1/workflow-instances?workflowId=${b.metadata.id}`)
        assert.deepStrictEqual(ofB.body.entries.map((i: any) => i.metadata.id), [b.status.defaultInstanceId])

        const all = yield* request("GET", "/v1/workflow-instances")
        assert.strictEqual(all.body.entries.length, 5)
        assert.strictEqual(all.body.entries[0].metadata.id, ofA[2])
        assert.isFalse("nextPageToken" in all.body)

        const none = yield* request("GET", `/v1/workflow-instances?workflowId=${UNKNOWN_WORKFLOW}`)
        assert.deepStrictEqual(none.body.entries, [])
      })))

    it.live("400 INVALID_ARGUMENT for a bad pageSize or pageToken", () =>
      withServer(Effect.gen(function*() {
        for (const size of ["0", "1001", "ten"]) {
          assertError(yield* request("GET", `/v1/workflow-instances?pageSize=${size}`), 400, "INVALID_ARGUMENT", "pageSize")
        }
        assertError(yield* request("GET", "/v1/workflow-instances?pageToken=%21%21"), 400, "INVALID_ARGUMENT", "pageToken")
      })))
  })

  describe("GET /v1/workflow-instances/{id} and /by-slug/{slug}", () => {
    it.live("answers the instance with its ETag; by-slug with and without ?org=", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const created = yield* createInstance(instance(wf.metadata.id))
        const byId = yield* request("GET", `/v1/workflow-instances/${created.metadata.id}`)
        assert.strictEqual(byId.status, 200)
        assertETag(byId, 1)
        assert.deepStrictEqual(byId.body, created)

        const bySlug = yield* request("GET", "/v1/workflow-instances/by-slug/prod-instance?org=acme")
        assert.strictEqual(bySlug.status, 200)
        assertETag(bySlug, 1)
        assert.strictEqual(bySlug.body.metadata.id, created.metadata.id)
        // Without ?org= only instances without an org are found.
        assertError(yield* request("GET", "/v1/workflow-instances/by-slug/prod-instance"), 404, "NOT_FOUND")
        const platform = yield* createWorkflow(workflow({ name: "Shared", ownerScope: "platform", org: undefined }))
        const unscoped = yield* createInstance(
          instance(platform.metadata.id, { ownerScope: "platform", org: undefined })
        )
        const noOrg = yield* request("GET", "/v1/workflow-instances/by-slug/prod-instance")
        assert.strictEqual(noOrg.status, 200)
        assert.strictEqual(noOrg.body.metadata.id, unscoped.metadata.id)
      })))

    it.live("404 NOT_FOUND with the contract's message", () =>
      withServer(Effect.gen(function*() {
        const byId = yield* request("GET", `/v1/workflow-instances/${UNKNOWN_INSTANCE}`)
        assertError(byId, 404, "NOT_FOUND")
        assert.strictEqual(byId.body.message, `WorkflowInstance not found: ${UNKNOWN_INSTANCE}`)
        const bySlug = yield* request("GET", "/v1/workflow-instances/by-slug/nope?org=acme")
        assertError(bySlug, 404, "NOT_FOUND")
        assert.strictEqual(bySlug.body.message, "WorkflowInstance not found: nope")
      })))
  })

  describe("PUT /v1/workflow-instances/{id}", () => {
    it.live("updates: 200, version +1, new ETag; id, slug, org and createdAt kept", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const created = yield* createInstance(instance(wf.metadata.id))
        const path = `/v1/workflow-instances/${created.metadata.id}`
        const res = yield* request("PUT", path, instance(wf.metadata.id, { name: "Renamed" }, { description: "new" }))
        assert.strictEqual(res.status, 200, JSON.stringify(res.body))
        assertETag(res, 2)
        assert.strictEqual(res.body.metadata.id, created.metadata.id)
        assert.strictEqual(res.body.metadata.slug, "prod-instance")
        assert.strictEqual(res.body.metadata.org, "acme")
        assert.strictEqual(res.body.metadata.name, "Renamed")
        assert.strictEqual(res.body.spec.description, "new")
        assert.strictEqual(res.body.status.audit.specAudit.createdAt, created.status.audit.specAudit.createdAt)
        assert.strictEqual(res.body.status.audit.specAudit.event, "updated")
        const get = yield* request("GET", path)
        assert.strictEqual(get.headers["etag"], "\"2\"")
        assert.deepStrictEqual(get.body, res.body)

        const same = yield* request("PUT", path, instance(wf.metadata.id, { name: "Renamed" }, { description: "new" }))
        assert.strictEqual(same.status, 200)
        assertETag(same, 2)
      })))

    it.live("400 when spec.workflowId changes, for malformed JSON and bad bodies; nothing changes", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const other = yield* createWorkflow(workflow({ name: "Other" }))
        const created = yield* createInstance(instance(wf.metadata.id))
        const path = `/v1/workflow-instances/${created.metadata.id}`
        assertError(yield* request("PUT", path, instance(other.metadata.id)), 400, "INVALID_ARGUMENT", "spec.workflowId")
        assertError(yield* sendText("PUT", path, "{{"), 400, "INVALID_ARGUMENT")
        assertError(
          yield* request("PUT", path, { spec: instance(wf.metadata.id).spec }),
          400,
          "INVALID_ARGUMENT",
          "metadata.name: is required"
        )
        assertError(yield* request("PUT", path, { ...instance(wf.metadata.id), apiVersion: "x" }), 400, "INVALID_ARGUMENT", "apiVersion")
        assertError(yield* request("PUT", path, { ...instance(wf.metadata.id), kind: "Workflow" }), 400, "INVALID_ARGUMENT", "kind")
        assertError(yield* request("PUT", path, instance(wf.metadata.id, { slug: "NO" })), 400, "INVALID_ARGUMENT", "metadata.slug")
        assertError(yield* request("PUT", path, instance(wf.metadata.id, { org: "globex" })), 400, "INVALID_ARGUMENT", "metadata.org")
        assert.deepStrictEqual((yield* request("GET", path)).body, created)
      })))

    it.live("412 ABORTED on If-Match \"99\"; If-Match \"1\" succeeds; 404 for an unknown id", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const created = yield* createInstance(instance(wf.metadata.id))
        const path = `/v1/workflow-instances/${created.metadata.id}`
        const change = instance(wf.metadata.id, {}, { description: "changed" })
        assertError(yield* request("PUT", path, change, { "if-match": "\"99\"" }), 412, "ABORTED")
        assert.deepStrictEqual((yield* request("GET", path)).body, created)
        const ok = yield* request("PUT", path, change, { "if-match": "\"1\"" })
        assert.strictEqual(ok.status, 200)
        assertETag(ok, 2)
        const missing = yield* request("PUT", `/v1/workflow-instances/${UNKNOWN_INSTANCE}`, change)
        assertError(missing, 404, "NOT_FOUND")
        assert.strictEqual(missing.body.message, `WorkflowInstance not found: ${UNKNOWN_INSTANCE}`)
      })))
  })

  describe("DELETE /v1/workflow-instances/{id}", () => {
    it.live("answers the deleted instance; the workflow is untouched", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const created = yield* createInstance(instance(wf.metadata.id))
        const res = yield* request("DELETE", `/v1/workflow-instances/${created.metadata.id}`)
        assert.strictEqual(res.status, 200)
        assert.deepStrictEqual(res.body, created)
        assert.strictEqual(res.headers["etag"], "\"1\"")
        assertError(yield* request("GET", `/v1/workflow-instances/${created.metadata.id}`), 404, "NOT_FOUND")
        const wfAfter = yield* request("GET", `/v1/workflows/${wf.metadata.id}`)
        assert.deepStrictEqual(wfAfter.body, wf)
        assert.strictEqual(wfAfter.headers["etag"], "\"1\"")
      })))

    it.live("deleting a workflow's default instance clears defaultInstanceId and changes the workflow's ETag", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const res = yield* request("DELETE", `/v1/workflow-instances/${wf.status.defaultInstanceId}`)
        assert.strictEqual(res.status, 200)
        assert.strictEqual(res.body.metadata.id, wf.status.defaultInstanceId)
        const after = yield* request("GET", `/v1/workflows/${wf.metadata.id}`)
        assert.strictEqual(after.status, 200)
        assert.isFalse("defaultInstanceId" in after.body.status)
        assertETag(after, 2)
        assert.strictEqual(after.body.status.audit.statusAudit.event, "status_updated")
        assert.deepStrictEqual(after.body.status.audit.specAudit, wf.status.audit.specAudit)
        // With no instances left, the workflow can be deleted.
        assert.strictEqual((yield* request("DELETE", `/v1/workflows/${wf.metadata.id}`)).status, 200)
      })))

    it.live("412 ABORTED on If-Match \"99\" (nothing deleted); If-Match \"1\" deletes; 404 for an unknown id", () =>
      withServer(Effect.gen(function*() {
        const wf = yield* createWorkflow()
        const path = `/v1/workflow-instances/${wf.status.defaultInstanceId}`
        assertError(yield* request("DELETE", path, undefined, { "if-match": "\"99\"" }), 412, "ABORTED")
        assert.strictEqual((yield* request("GET", path)).status, 200)
        const wfStill = yield* request("GET", `/v1/workflows/${wf.metadata.id}`)
        assert.strictEqual(wfStill.body.status.defaultInstanceId, wf.status.defaultInstanceId)
        assert.strictEqual((yield* request("DELETE", path, undefined, { "if-match": "\"1\"" })).status, 200)
        assertError(yield* request("GET", path), 404, "NOT_FOUND")

        const missing = yield* request("DELETE", `/v1/workflow-instances/${UNKNOWN_INSTANCE}`)
        assertError(missing, 404, "NOT_FOUND")
        assert.strictEqual(missing.body.message, `WorkflowInstance not found: ${UNKNOWN_INSTANCE}`)
      })))
  })
})
