/**
 * Names and slugs over HTTP: Latin diacritics are transliterated, a name of other
 * scripts needs an explicit slug, names have at most 256 characters and slugs 63, and
 * the slugs the server makes itself (default instances, execution names) stay within 63.
 * Deleting a workflow keeps its executions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { request, withServer as server } from "./support/TestServer.js"

const withServer = server()

const workflow = (metadata: Record<string, unknown>) => ({
  metadata: { ownerScope: "organization", org: "acme", ...metadata },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "names", version: "1.0.0" },
    tasks: [{ name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { x: 1 } } }]
  }
})

describe("names and slugs", () => {
  it.effect("Latin letters with diacritics are transliterated into the slug", () =>
    withServer(Effect.gen(function*() {
      const created = yield* request("POST", "/v1/workflows", workflow({ name: "Überweisung Zürich" }))
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      assert.strictEqual(created.body.metadata.name, "Überweisung Zürich")
      assert.strictEqual(created.body.metadata.slug, "uberweisung-zurich")
      const instance = yield* request("GET", `/v1/workflow-instances/${created.body.status.defaultInstanceId}`)
      assert.strictEqual(instance.body.metadata.slug, "uberweisung-zurich-default")
      const bySlug = yield* request("GET", "/v1/workflows/by-slug/uberweisung-zurich?org=acme")
      assert.strictEqual(bySlug.status, 200)
    })))

  it.effect("a name of other scripts needs metadata.slug; with one it is stored as given", () =>
    withServer(Effect.gen(function*() {
      const refused = yield* request("POST", "/v1/workflows", workflow({ name: "東京ワークフロー" }))
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.body.code, "INVALID_ARGUMENT")
      assert.match(refused.body.message, /^metadata\.slug: is required, since metadata\.name "東京ワークフロー" has no letters a-z or digits/)
      const listed = yield* request("GET", "/v1/workflows?org=acme")
      assert.deepStrictEqual(listed.body.entries, [], "nothing stored")

      const created = yield* request("POST", "/v1/workflows", workflow({ name: "東京ワークフロー", slug: "tokyo" }))
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      assert.strictEqual(created.body.metadata.name, "東京ワークフロー")
      assert.strictEqual(created.body.metadata.slug, "tokyo")
    })))

  it.effect("names over 256 characters and slugs over 63 are refused with 400", () =>
    withServer(Effect.gen(function*() {
      const longName = yield* request("POST", "/v1/workflows", workflow({ name: "n".repeat(10_000) }))
      assert.strictEqual(longName.status, 400)
      assert.strictEqual(longName.body.code, "INVALID_ARGUMENT")
      assert.include(longName.body.message, "metadata.name")
      assert.include(longName.body.message, "must be at most 256 characters (got 10000)")

      const longSlug = yield* request("POST", "/v1/workflows", workflow({ name: "ok", slug: "s".repeat(64) }))
      assert.strictEqual(longSlug.status, 400)
      assert.include(longSlug.body.message, "metadata.slug")
      assert.include(longSlug.body.message, "must be at most 63 characters (got 64)")

      const instance = yield* request("POST", "/v1/workflow-instances", {
        metadata: { name: "i".repeat(257), ownerScope: "organization", org: "acme" },
        spec: { workflowId: "wfl-01j0000000000000000000000z" }
      })
      assert.strictEqual(instance.status, 400)
      assert.include(instance.body.message, "must be at most 256 characters (got 257)")

      const listed = yield* request("GET", "/v1/workflows?org=acme")
      assert.deepStrictEqual(listed.body.entries, [], "nothing stored")
    })))

  it.effect("a long name gets a slug of 63 characters; the default instance and run names fit too", () =>
    withServer(Effect.gen(function*() {
      const name = `Quarterly ${"report ".repeat(30)}`.trim()
      const created = yield* request("POST", "/v1/workflows", workflow({ name }))
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      const slug: string = created.body.metadata.slug
      assert.isAtMost(slug.length, 63)
      assert.match(slug, /^quarterly-report-report-/)
      assert.match(slug, /[a-z0-9]$/)

      const instance = yield* request("GET", `/v1/workflow-instances/${created.body.status.defaultInstanceId}`)
      assert.strictEqual(instance.status, 200)
      const instanceSlug: string = instance.body.metadata.slug
      assert.isAtMost(instanceSlug.length, 63)
      assert.match(instanceSlug, /-default$/)

      // Two runs (in the same second, or not): each slug keeps its timestamp and suffix within 63.
      const slugs: Array<string> = []
      for (let n = 0; n < 2; n++) {
        const run = yield* request("POST", "/v1/workflow-executions", {
          metadata: { ownerScope: "organization", org: "acme" },
          spec: { workflowId: created.body.metadata.id }
        })
        assert.strictEqual(run.status, 201, JSON.stringify(run.body))
        assert.isAtMost(run.body.metadata.slug.length, 63)
        assert.match(run.body.metadata.slug, /-\d{8}-\d{6}(-2)?$/)
        slugs.push(run.body.metadata.slug)
      }
      assert.notStrictEqual(slugs[0], slugs[1])
    })))
})

describe("deleting a workflow that executions refer to", () => {
  it.effect("is allowed; the executions are kept with the ids they ran with", () =>
    withServer(Effect.gen(function*() {
      const created = yield* request("POST", "/v1/workflows", workflow({ name: "Short Lived" }))
      assert.strictEqual(created.status, 201)
      const run = yield* request("POST", "/v1/workflow-executions", {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: created.body.metadata.id }
      })
      assert.strictEqual(run.status, 201)
      const deleted = yield* request("DELETE", `/v1/workflows/${created.body.metadata.id}`)
      assert.strictEqual(deleted.status, 200, JSON.stringify(deleted.body))
      const kept = yield* request("GET", `/v1/workflow-executions/${run.body.metadata.id}`)
      assert.strictEqual(kept.status, 200)
      assert.strictEqual(kept.body.spec.workflowId, created.body.metadata.id)
      assert.strictEqual(kept.body.spec.workflowInstanceId, created.body.status.defaultInstanceId)
      const gone = yield* request("GET", `/v1/workflows/${created.body.metadata.id}`)
      assert.strictEqual(gone.status, 404)
    })))
})
