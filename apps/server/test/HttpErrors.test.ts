/**
 * End to end, in process: every failure the framework itself produces (unknown routes,
 * malformed JSON, schema decode failures of body, path and query, bodies over the
 * limit, handler defects) is answered in the contract's `{code, message}` shape with the
 * contract's status, never the framework's default body. Also: `/openapi.json` is a
 * valid OpenAPI 3.1 document and `/docs` serves HTML.
 *
 * Body decoding is exercised through a small test-only group (`POST /echo`,
 * `GET /items/:id`, `GET /boom`) in an HttpApi with the app's system group and API-level
 * errors, served with the app's own error middleware (`HttpErrors.layer`) and lifecycle
 * middleware. Routes, OpenAPI and docs are checked against the real app (`TestServer`).
 */
import { assert, describe, it } from "@effect/vitest"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpServer
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { validate } from "@readme/openapi-parser"
import { SystemApi } from "@weft/api"
import { Internal, InvalidArgument, NotFound, PayloadTooLarge, Unavailable } from "@weft/resource"
import { Workflow, Workflows } from "@weft/workflow"
import { WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Layer, Schema } from "effect"
import * as Http from "node:http"
import * as HttpErrors from "../src/HttpErrors.js"
import * as Lifecycle from "../src/Lifecycle.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as TestServer from "./support/TestServer.js"

// --- a test-only group, served with the app's error middleware --------------------------

const Echo = Schema.Struct({ name: Schema.String, n: Schema.Number })

class EchoApi extends HttpApiGroup.make("echo", { topLevel: true })
  .add(HttpApiEndpoint.post("echo", "/echo").setPayload(Echo).addSuccess(Echo))
  .add(
    HttpApiEndpoint.get("item")`/items/${HttpApiSchema.param("id", Schema.NumberFromString)}`
      .setUrlParams(Schema.Struct({ limit: Schema.optional(Schema.NumberFromString) }))
      .addSuccess(Schema.Struct({ id: Schema.Number, limit: Schema.optional(Schema.Number) }))
  )
  .add(HttpApiEndpoint.get("boom", "/boom").addSuccess(Schema.Struct({ ok: Schema.Boolean })))
{}

/** The app's system group plus the test group, with the app's API-level errors. */
const TestApi = HttpApi.make("weft")
  .add(SystemApi)
  .add(EchoApi)
  .addError(InvalidArgument)
  .addError(NotFound)
  .addError(PayloadTooLarge)
  .addError(Internal)
  .addError(Unavailable)

const SECRET = "secret-defect-detail-7f3a"

const EchoLive = HttpApiBuilder.group(TestApi, "echo", (handlers) =>
  handlers
    .handle("echo", ({ payload }) => Effect.succeed(payload))
    .handle("item", ({ path, urlParams }) => Effect.succeed({ id: path.id, limit: urlParams.limit }))
    .handle("boom", () => Effect.die(new Error(SECRET))))

const makeEchoServer = (config: Partial<ServerConfig.ServerConfigShape> = {}) =>
  HttpApiBuilder.serve(Lifecycle.middleware).pipe(
    Layer.provide(HttpErrors.layer),
    Layer.provide(HttpApiBuilder.api(TestApi).pipe(Layer.provide([EchoLive, TestServer.SystemOnlyLive]))),
    Layer.provideMerge(Lifecycle.layer),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(ServerConfig.layer({ ...ServerConfig.defaults, ...config }))
  )

// --- raw HTTP, so headers (content-length vs chunked) are under the test's control ------

interface RawResponse {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
  readonly json: any
}

const port = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? server.address.port : 0)

/**
 * Sends `body` (string chunks) with node:http. With `chunked`, no content-length is sent
 * and the body goes out as several chunks.
 */
const raw = (options: {
  readonly method: string
  readonly path: string
  readonly body?: ReadonlyArray<string>
  readonly headers?: Record<string, string>
  readonly chunked?: boolean
}) =>
  Effect.flatMap(port, (port) =>
    Effect.async<RawResponse, Error>((resume) => {
      const chunks = options.body ?? []
      const headers: Record<string, string> = { ...options.headers }
      if (!options.chunked && chunks.length > 0) {
        headers["content-length"] = String(Buffer.byteLength(chunks.join("")))
      }
      const req = Http.request(
        { host: "127.0.0.1", port, method: options.method, path: options.path, headers, agent: false },
        (res) => {
          const parts: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => parts.push(chunk))
          res.on("end", () => {
            const text = Buffer.concat(parts).toString("utf8")
            let json: unknown = undefined
            try {
              json = JSON.parse(text)
            } catch {
              json = undefined
            }
            resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, text, json }))
          })
          res.on("error", (error) => resume(Effect.fail(error)))
        }
      )
      // The server may answer (413) and close before the whole body is sent.
      req.on("error", (error) => resume(Effect.fail(error)))
      for (const chunk of chunks) req.write(chunk)
      req.end()
      return Effect.sync(() => req.destroy())
    })
  )

/** The contract's error shape: `{code, message}` with a non-empty message, nothing else framework-specific. */
const assertContractError = (res: RawResponse, status: number, code: string) => {
  assert.strictEqual(res.status, status, `status; body: ${res.text}`)
  assert.match(String(res.headers["content-type"]), /application\/json/)
  assert.isObject(res.json, `body is JSON: ${JSON.stringify(res.text)}`)
  assert.strictEqual(res.json.code, code, `code; body: ${res.text}`)
  assert.isString(res.json.message)
  assert.isAbove(res.json.message.length, 0)
  assert.isUndefined(res.json.issues, "no framework decode issues in the body")
  assert.notStrictEqual(res.json._tag, "HttpApiDecodeError")
}

const withEcho = (config: Partial<ServerConfig.ServerConfigShape> = {}) => Effect.provide(makeEchoServer(config))
const withApp = (config: Partial<ServerConfig.ServerConfigShape> = {}) => Effect.provide(TestServer.make(config))

describe("unknown routes", () => {
  it.live("GET /nope is 404 NOT_FOUND", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/nope" })
      assertContractError(res, 404, "NOT_FOUND")
      assert.include(res.json.message, "/nope")
    }).pipe(withApp()))

  it.live("POST /health (wrong method on a known path) is 405 METHOD_NOT_ALLOWED with Allow", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "POST", path: "/health", body: ["{}"], headers: { "content-type": "application/json" } })
      assertContractError(res, 405, "METHOD_NOT_ALLOWED")
      assert.strictEqual(res.headers["allow"], "GET, HEAD")
      assert.include(res.json.message, "POST")
    }).pipe(withApp()))

  it.live("a known path with another method is 405 whose Allow lists exactly that path's methods", () =>
    Effect.gen(function*() {
      const id = "wfl-00000000000000000000000000"
      const cases: ReadonlyArray<[string, string, string]> = [
        ["PATCH", "/v1/workflows", "GET, HEAD, POST"],
        ["PUT", "/v1/workflows/by-slug/greeter", "GET, HEAD"],
        ["POST", `/v1/workflows/${id}`, "GET, HEAD, PUT, DELETE"],
        ["GET", `/v1/workflow-executions/${id}/status`, "PATCH"],
        ["PUT", `/v1/workflow-executions/${id}/watch`, "GET, HEAD"],
        // The router's spellings (case, trailing and duplicate slashes) count as the path.
        ["GET", `/V1/Workflow-Executions/${id}/status/`, "PATCH"],
        ["DELETE", "/openapi.json", "GET, HEAD"],
        ["OPTIONS", "/v1/workflow-instances", "GET, HEAD, POST"]
      ]
      for (const [method, path, allow] of cases) {
        const res = yield* raw({ method, path, ...(method === "GET" || method === "OPTIONS" ? {} : { body: ["{}"] }) })
        assertContractError(res, 405, "METHOD_NOT_ALLOWED")
        assert.strictEqual(res.headers["allow"], allow, `${method} ${path}`)
      }
      // The method a path has still works (control), and unknown paths stay 404.
      assert.strictEqual((yield* raw({ method: "GET", path: `/v1/workflows/${id}` })).status, 404)
      assertContractError(yield* raw({ method: "PATCH", path: "/v1/workflows/a/b/c" }), 404, "NOT_FOUND")
    }).pipe(withApp()))

  it.live("an unknown route under /v1 with a query string is 404 NOT_FOUND", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "DELETE", path: "/v1/nothing-here?x=1" })
      assertContractError(res, 404, "NOT_FOUND")
    }).pipe(withApp()))
})

describe("request body decoding", () => {
  it.live("a well-formed body is decoded and echoed (control)", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: [JSON.stringify({ name: "a", n: 1 })],
        headers: { "content-type": "application/json" }
      })
      assert.strictEqual(res.status, 200, res.text)
      assert.deepStrictEqual(res.json, { name: "a", n: 1 })
    }).pipe(withEcho()))

  it.live("malformed JSON is 400 INVALID_ARGUMENT", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: ["{\"name\": \"a\", \"n\": "],
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.match(res.json.message, /json/i)
    }).pipe(withEcho()))

  it.live("malformed JSON without a content-type (defaults to JSON) is 400 INVALID_ARGUMENT", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "POST", path: "/echo", body: ["not json at all"] })
      assertContractError(res, 400, "INVALID_ARGUMENT")
    }).pipe(withEcho()))

  it.live("a schema violation is 400 INVALID_ARGUMENT naming the field path", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: [JSON.stringify({ name: "a", n: "not a number" })],
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.match(res.json.message, /(^|[\s;])n\b/, `message names "n": ${res.json.message}`)
    }).pipe(withEcho()))

  it.live("a missing required field is 400 INVALID_ARGUMENT naming it", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: [JSON.stringify({ n: 1 })],
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.include(res.json.message, "name")
    }).pipe(withEcho()))

  it.live("an empty body where an object is required is 400 INVALID_ARGUMENT", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "POST", path: "/echo", headers: { "content-type": "application/json" } })
      assertContractError(res, 400, "INVALID_ARGUMENT")
    }).pipe(withEcho()))
})

describe("bad bodies on the app's routes", () => {
  const id = "wfl-00000000000000000000000000"
  const bodyRoutes: ReadonlyArray<readonly [string, string]> = [
    ["POST", "/v1/workflows"],
    ["POST", "/v1/workflows/apply"],
    ["PUT", `/v1/workflows/${id}`],
    ["POST", "/v1/workflow-instances"],
    ["POST", "/v1/workflow-instances/apply"],
    ["PUT", `/v1/workflow-instances/${id}`],
    ["POST", "/v1/environments"],
    ["POST", "/v1/environments/apply"],
    ["PUT", `/v1/environments/${id}`],
    ["POST", "/v1/workflow-executions"],
    ["PUT", `/v1/workflow-executions/${id}`],
    ["PATCH", `/v1/workflow-executions/${id}/status`],
    ["POST", `/v1/workflow-executions/${id}/signals`]
  ]

  it.live("an empty body is 400 `body: is required` on every route that takes one", () =>
    Effect.gen(function*() {
      for (const [method, path] of bodyRoutes) {
        for (const headers of [{}, { "content-type": "application/json" }] as ReadonlyArray<Record<string, string>>) {
          const res = yield* raw({ method, path, headers })
          assertContractError(res, 400, "INVALID_ARGUMENT")
          assert.strictEqual(res.json.message, "body: is required", `${method} ${path}`)
        }
        // `null` is read as no body too; a body that is not an object says so.
        const nullBody = yield* raw({ method, path, body: ["null"] })
        assert.strictEqual(nullBody.json.message, "body: is required", `${method} ${path} null`)
        const text = yield* raw({ method, path, body: ["\"text\""] })
        assertContractError(text, 400, "INVALID_ARGUMENT")
        assert.strictEqual(text.json.message, "body: must be a JSON object", `${method} ${path} text`)
      }
    }).pipe(withApp()))

  const spec = {
    document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
    tasks: [
      { name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } },
      { name: "b", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } },
      { name: "c", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { method: "FETCH", endpoint: { uri: "https://x" } } }
    ]
  }
  const metadata = { name: "wf", ownerScope: "organization", org: "acme" }
  const badWorkflows: ReadonlyArray<unknown> = [
    null,
    [1, 2],
    { metadata },
    { metadata, spec },
    { metadata: { ...metadata, ownerScope: "everyone", labels: { a: 1 } }, spec: { ...spec, document: {} } },
    { metadata, spec: { ...spec, tasks: [{ name: "x".repeat(400_000), kind: "NOPE" }] } },
    { metadata, spec: { ...spec, tasks: Array.from({ length: 9 }, (_, i) => ({ name: i, kind: "NOPE" })) } },
    { metadata: { name: 1, slug: 2, org: 3, ownerScope: 4, labels: 5, annotations: 6, tags: 7 }, spec }
  ]

  it.live("a bad workflow body gets the same message over HTTP as in process, naming every issue", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows
      const messages: Array<string> = []
      for (const body of badWorkflows) {
        const res = yield* raw({ method: "POST", path: "/v1/workflows", body: [JSON.stringify(body)] })
        assertContractError(res, 400, "INVALID_ARGUMENT")
        assert.isBelow(res.text.length, 4096)
        const inProcess = yield* Effect.flip(workflows.createUnknown(body))
        assert.strictEqual(res.json.message, inProcess.message)
        messages.push(res.json.message)
      }
      assert.deepStrictEqual(messages.slice(0, 4), [
        "body: is required",
        "body: must be a JSON object",
        "spec: is missing",
        "spec.tasks[2].taskConfig.method: must be one of GET, POST, PUT, DELETE, PATCH"
      ])
      // Every issue, each by its path, not only the first.
      for (const path of ["metadata.ownerScope", "metadata.labels.a", "spec.document.dsl", "spec.document.namespace"]) {
        assert.include(messages[4], `${path}: `)
      }
      // A list names its first bad entry only, however many it has.
      assert.strictEqual(messages[6], "spec.tasks[0].name: Expected string, actual 0")
      // Five issues in full, the others counted.
      const named = messages[7]!.split("; ").map((part) => part.slice(0, part.indexOf(":")))
      assert.deepStrictEqual(named, ["metadata.name", "metadata.slug", "metadata.org", "metadata.ownerScope", "metadata.labels"])
      assert.isTrue(messages[7]!.endsWith(" (and 3 more)"), messages[7])
    }).pipe(withApp()))

  it.live("bad execution and status bodies get the same message over HTTP as in process", () =>
    Effect.gen(function*() {
      const executions = yield* WorkflowExecutions
      const valid = { ...spec, tasks: spec.tasks.slice(0, 2) }
      const workflow = yield* TestServer.request("POST", "/v1/workflows", { metadata, spec: valid })
      const execution = yield* TestServer.request("POST", "/v1/workflow-executions", {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: workflow.body.metadata.id }
      })
      const id: string = execution.body.metadata.id
      const badExecutions: ReadonlyArray<unknown> = [
        null,
        { metadata: { ownerScope: 7 }, spec: { workflowId: 1, runtimeEnv: { A: { value: "" } }, callbackToken: "%%" } },
        { spec: { triggerMetadata: { a: 1 }, runtimeEnv: [] } }
      ]
      for (const body of badExecutions) {
        const res = yield* raw({ method: "POST", path: "/v1/workflow-executions", body: [JSON.stringify(body)] })
        assertContractError(res, 400, "INVALID_ARGUMENT")
        assert.strictEqual(res.json.message, (yield* Effect.flip(executions.createUnknown(body))).message)
      }
      const badUpdates: ReadonlyArray<unknown> = [
        null,
        "done",
        { phase: "RUNNING", tasks: [{ status: "DONE", taskType: "X" }], startedAt: 5 },
        { tasks: Array.from({ length: 1000 }, () => ({ status: "NOPE" })) }
      ]
      for (const body of badUpdates) {
        const res = yield* raw({
          method: "PATCH",
          path: `/v1/workflow-executions/${id}/status`,
          body: [JSON.stringify(body)]
        })
        assertContractError(res, 400, "INVALID_ARGUMENT")
        assert.strictEqual(res.json.message, (yield* Effect.flip(executions.updateStatusUnknown(id, body))).message)
      }
    }).pipe(withApp()))
})

describe("enum values in messages", () => {
  const workflow = (kinds: ReadonlyArray<unknown>) => ({
    metadata: { name: "wf", ownerScope: "organization", org: "acme" },
    spec: {
      document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
      tasks: kinds.map((kind, i) => ({ name: `t${i}`, kind, taskConfig: { variables: {} } }))
    }
  })

  const assertListsWhole = (message: string, names: ReadonlyArray<string>) => {
    for (const name of names) {
      // Each value whole: not cut, nor followed by a cut.
      assert.match(message, new RegExp(`(^|[^A-Z_])${name}([^A-Z_]|$)`), `names ${name}: ${message}`)
    }
    assert.notInclude(message, "…", message)
  }

  it.live("a bad task kind, by name or number, is 400 naming the field and listing every kind whole", () =>
    Effect.gen(function*() {
      for (const kind of ["WORKFLOW_TASK_KIND_NOPE", 99]) {
        const res = yield* raw({ method: "POST", path: "/v1/workflows", body: [JSON.stringify(workflow([kind]))] })
        assertContractError(res, 400, "INVALID_ARGUMENT")
        assert.match(res.json.message, /^spec\.tasks\[0\]\.kind: /)
        assertListsWhole(res.json.message, Workflow.TaskKindNames)
      }
    }).pipe(withApp()))

  it.live("a bad phase or task status in a status update lists every value whole", () =>
    Effect.gen(function*() {
      const created = yield* TestServer.request("POST", "/v1/workflows", workflow(["WORKFLOW_TASK_KIND_SET"]))
      const execution = yield* TestServer.request("POST", "/v1/workflow-executions", {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: created.body.metadata.id }
      })
      const path = `/v1/workflow-executions/${execution.body.metadata.id}/status`
      const phase = yield* raw({ method: "PATCH", path, body: [JSON.stringify({ phase: "RUNNING" })] })
      assertContractError(phase, 400, "INVALID_ARGUMENT")
      assertListsWhole(phase.json.message, WorkflowExecution.PhaseNames)
      const status = yield* raw({ method: "PATCH", path, body: [JSON.stringify({ tasks: [{ status: "DONE" }] })] })
      assertContractError(status, 400, "INVALID_ARGUMENT")
      assert.match(status.json.message, /^tasks\[0\]\.status: /)
      assertListsWhole(status.json.message, WorkflowExecution.TaskStatusNames)
      const type = yield* raw({ method: "PATCH", path, body: [JSON.stringify({ tasks: [{ taskType: "X" }] })] })
      assertContractError(type, 400, "INVALID_ARGUMENT")
      assertListsWhole(type.json.message, WorkflowExecution.TaskTypeNames)
    }).pipe(withApp()))
})

describe("path and query decoding", () => {
  it.live("valid path and query params decode (control)", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/items/7?limit=3" })
      assert.strictEqual(res.status, 200, res.text)
      assert.deepStrictEqual(res.json, { id: 7, limit: 3 })
    }).pipe(withEcho()))

  it.live("a path param that does not decode is 400 INVALID_ARGUMENT naming it", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/items/seven" })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.include(res.json.message, "id")
    }).pipe(withEcho()))

  it.live("a query param that does not decode is 400 INVALID_ARGUMENT naming it", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/items/7?limit=lots" })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.include(res.json.message, "limit")
    }).pipe(withEcho()))
})

describe("body size limit", () => {
  const big = JSON.stringify({ name: "x".repeat(2048), n: 1 })

  it.live("a body under the limit is accepted (control)", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: [JSON.stringify({ name: "x".repeat(900), n: 1 })],
        headers: { "content-type": "application/json" }
      })
      assert.strictEqual(res.status, 200, res.text)
    }).pipe(withEcho({ maxBodyBytes: 1024 })))

  it.live("2 KiB with content-length over a 1 KiB limit is 413 PAYLOAD_TOO_LARGE", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: [big],
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 413, "PAYLOAD_TOO_LARGE")
    }).pipe(withEcho({ maxBodyBytes: 1024 })))

  it.live("2 KiB chunked (no content-length) over a 1 KiB limit is 413 PAYLOAD_TOO_LARGE", () =>
    Effect.gen(function*() {
      const chunks = big.match(/[\s\S]{1,256}/g)!
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: chunks,
        chunked: true,
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 413, "PAYLOAD_TOO_LARGE")
      assert.strictEqual(res.headers.connection, "close", "the rest of the body is not waited for")
    }).pipe(withEcho({ maxBodyBytes: 1024 })))

  it.live("a large chunked body (256 KiB) over the limit is 413, and the server keeps serving", () =>
    Effect.gen(function*() {
      const chunk = "x".repeat(4096)
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: ["{\"name\":\"", ...Array.from({ length: 64 }, () => chunk), "\",\"n\":1}"],
        chunked: true,
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 413, "PAYLOAD_TOO_LARGE")
      const health = yield* raw({ method: "GET", path: "/health" })
      assert.strictEqual(health.status, 200)
    }).pipe(withEcho({ maxBodyBytes: 1024 })))

  it.live("a chunked body under the limit is accepted (control)", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ name: "x".repeat(600), n: 2 })
      const res = yield* raw({
        method: "POST",
        path: "/echo",
        body: body.match(/[\s\S]{1,128}/g)!,
        chunked: true,
        headers: { "content-type": "application/json" }
      })
      assert.strictEqual(res.status, 200, res.text)
      assert.strictEqual(res.json.n, 2)
    }).pipe(withEcho({ maxBodyBytes: 1024 })))
})

describe("defects", () => {
  it.live("a handler defect is 500 INTERNAL without details or stack trace", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/boom" })
      assertContractError(res, 500, "INTERNAL")
      assert.notInclude(res.text, SECRET)
      assert.notInclude(res.text, "at ")
      assert.notInclude(res.text, ".ts:")
      assert.isUndefined(res.json.stack)
    }).pipe(withEcho()))

  it.live("the server keeps serving after a defect", () =>
    Effect.gen(function*() {
      yield* raw({ method: "GET", path: "/boom" })
      const res = yield* raw({ method: "GET", path: "/health" })
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(res.json, { status: "ok" })
    }).pipe(withEcho()))
})

describe("the same, through the app's own routes", () => {
  it.live("malformed JSON to POST /v1/workflows is 400 INVALID_ARGUMENT", () =>
    Effect.gen(function*() {
      const res = yield* raw({
        method: "POST",
        path: "/v1/workflows",
        body: ["{\"metadata\": {"],
        headers: { "content-type": "application/json" }
      })
      assertContractError(res, 400, "INVALID_ARGUMENT")
    }).pipe(withApp()))

  it.live("a query value that does not decode is 400 INVALID_ARGUMENT naming the parameter", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/v1/workflow-executions?pageSize=lots" })
      assertContractError(res, 400, "INVALID_ARGUMENT")
      assert.include(res.json.message, "pageSize")
    }).pipe(withApp()))

  it.live("bodies over the limit are 413 PAYLOAD_TOO_LARGE, with or without content-length", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ metadata: { name: "x".repeat(2048) } })
      const sized = yield* raw({
        method: "POST",
        path: "/v1/workflows",
        body: [body],
        headers: { "content-type": "application/json" }
      })
      assertContractError(sized, 413, "PAYLOAD_TOO_LARGE")
      const chunked = yield* raw({
        method: "POST",
        path: "/v1/workflows",
        body: body.match(/[\s\S]{1,256}/g)!,
        chunked: true,
        headers: { "content-type": "application/json" }
      })
      assertContractError(chunked, 413, "PAYLOAD_TOO_LARGE")
    }).pipe(withApp({ maxBodyBytes: 1024 })))
})

describe("API description", () => {
  it.live("GET /openapi.json is a valid OpenAPI 3.1 document", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/openapi.json" })
      assert.strictEqual(res.status, 200)
      assert.match(String(res.headers["content-type"]), /application\/json/)
      const doc = res.json
      assert.isObject(doc)
      assert.match(doc.openapi, /^3\.1\.\d+$/)
      assert.isObject(doc.paths["/health"]?.get, "documents GET /health")
      const result = yield* Effect.promise(() => validate(structuredClone(doc)))
      assert.isTrue(
        result.valid,
        result.valid ? "" : JSON.stringify(result.errors, null, 2)
      )
      assert.strictEqual(result.specification, "OpenAPI")
    }).pipe(withApp()))

  it.live("the validator is not vacuous: it rejects a broken document", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/openapi.json" })
      const broken = structuredClone(res.json)
      broken.paths["/health"].get.responses = "nope"
      const result = yield* Effect.promise(() => validate(broken))
      assert.isFalse(result.valid)
    }).pipe(withApp()))

  it.live("GET /docs answers HTML", () =>
    Effect.gen(function*() {
      const res = yield* raw({ method: "GET", path: "/docs" })
      assert.strictEqual(res.status, 200)
      assert.match(String(res.headers["content-type"]), /text\/html/)
      assert.match(res.text, /<html/i)
      assert.include(res.text, "openapi")
    }).pipe(withApp()))
})
