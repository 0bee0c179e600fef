/**
 * The API description: every operation of `/openapi.json` has a summary and a
 * description; every request example decodes with the endpoint's payload schema, and the
 * workflow example is accepted by the real server; the `/docs` page carries the bearer
 * scheme its Authorize dialog needs. (`HttpErrors.test.ts` validates the document as
 * OpenAPI 3.1; `Auth.test.ts` checks the security entries.)
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { WeftApi } from "@weft/api"
import { ApiDocs } from "@weft/resource"
import { exampleWorkflow } from "@weft/workflow"
import { Effect, Either, Option, Schema } from "effect"
import * as TestServer from "./support/TestServer.js"

const spec = OpenApi.fromApi(WeftApi)

const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, any>).map(([method, op]) => ({ path, method, op }))
)

describe("OpenAPI document", () => {
  it("has the operations of every group (not vacuous)", () => {
    assert.isAtLeast(operations.length, 22)
  })

  it("every operation has a summary and a description", () => {
    const missing = operations
      .filter(({ op }) => typeof op.summary !== "string" || op.summary === "" || typeof op.description !== "string" || op.description.length < 20)
      .map(({ method, path }) => `${method} ${path}`)
    assert.deepStrictEqual(missing, [])
    const summaries = operations.map(({ op }) => op.summary)
    assert.strictEqual(new Set(summaries).size, summaries.length, "summaries are distinct")
  })

  it("every operation that takes a body has request examples, and each decodes with its payload schema", () => {
    let checked = 0
    const problems: Array<string> = []
    HttpApi.reflect(WeftApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint }) => {
        if (Option.isNone(endpoint.payloadSchema) || endpoint.method === "GET") return
        const path = endpoint.path.replace(/:(\w+)/g, "{$1}")
        const op = (spec.paths as any)[path][endpoint.method.toLowerCase()]
        const examples = Object.entries(ApiDocs.requestExamples(op))
        if (examples.length === 0) problems.push(`${endpoint.method} ${path}: no example`)
        const decode = Schema.decodeUnknownEither(endpoint.payloadSchema.value as unknown as Schema.Schema<unknown, unknown>)
        for (const [name, example] of examples) {
          checked++
          assert.isString(example.summary)
          const result = decode(example.value)
          if (Either.isLeft(result)) problems.push(`${endpoint.method} ${path} example ${name}: ${result.left.message}`)
        }
      }
    })
    assert.deepStrictEqual(problems, [])
    assert.isAtLeast(checked, 8)
  })
})

describe("served", () => {
  it.live("/openapi.json is the document above; /docs embeds it with the bearer scheme", () =>
    Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      const served = yield* Effect.promise(() => fetch(`${base}/openapi.json`).then((r) => r.json()))
      assert.deepStrictEqual(served, JSON.parse(JSON.stringify(spec)))
      const html = yield* Effect.promise(() => fetch(`${base}/docs`).then((r) => r.text()))
      assert.include(html, "\"securitySchemes\":{\"bearer\":{")
      assert.include(html, "\"scheme\":\"bearer\"")
    }).pipe(Effect.provide(TestServer.make())))

  it.live("the workflow example is accepted by the server as it stands (201)", () =>
    Effect.gen(function*() {
      const res = yield* TestServer.request("POST", "/v1/workflows", exampleWorkflow)
      assert.strictEqual(res.status, 201, JSON.stringify(res.body))
      assert.strictEqual(res.body.metadata.slug, "greeter")
    }).pipe(Effect.provide(TestServer.make())))
})
