/**
 * End to end over real HTTP (in-process server, on in-memory SQLite and, with
 * `WEFT_TEST_PG`, on PostgreSQL): every `/v1/environments` route and every error the
 * contract names for it; secret values never come back.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { Effect } from "effect"
import * as TestServer from "./support/TestServer.js"

const request = TestServer.request

const secret = "pw-93b1e0c4-not-for-your-eyes"

const environment = (data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Environment",
  metadata: { name: "acme-prod", ownerScope: "organization", org: "acme", ...metadata },
  spec: {
    description: "production",
    data: { REGION: { value: "eu-west-1" }, DB_PASSWORD: { value: secret, isSecret: true, description: "db" }, ...data }
  }
})

type Response = Effect.Effect.Success<ReturnType<typeof request>>

const assertError = (res: Response, status: number, code: string, messagePart?: string) => {
  assert.strictEqual(res.status, status, JSON.stringify(res.body))
  assert.strictEqual(res.body.code, code)
  if (messagePart !== undefined) assert.include(res.body.message, messagePart)
}

const assertMasked = (res: Response) => assert.notInclude(JSON.stringify(res.body ?? ""), secret)

describe.each(TestDatabase.backends)("environments on %s", (backend) => {
  const withServer = TestServer.withServerOn(backend)

  describe("/v1/environments", () => {
    it.effect("create, get, get by slug, list, update, apply and delete; secrets never answered", () =>
      withServer(Effect.gen(function*() {
        const created = yield* request("POST", "/v1/environments", environment())
        assert.strictEqual(created.status, 201)
        assert.strictEqual(created.headers["etag"], "\"1\"")
        assert.match(created.body.metadata.id, /^env-[0-9a-z]{26}$/)
        assert.strictEqual(created.body.kind, "Environment")
        assert.deepStrictEqual(created.body.spec.data, {
          REGION: { value: "eu-west-1" },
          DB_PASSWORD: { isSecret: true, description: "db" }
        })
        const id = created.body.metadata.id
        const responses: Array<Response> = [created]

        const got = yield* request("GET", `/v1/environments/${id}`)
        assert.strictEqual(got.status, 200)
        assert.strictEqual(got.headers["etag"], "\"1\"")
        assert.deepStrictEqual(got.body, created.body)
        responses.push(got)

        const bySlug = yield* request("GET", "/v1/environments/by-slug/acme-prod?org=acme")
        assert.strictEqual(bySlug.status, 200)
        assert.strictEqual(bySlug.body.metadata.id, id)
        responses.push(bySlug)

        const list = yield* request("GET", "/v1/environments?org=acme")
        assert.strictEqual(list.status, 200)
        assert.deepStrictEqual(list.body.entries.map((e: any) => e.metadata.id), [id])
        responses.push(list)

        // The document read back, applied again: nothing changes, the secret is kept.
        const reapplied = yield* request("POST", "/v1/environments/apply", got.body)
        assert.strictEqual(reapplied.status, 200)
        assert.strictEqual(reapplied.headers["etag"], "\"1\"")
        responses.push(reapplied)

        const updated = yield* request("PUT", `/v1/environments/${id}`, environment({ EXTRA: { value: "x" } }), {
          "if-match": "\"1\""
        })
        assert.strictEqual(updated.status, 200)
        assert.strictEqual(updated.headers["etag"], "\"2\"")
        assert.deepStrictEqual(Object.keys(updated.body.spec.data).sort(), ["DB_PASSWORD", "EXTRA", "REGION"])
        responses.push(updated)

        const applied = yield* request("POST", "/v1/environments/apply", environment({}, { name: "acme-staging" }))
        assert.strictEqual(applied.status, 201)
        responses.push(applied)

        const deleted = yield* request("DELETE", `/v1/environments/${id}`, undefined, { "if-match": "\"2\"" })
        assert.strictEqual(deleted.status, 200)
        assert.strictEqual(deleted.body.metadata.id, id)
        responses.push(deleted)
        assertError(yield* request("GET", `/v1/environments/${id}`), 404, "NOT_FOUND", `Environment not found: ${id}`)

        for (const response of responses) assertMasked(response)
      })))

    it.effect("the errors: 400 with the field path, 404, 409, 412; nothing half-applied", () =>
      withServer(Effect.gen(function*() {
        assertError(yield* request("POST", "/v1/environments", environment({ "bad key": { value: "x" } })), 400, "INVALID_ARGUMENT", "spec.data")
        // The message names the bad entry; it never quotes the secret beside it.
        const badValue = yield* request("POST", "/v1/environments", environment({ A: { value: 3 } }))
        assertError(badValue, 400, "INVALID_ARGUMENT", "spec.data")
        assertMasked(badValue)
        assertError(yield* request("POST", "/v1/environments", { ...environment(), kind: "Workflow" }), 400, "INVALID_ARGUMENT", "kind")
        assertError(yield* request("POST", "/v1/environments", environment({}, { id: "env-01arz3ndektsv4rrffq69g5fav" })), 400, "INVALID_ARGUMENT", "metadata.id")
        assertError(yield* request("GET", "/v1/environments?pageSize=0"), 400, "INVALID_ARGUMENT", "pageSize")
        assert.deepStrictEqual((yield* request("GET", "/v1/environments")).body.entries, [])

        const created = yield* request("POST", "/v1/environments", environment())
        const id = created.body.metadata.id
        const taken = yield* request("POST", "/v1/environments", environment())
        assertError(taken, 409, "ALREADY_EXISTS", "acme-prod")
        assertMasked(taken)
        assertError(yield* request("GET", "/v1/environments/env-01arz3ndektsv4rrffq69g5fav"), 404, "NOT_FOUND")
        assertError(yield* request("GET", "/v1/environments/by-slug/acme-prod"), 404, "NOT_FOUND", "acme-prod")
        assertError(yield* request("PUT", "/v1/environments/env-01arz3ndektsv4rrffq69g5fav", environment()), 404, "NOT_FOUND")
        assertError(yield* request("PUT", `/v1/environments/${id}`, environment(), { "if-match": "\"9\"" }), 412, "ABORTED")
        assertError(yield* request("PUT", `/v1/environments/${id}`, environment({}, { org: "globex" })), 400, "INVALID_ARGUMENT", "metadata.org")
        assertError(yield* request("DELETE", `/v1/environments/${id}`, undefined, { "if-match": "\"9\"" }), 412, "ABORTED")
        const after = yield* request("GET", `/v1/environments/${id}`)
        assert.strictEqual(after.headers["etag"], "\"1\"")
        assertMasked(after)
      })))

    it.effect("the list takes labelSelector, createdAfter and createdBefore; a malformed one is 400 naming it", () =>
      withServer(Effect.gen(function*() {
        const prod = yield* request("POST", "/v1/environments", environment({}, { labels: { tier: "prod", team: "crm" } }))
        const staging = yield* request("POST", "/v1/environments", environment({}, { name: "acme-staging", labels: { tier: "staging" } }))
        yield* request("POST", "/v1/environments", environment({}, { name: "acme-scratch" }))
        const slugs = (params: Record<string, string>) =>
          Effect.map(request("GET", `/v1/environments?${new URLSearchParams(params)}`), (res) => {
            assert.strictEqual(res.status, 200, JSON.stringify(res.body))
            assertMasked(res)
            return res.body.entries.map((e: any) => e.metadata.slug).sort()
          })
        assert.deepStrictEqual(yield* slugs({ labelSelector: "tier=prod" }), ["acme-prod"])
        assert.deepStrictEqual(yield* slugs({ labelSelector: "tier" }), ["acme-prod", "acme-staging"])
        assert.deepStrictEqual(yield* slugs({ labelSelector: "!tier" }), ["acme-scratch"])
        assert.deepStrictEqual(yield* slugs({ labelSelector: "tier!=prod,!team", org: "acme" }), ["acme-scratch", "acme-staging"])
        assert.deepStrictEqual(yield* slugs({ labelSelector: "tier=prod", org: "globex" }), [])
        assert.deepStrictEqual(yield* slugs({ createdAfter: "2999-01-01T00:00:00Z" }), [])
        assert.deepStrictEqual(yield* slugs({ createdBefore: "2999-01-01T00:00:00Z" }), ["acme-prod", "acme-scratch", "acme-staging"])
        const first = prod.body.status.audit.specAudit.createdAt as string
        assert.include(yield* slugs({ createdAfter: first }), "acme-prod")
        assert.notInclude(yield* slugs({ createdBefore: first }), "acme-prod")
        // An update's labels are what the selector sees next.
        const moved = yield* request("PUT", `/v1/environments/${staging.body.metadata.id}`, environment({}, { name: "acme-staging", labels: { tier: "prod" } }))
        assert.strictEqual(moved.status, 200)
        assert.deepStrictEqual(yield* slugs({ labelSelector: "tier=prod" }), ["acme-prod", "acme-staging"])
        for (
          const [param, value, says] of [
            ["labelSelector", "tier=prod,", "malformed label selector"],
            ["labelSelector", "!tier=x", "malformed label selector"],
            ["createdAfter", "yesterday", "is not an RFC 3339 date-time"],
            ["createdBefore", "2026-02-30T00:00:00Z", "is not an RFC 3339 date-time"]
          ] as const
        ) {
          const res = yield* request("GET", `/v1/environments?${new URLSearchParams({ [param]: value })}`)
          assertError(res, 400, "INVALID_ARGUMENT", param)
          assert.include(res.body.message, says)
        }
      })))
  })
})
