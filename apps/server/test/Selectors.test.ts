/**
 * Over real HTTP: `labelSelector`, `createdAfter` and `createdBefore` on every list and
 * on the feed (a malformed one is 400 INVALID_ARGUMENT naming the parameter), executions
 * by slug, and the OpenAPI document of both.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as TestServer from "./support/TestServer.js"

const request = TestServer.request

const withServer = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, TestServer.make()) as Effect.Effect<A, E, never>

const workflowBody = (name: string, labels?: Record<string, string>) => ({
  metadata: { name, ownerScope: "organization", org: "acme", labels },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "onboarding", version: "1.0.0" },
    tasks: [{ name: "validate_email", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
  }
})

const executionBody = (workflowId: string, metadata: Record<string, unknown> = {}) => ({
  metadata: { ownerScope: "organization", org: "acme", ...metadata },
  spec: { workflowId, triggerMessage: "hello" }
})

const lists = ["/v1/workflows", "/v1/workflow-instances", "/v1/workflow-executions", "/v1/environments"]

const query = (params: Record<string, string>) => new URLSearchParams(params).toString()

describe("selectors over HTTP", () => {
  it.live("each list selects by labels and creation time; names come back newest first", () =>
    withServer(Effect.gen(function*() {
      const growth = yield* request("POST", "/v1/workflows", workflowBody("Growth", { team: "growth" }))
      const ops = yield* request("POST", "/v1/workflows", workflowBody("Ops", { team: "ops", tier: "gold" }))
      assert.strictEqual(ops.status, 201)
      const run = yield* request("POST", "/v1/workflow-executions", executionBody(growth.body.metadata.id, {
        labels: { team: "growth", "app.example.com/batch": "7" }
      }))
      yield* request("POST", "/v1/workflow-executions", executionBody(ops.body.metadata.id))

      const names = (path: string, params: Record<string, string>) =>
        Effect.map(request("GET", `${path}?${query(params)}`), (res) => {
          assert.strictEqual(res.status, 200, JSON.stringify(res.body))
          return res.body.entries.map((e: any) => e.metadata.name)
        })
      assert.deepStrictEqual(yield* names("/v1/workflows", { labelSelector: "team=growth" }), ["Growth"])
      assert.deepStrictEqual(yield* names("/v1/workflows", { labelSelector: "team,!tier" }), ["Growth"])
      assert.deepStrictEqual(yield* names("/v1/workflows", { labelSelector: "team!=growth" }), ["Ops"])
      assert.deepStrictEqual(yield* names("/v1/workflow-instances", { labelSelector: "team" }), [])
      assert.deepStrictEqual(
        yield* names("/v1/workflow-executions", { labelSelector: "app.example.com/batch=7" }),
        [run.body.metadata.name]
      )
      const createdAt = run.body.status.audit.specAudit.createdAt as string
      const runs = yield* names("/v1/workflow-executions", { createdBefore: createdAt })
      assert.notInclude(runs, run.body.metadata.name)
      const since = yield* names("/v1/workflow-executions", { createdAfter: createdAt })
      assert.include(since, run.body.metadata.name)
      assert.deepStrictEqual(yield* names("/v1/workflows", { createdAfter: "2999-01-01T00:00:00+02:00" }), [])
    })))

  for (const path of [...lists, "/v1/workflow-executions/watch"]) {
    for (
      const [param, value, says] of [
        ["labelSelector", "team=growth,", "malformed label selector"],
        ["labelSelector", "team in (a,b)", "malformed label selector"],
        ["labelSelector", "!team=x", "malformed label selector"],
        ["createdAfter", "yesterday", "is not an RFC 3339 date-time"],
        ["createdBefore", "2026-02-30T00:00:00Z", "is not an RFC 3339 date-time"]
      ] as const
    ) {
      it.live(`${path}?${param}=${value} is 400 INVALID_ARGUMENT naming ${param}`, () =>
        withServer(Effect.gen(function*() {
          const res = yield* request("GET", `${path}?${query({ [param]: value })}`)
          assert.strictEqual(res.status, 400, JSON.stringify(res.body))
          assert.strictEqual(res.body.code, "INVALID_ARGUMENT")
          assert.include(res.body.message, param)
          assert.include(res.body.message, says)
        })))
    }
  }
})

describe("GET /v1/workflow-executions/by-slug/{slug}", () => {
  it.live("200 with the ETag, in the org asked for; 404 NOT_FOUND naming the slug otherwise", () =>
    withServer(Effect.gen(function*() {
      const workflow = yield* request("POST", "/v1/workflows", workflowBody("Growth"))
      const run = yield* request("POST", "/v1/workflow-executions", executionBody(workflow.body.metadata.id, {
        name: "nightly batch"
      }))
      assert.strictEqual(run.body.metadata.slug, "nightly-batch")
      const found = yield* request("GET", "/v1/workflow-executions/by-slug/nightly-batch?org=acme")
      assert.strictEqual(found.status, 200)
      assert.strictEqual(found.body.metadata.id, run.body.metadata.id)
      assert.strictEqual(found.headers.etag, `"${found.body.metadata.version}"`)

      for (const path of ["/v1/workflow-executions/by-slug/nightly-batch", "/v1/workflow-executions/by-slug/nightly-batch?org=other", "/v1/workflow-executions/by-slug/nope?org=acme"]) {
        const missing = yield* request("GET", path)
        assert.strictEqual(missing.status, 404, path)
        assert.strictEqual(missing.body.code, "NOT_FOUND")
        assert.match(missing.body.message, /^WorkflowExecution not found: (nightly-batch|nope)/)
      }
    })))
})

describe("OpenAPI", () => {
  it.live("documents the selection on every list and the feed, and the by-slug route", () =>
    withServer(Effect.gen(function*() {
      const doc = (yield* request("GET", "/openapi.json")).body
      for (const path of [...lists, "/v1/workflow-executions/watch"]) {
        const params = (doc.paths[path].get.parameters as Array<{ name: string; in: string; description?: string }>)
        for (const name of ["labelSelector", "createdAfter", "createdBefore"]) {
          const param = params.find((p) => p.name === name)
          assert.isDefined(param, `${path} ${name}`)
          assert.strictEqual(param!.in, "query")
          assert.isString(param!.description, `${path} ${name} is described`)
        }
      }
      const bySlug = doc.paths["/v1/workflow-executions/by-slug/{slug}"]
      assert.isDefined(bySlug?.get)
      assert.deepStrictEqual(bySlug.get.parameters.map((p: any) => p.name).sort(), ["org", "slug"])
    })))
})
