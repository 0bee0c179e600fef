/**
 * The Environments service over in-memory SQLite with a fresh secret key: one database
 * per test.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { LabelSelector } from "@weft/resource"
import { Effect, Schema, TestClock } from "effect"
import { Environments, layerTest } from "../src/index.js"

const test = <A, E>(effect: Effect.Effect<A, E, Environments | SqlClient.SqlClient>) =>
  Effect.provide(effect, layerTest) as Effect.Effect<A, E, never>

const body = (data: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  apiVersion: "agentic.stigmer.ai/v1",
  kind: "Environment",
  metadata: { name: "acme-prod", org: "acme", ownerScope: "organization", ...metadata },
  spec: { description: "production", data }
})

const secretValue = "tok-4f1c9a7e-never-shown"

/** Every stored document of the table, as text. */
const storedText = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ doc: string }>`SELECT doc FROM environments`).pipe(
  Effect.map((rows) => rows.map((r) => r.doc).join("\n")),
  Effect.orDie
)

describe("Environments", () => {
  it.effect("create stores a secret sealed and answers it without its value; plain values are shown", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      const created = yield* environments.createUnknown(body({
        URL: { value: "https://crm.example", description: "CRM" },
        TOKEN: { value: secretValue, isSecret: true, description: "CRM token" }
      }))
      assert.match(created.metadata.id, /^env-[0-9a-z]{26}$/)
      assert.strictEqual(created.metadata.slug, "acme-prod")
      assert.strictEqual(created.metadata.version, 1)
      assert.deepStrictEqual(created.spec.data, {
        URL: { value: "https://crm.example", description: "CRM" },
        TOKEN: { isSecret: true, description: "CRM token" }
      })
      for (const read of [
        yield* environments.get(created.metadata.id),
        yield* environments.getBySlug("acme-prod", "acme"),
        (yield* environments.list({ pageSize: 10 })).entries[0]
      ]) {
        assert.deepStrictEqual(read, created)
        assert.notInclude(JSON.stringify(read), secretValue)
        assert.notInclude(JSON.stringify(read), "weft:v1:")
      }
      const stored = yield* storedText
      assert.notInclude(stored, secretValue)
      assert.include(stored, "weft:v1:")
      assert.include(stored, "https://crm.example")
    })))

  it.effect("resolve opens the secrets; a missing environment is 404 naming it", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      yield* environments.createUnknown(body({ URL: { value: "u" }, TOKEN: { value: secretValue, isSecret: true }, EMPTY: {} }))
      const resolved = yield* environments.resolve({ org: "acme", slug: "acme-prod" })
      assert.deepStrictEqual(resolved.values, { URL: "u", TOKEN: secretValue })
      assert.deepStrictEqual(resolved.secrets, [secretValue])
      assert.notInclude(JSON.stringify(resolved.environment), secretValue)

      const missing = yield* Effect.flip(environments.resolve({ org: "acme", slug: "staging" }))
      assert.strictEqual(missing._tag, "NotFound")
      assert.strictEqual(missing.message, "Environment not found: acme/staging")
      // Another org's environment of the same slug is not this one.
      assert.strictEqual((yield* Effect.flip(environments.resolve({ org: "globex", slug: "acme-prod" })))._tag, "NotFound")
    })))

  it.effect("apply of the document read back keeps the secret and the version; a new value is a change", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      const first = yield* environments.applyUnknown(body({ TOKEN: { value: secretValue, isSecret: true } }))
      assert.isTrue(first.created)
      const readBack = yield* environments.get(first.resource.metadata.id)

      // The same document again, with the value or without it: nothing changes.
      const again = yield* environments.applyUnknown(body({ TOKEN: { value: secretValue, isSecret: true } }))
      assert.isFalse(again.created)
      assert.strictEqual(again.resource.metadata.version, 1)
      const withoutValue = yield* environments.applyUnknown(readBack)
      assert.strictEqual(withoutValue.resource.metadata.version, 1)
      assert.strictEqual((yield* environments.resolve({ org: "acme", slug: "acme-prod" })).values.TOKEN, secretValue)

      // A new value is a change, and replaces the old one.
      const rotated = yield* environments.applyUnknown(body({ TOKEN: { value: "tok-2", isSecret: true } }))
      assert.strictEqual(rotated.resource.metadata.version, 2)
      assert.strictEqual((yield* environments.resolve({ org: "acme", slug: "acme-prod" })).values.TOKEN, "tok-2")
    })))

  it.effect("a plain value made secret without sending it again is kept, sealed", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      const created = yield* environments.createUnknown(body({ TOKEN: { value: secretValue } }))
      const updated = yield* environments.updateUnknown(created.metadata.id, body({ TOKEN: { isSecret: true } }))
      assert.strictEqual(updated.metadata.version, 2)
      assert.deepStrictEqual(updated.spec.data, { TOKEN: { isSecret: true } })
      assert.notInclude(yield* storedText, secretValue)
      assert.strictEqual((yield* environments.resolve({ org: "acme", slug: "acme-prod" })).values.TOKEN, secretValue)
    })))

  it.effect("update honours If-Match, keeps slug and org; delete answers the environment masked", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      const created = yield* environments.createUnknown(body({ TOKEN: { value: secretValue, isSecret: true } }))
      const stale = yield* Effect.flip(environments.updateUnknown(created.metadata.id, body({}), "\"7\""))
      assert.strictEqual(stale.code, "ABORTED")
      const moved = yield* Effect.flip(environments.updateUnknown(created.metadata.id, body({}, { org: "globex" })))
      assert.strictEqual(moved.code, "INVALID_ARGUMENT")
      assert.include(moved.message, "metadata.org")

      const deleted = yield* environments.delete(created.metadata.id, "\"1\"")
      assert.deepStrictEqual(deleted.spec.data, { TOKEN: { isSecret: true } })
      assert.strictEqual((yield* Effect.flip(environments.get(created.metadata.id))).message, `Environment not found: ${created.metadata.id}`)
      assert.strictEqual((yield* Effect.flip(environments.delete(created.metadata.id))).code, "NOT_FOUND")
    })))

  it.effect("bad input is 400 naming the field, a taken slug 409, and nothing is stored", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      const badKey = yield* Effect.flip(environments.createUnknown(body({ "not a key": { value: "x" } })))
      assert.strictEqual(badKey.code, "INVALID_ARGUMENT")
      assert.include(badKey.message, "spec.data")
      const badValue = yield* Effect.flip(environments.createUnknown(body({ A: { value: 1 } })))
      assert.strictEqual(badValue.code, "INVALID_ARGUMENT")
      assert.include(badValue.message, "spec.data")
      assert.strictEqual((yield* Effect.flip(environments.createUnknown(body({}, { name: undefined })))).code, "INVALID_ARGUMENT")
      assert.strictEqual((yield* Effect.flip(environments.createUnknown({ kind: "Workflow", metadata: { name: "x" }, spec: {} }))).code, "INVALID_ARGUMENT")
      assert.strictEqual(yield* storedText, "")

      yield* environments.createUnknown(body({}))
      const taken = yield* Effect.flip(environments.createUnknown(body({ A: { value: secretValue, isSecret: true } })))
      assert.strictEqual(taken.code, "ALREADY_EXISTS")
      assert.notInclude(yield* storedText, "weft:v1:")
      // The same slug in another org, or without org, is another environment.
      yield* environments.createUnknown(body({}, { org: "globex" }))
      yield* environments.createUnknown(body({}, { org: undefined, ownerScope: "platform" }))
      assert.strictEqual((yield* environments.list({ pageSize: 10 })).entries.length, 3)
      assert.strictEqual((yield* environments.list({ pageSize: 10, org: "globex" })).entries.length, 1)
    })))

  it.effect("lists page newest first", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      for (const name of ["a", "b", "c"]) yield* environments.createUnknown(body({}, { name }))
      const first = yield* environments.list({ pageSize: 2 })
      assert.deepStrictEqual(first.entries.map((e) => e.metadata.slug), ["c", "b"])
      const second = yield* environments.list({ pageSize: 2, pageToken: first.nextPageToken })
      assert.deepStrictEqual(second.entries.map((e) => e.metadata.slug), ["a"])
      assert.isUndefined(second.nextPageToken)
    })))

  it.effect("lists select by labels and by creation time", () =>
    test(Effect.gen(function*() {
      const environments = yield* Environments
      yield* environments.createUnknown(body({}, { name: "prod", labels: { tier: "prod", team: "crm" } }))
      yield* TestClock.adjust("1 second")
      const staging = yield* environments.createUnknown(body({}, { name: "staging", labels: { tier: "staging" } }))
      yield* TestClock.adjust("1 second")
      yield* environments.createUnknown(body({}, { name: "scratch" }))
      const slugs = (query: Omit<Parameters<typeof environments.list>[0], "pageSize">) =>
        Effect.map(environments.list({ pageSize: 10, ...query }), (page) => page.entries.map((e) => e.metadata.slug))
      const selector = (text: string) => Schema.decodeSync(LabelSelector.FromString)(text)
      assert.deepStrictEqual(yield* slugs({ labelSelector: selector("tier=prod") }), ["prod"])
      assert.deepStrictEqual(yield* slugs({ labelSelector: selector("tier") }), ["staging", "prod"])
      assert.deepStrictEqual(yield* slugs({ labelSelector: selector("!tier") }), ["scratch"])
      assert.deepStrictEqual(yield* slugs({ labelSelector: selector("tier!=prod,!team") }), ["scratch", "staging"])
      const at = staging.status.audit.specAudit.createdAt
      assert.deepStrictEqual(yield* slugs({ createdAfter: at }), ["scratch", "staging"])
      assert.deepStrictEqual(yield* slugs({ createdBefore: at }), ["prod"])
      // An update rewrites the labels the selector sees.
      yield* environments.updateUnknown(staging.metadata.id, body({}, { name: "staging", labels: { tier: "prod" } }))
      assert.deepStrictEqual(yield* slugs({ labelSelector: selector("tier=prod") }), ["staging", "prod"])
    })))
})
