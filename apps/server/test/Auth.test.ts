/**
 * Bearer-token access control (`Auth.ts`), in process with `Auth.layerTokens` provided
 * to the test server (the middleware reads `AuthConfig` when it is built), and as a
 * process for what only the process shows (logs, refusing an open API on a public
 * address):
 *
 * - no token, a wrong token or another scheme: 401 UNAUTHENTICATED on every route but
 *   `/health`, `/openapi.json` and `/docs`;
 * - the API token does everything but status updates (403 PERMISSION_DENIED there),
 *   however the status route is spelled (the router ignores case, duplicate and
 *   trailing slashes and decodes percent-escapes: the role check must agree with it);
 * - the runner token reads, watches and updates status; any other write is 403;
 * - a refused request changes nothing;
 * - tokens never appear in stdout or stderr, even with request logs on;
 * - with no tokens, a non-loopback `WEFT_HOST` exits 1 unless `WEFT_ALLOW_UNAUTHENTICATED=1`.
 */
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { WeftApi } from "@weft/api"
import { Access, Caller, NotFound } from "@weft/resource"
import { Effect, Layer, Option, Redacted, Schema } from "effect"
import * as net from "node:net"
import * as Auth from "../src/Auth.js"
import * as HttpErrors from "../src/HttpErrors.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"
import * as TestServer from "./support/TestServer.js"

const API_TOKEN = "api-7c1e5f0b9a2d4c68-secret"
const RUNNER_TOKEN = "runner-3f9d2b7e1c5a4086-secret"
const api = { authorization: `Bearer ${API_TOKEN}` }
const runner = { authorization: `Bearer ${RUNNER_TOKEN}` }

const AuthServer = TestServer.make().pipe(
  Layer.provide(Auth.layerTokens({ apiToken: API_TOKEN, runnerToken: RUNNER_TOKEN }))
)

const withAuth = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, AuthServer) as Effect.Effect<A, E, never>

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

const call = (method: Method, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  TestServer.request(method, path, body, headers)

const expectCode = (res: { status: number; body: any }, status: number, code: string, what: string) => {
  assert.strictEqual(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
  assert.strictEqual(res.body?.code, code, what)
  assert.isString(res.body?.message, what)
}

const expectOk = (res: { status: number; body: any }, status: number, what: string) => {
  assert.strictEqual(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
  return res.body
}

/** A workflow, a second instance of it and an execution, created with the API token. */
const fixtures = Effect.gen(function*() {
  const workflow = expectOk(yield* call("POST", "/v1/workflows", api, Load.WORKFLOW), 201, "create workflow")
  const instance = expectOk(
    yield* call("POST", "/v1/workflow-instances", api, {
      metadata: { name: "inst", ownerScope: "organization", org: "acme" },
      spec: { workflowId: workflow.metadata.id }
    }),
    201,
    "create instance"
  )
  const execution = expectOk(
    yield* call("POST", "/v1/workflow-executions", api, Load.executionBody(workflow.metadata.id, "go")),
    201,
    "create execution"
  )
  return { workflow, instance, execution }
})

/** Every protected route, with a body where it takes one. */
const routes = (ids: { workflow: string; instance: string; execution: string }) => {
  const wf = Load.workflowNamed("other")
  const inst = { metadata: { name: "inst2", ownerScope: "organization", org: "acme" }, spec: { workflowId: ids.workflow } }
  const ex = Load.executionBody(ids.workflow)
  return [
    ["GET", "/v1/workflows", undefined],
    ["POST", "/v1/workflows", wf],
    ["POST", "/v1/workflows/apply", wf],
    ["GET", `/v1/workflows/${ids.workflow}`, undefined],
    ["GET", "/v1/workflows/by-slug/wf?org=acme", undefined],
    ["PUT", `/v1/workflows/${ids.workflow}`, wf],
    ["DELETE", `/v1/workflows/${ids.workflow}`, undefined],
    ["GET", "/v1/workflow-instances", undefined],
    ["POST", "/v1/workflow-instances", inst],
    ["POST", "/v1/workflow-instances/apply", inst],
    ["GET", `/v1/workflow-instances/${ids.instance}`, undefined],
    ["GET", "/v1/workflow-instances/by-slug/inst?org=acme", undefined],
    ["PUT", `/v1/workflow-instances/${ids.instance}`, inst],
    ["DELETE", `/v1/workflow-instances/${ids.instance}`, undefined],
    ["GET", "/v1/workflow-executions", undefined],
    ["POST", "/v1/workflow-executions", ex],
    ["GET", `/v1/workflow-executions/${ids.execution}`, undefined],
    ["PUT", `/v1/workflow-executions/${ids.execution}`, ex],
    ["PATCH", `/v1/workflow-executions/${ids.execution}/status`, { phase: "EXECUTION_IN_PROGRESS" }],
    ["DELETE", `/v1/workflow-executions/${ids.execution}`, undefined],
    ["GET", `/v1/workflow-executions/${ids.execution}/watch`, undefined],
    // Unknown routes are protected too (no probing without a token).
    ["GET", "/v1/nope", undefined]
  ] as const
}

/** The state of every fixture (GET with the API token), to compare before and after. */
const snapshot = (ids: { workflow: string; instance: string; execution: string }) =>
  Effect.gen(function*() {
    const out: Array<unknown> = []
    for (const path of [
      `/v1/workflows/${ids.workflow}`,
      `/v1/workflow-instances/${ids.instance}`,
      `/v1/workflow-executions/${ids.execution}`,
      "/v1/workflows?pageSize=1000",
      "/v1/workflow-instances?pageSize=1000",
      "/v1/workflow-executions?pageSize=1000"
    ]) {
      const res = yield* call("GET", path, api)
      out.push([res.status, res.body])
    }
    return out
  })

const idsOf = (f: { workflow: any; instance: any; execution: any }) => ({
  workflow: f.workflow.metadata.id as string,
  instance: f.instance.metadata.id as string,
  execution: f.execution.metadata.id as string
})

describe("authentication (in process)", () => {
  it.live("without a token, with a wrong token or another scheme: 401 UNAUTHENTICATED everywhere, nothing changes", () =>
    withAuth(Effect.gen(function*() {
      const ids = idsOf(yield* fixtures)
      const before = yield* snapshot(ids)
      const wrong: ReadonlyArray<[string, Record<string, string>]> = [
        ["no header", {}],
        ["empty bearer", { authorization: "Bearer " }],
        ["wrong token", { authorization: "Bearer not-the-token" }],
        ["a prefix of the token", { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }],
        ["the token plus a character", { authorization: `Bearer ${API_TOKEN}x` }],
        ["the token in another scheme", { authorization: `Basic ${API_TOKEN}` }],
        ["the bare token", { authorization: API_TOKEN }],
        ["the token in another header", { "x-api-token": API_TOKEN }],
        ["both tokens at once", { authorization: `Bearer ${API_TOKEN} ${RUNNER_TOKEN}` }]
      ]
      for (const [label, headers] of wrong) {
        for (const [method, path, body] of routes(ids)) {
          expectCode(yield* TestServer.peek(method, path, headers, body), 401, "UNAUTHENTICATED", `${label}: ${method} ${path}`)
        }
      }
      // A token in the query string is not a credential.
      expectCode(yield* call("GET", `/v1/workflows?access_token=${API_TOKEN}`), 401, "UNAUTHENTICATED", "query token")
      assert.deepStrictEqual(yield* snapshot(ids), before)
    })))

  it.live("/health, /openapi.json and /docs are open", () =>
    withAuth(Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      for (const path of ["/health", "/openapi.json", "/docs"]) {
        const res = yield* Effect.promise(() => fetch(base + path))
        assert.strictEqual(res.status, 200, path)
        yield* Effect.promise(() => res.text())
      }
      // A wrong token does not close them either.
      expectOk(yield* call("GET", "/health", { authorization: "Bearer wrong" }), 200, "health with a wrong token")
    })))

  it.live("the API token does everything but status updates", () =>
    withAuth(Effect.gen(function*() {
      const { workflow, instance, execution } = yield* fixtures
      const ids = idsOf({ workflow, instance, execution })
      expectOk(yield* call("GET", "/v1/workflows", api), 200, "list workflows")
      expectOk(yield* call("GET", `/v1/workflows/${ids.workflow}`, api), 200, "get workflow")
      expectOk(yield* call("GET", "/v1/workflows/by-slug/wf?org=acme", api), 200, "workflow by slug")
      expectOk(yield* call("POST", "/v1/workflows/apply", api, Load.workflowNamed("applied")), 201, "apply workflow")
      expectOk(yield* call("PUT", `/v1/workflows/${ids.workflow}`, api, Load.workflowNamed("wf")), 200, "update workflow")
      expectOk(yield* call("GET", `/v1/workflow-instances/${ids.instance}`, api), 200, "get instance")
      expectOk(yield* call("GET", "/v1/workflow-executions", api), 200, "list executions")
      expectOk(yield* call("GET", `/v1/workflow-executions/${ids.execution}`, api), 200, "get execution")
      expectOk(
        yield* call("PUT", `/v1/workflow-executions/${ids.execution}`, api, Load.executionBody(ids.workflow, "changed")),
        200,
        "update execution"
      )
      const watch = yield* TestServer.peek("GET", `/v1/workflow-executions/${ids.execution}/watch`, api)
      assert.strictEqual(watch.status, 200)
      assert.match(watch.contentType, /^text\/event-stream/)
      // The RFC 7235 scheme is case-insensitive.
      expectOk(yield* call("GET", "/v1/workflows", { authorization: `bearer ${API_TOKEN}` }), 200, "lowercase scheme")

      const before = yield* call("GET", `/v1/workflow-executions/${ids.execution}`, api)
      expectCode(
        yield* call("PATCH", `/v1/workflow-executions/${ids.execution}/status`, api, { phase: "EXECUTION_IN_PROGRESS" }),
        403,
        "PERMISSION_DENIED",
        "status update with the API token"
      )
      assert.deepStrictEqual((yield* call("GET", `/v1/workflow-executions/${ids.execution}`, api)).body, before.body)

      expectOk(yield* call("DELETE", `/v1/workflow-executions/${ids.execution}`, api), 200, "delete execution")
      expectOk(yield* call("DELETE", `/v1/workflow-instances/${ids.instance}`, api), 200, "delete instance")
      expectOk(yield* call("DELETE", `/v1/workflows/${ids.workflow}`, api), 200, "delete workflow")
    })))

  it.live("the API token cannot update a status through another spelling of the status route", () =>
    withAuth(Effect.gen(function*() {
      const ids = idsOf(yield* fixtures)
      const id = ids.execution
      const before = yield* call("GET", `/v1/workflow-executions/${id}`, api)
      // Each of these reaches the status route (the router ignores case, duplicate and
      // trailing slashes and decodes percent-escapes); none may get past the role check.
      const spellings = [
        `/v1/workflow-executions/${id}/status`,
        `/v1/workflow-executions/${id}/status/`,
        `/v1/workflow-executions/${id}/STATUS`,
        `/v1/workflow-executions/${id}/Status`,
        `/v1/workflow-executions/${id}/%73tatus`,
        `/v1/%77orkflow-executions/${id}/status`,
        `/V1/workflow-executions/${id}/status`,
        `//v1/workflow-executions/${id}/status`,
        `/v1//workflow-executions/${id}/status`,
        `/v1/workflow-executions//${id}/status`
      ]
      const passed: Array<string> = []
      for (const path of spellings) {
        const res = yield* call("PATCH", path, api, { phase: "EXECUTION_IN_PROGRESS" })
        if (res.status !== 403 && res.status !== 404) passed.push(`PATCH ${path.replace(id, "<id>")}: ${res.status}`)
      }
      // The absolute form of the request target (RFC 9112 §3.2.2) is another spelling.
      const base = yield* TestServer.baseUrl
      const port = Number(new URL(base).port)
      const body = JSON.stringify({ phase: "EXECUTION_IN_PROGRESS" })
      const raw = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          const socket = net.connect(port, "127.0.0.1")
          let data = ""
          socket.setEncoding("utf8")
          socket.on("data", (chunk: string) => {
            data += chunk
          })
          socket.on("error", () => resolve(data))
          socket.on("close", () => resolve(data))
          socket.end(
            `PATCH http://127.0.0.1:${port}/v1/workflow-executions/${id}/status HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
              `Authorization: Bearer ${API_TOKEN}\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
          )
        })
      )
      if (!/^HTTP\/1\.1 40[34] /.test(raw)) passed.push(`PATCH http://…/status (absolute form): ${raw.split("\r\n", 1)[0]}`)
      assert.deepStrictEqual(passed, [], "status updates the API token got through")
      assert.deepStrictEqual((yield* call("GET", `/v1/workflow-executions/${id}`, api)).body, before.body, "unchanged")
    })))

  it.live("the runner token reads, watches and updates status; any other write is 403 and changes nothing", () =>
    withAuth(Effect.gen(function*() {
      const ids = idsOf(yield* fixtures)
      expectOk(yield* call("GET", "/v1/workflows", runner), 200, "list workflows")
      expectOk(yield* call("GET", `/v1/workflows/${ids.workflow}`, runner), 200, "get workflow")
      expectOk(yield* call("GET", "/v1/workflow-instances", runner), 200, "list instances")
      expectOk(yield* call("GET", "/v1/workflow-executions", runner), 200, "list executions")
      expectOk(yield* call("GET", `/v1/workflow-executions/${ids.execution}`, runner), 200, "get execution")
      const watch = yield* TestServer.peek("GET", `/v1/workflow-executions/${ids.execution}/watch`, runner)
      assert.strictEqual(watch.status, 200)
      assert.match(watch.contentType, /^text\/event-stream/)

      const before = yield* snapshot(ids)
      for (const [method, path, body] of routes(ids)) {
        if (method === "GET" || method === "PATCH") continue
        expectCode(yield* TestServer.peek(method, path, runner, body), 403, "PERMISSION_DENIED", `runner ${method} ${path}`)
      }
      assert.deepStrictEqual(yield* snapshot(ids), before, "403s changed nothing")

      const updated = expectOk(
        yield* call("PATCH", `/v1/workflow-executions/${ids.execution}/status`, runner, { phase: "EXECUTION_IN_PROGRESS" }),
        200,
        "status update with the runner token"
      )
      assert.strictEqual(updated.status.phase, "EXECUTION_IN_PROGRESS")
      assert.strictEqual(updated.metadata.version, 2)
    })))
})

describe("challenge", () => {
  it.live("every 401 carries WWW-Authenticate: Bearer with the realm; invalid_token when a token was refused", () =>
    withAuth(Effect.gen(function*() {
      const ids = idsOf(yield* fixtures)
      const base = yield* TestServer.baseUrl
      const cases: ReadonlyArray<[string, string, Record<string, string>, string]> = [
        ["GET", "/v1/workflows", {}, `Bearer realm="weft"`],
        ["PATCH", `/v1/workflow-executions/${ids.execution}/status`, {}, `Bearer realm="weft"`],
        ["GET", "/v1/workflows", { authorization: "Bearer wrong" }, `Bearer realm="weft", error="invalid_token"`],
        ["GET", "/v1/workflows", { authorization: `Basic ${API_TOKEN}` }, `Bearer realm="weft", error="invalid_token"`],
        ["DELETE", `/v1/workflows/${ids.workflow}`, { authorization: "Bearer wrong" }, `Bearer realm="weft", error="invalid_token"`],
        // Unknown routes, and known ones with another method, want a token first.
        ["GET", "/v1/nope", {}, `Bearer realm="weft"`],
        ["PATCH", "/v1/workflows", {}, `Bearer realm="weft"`]
      ]
      for (const [method, path, headers, expected] of cases) {
        const res = yield* Effect.promise(() => fetch(base + path, { method, headers }))
        const body: any = yield* Effect.promise(() => res.json())
        assert.strictEqual(res.status, 401, `${method} ${path}`)
        assert.strictEqual(body.code, "UNAUTHENTICATED")
        assert.strictEqual(res.headers.get("www-authenticate"), expected, `${method} ${path}`)
      }
      // A 403 is not a challenge: the token is fine, its role is not.
      const denied = yield* Effect.promise(() =>
        fetch(`${base}/v1/workflows/${ids.workflow}`, { method: "DELETE", headers: runner }))
      assert.strictEqual(denied.status, 403)
      assert.isNull(denied.headers.get("www-authenticate"))
      // With a valid token, an unknown route is a plain 404, a known path with another method 405.
      expectCode(yield* call("GET", "/v1/nope", runner), 404, "NOT_FOUND", "unknown route with a token")
      expectCode(yield* call("PATCH", "/v1/workflows", runner), 405, "METHOD_NOT_ALLOWED", "wrong method with a token")
    })))
})

describe("access in the contract", () => {
  const spec = OpenApi.fromApi(WeftApi)

  it("/openapi.json declares the bearer scheme", () => {
    const scheme = spec.components.securitySchemes[Access.schemeName] as any
    assert.strictEqual(scheme.type, "http")
    assert.strictEqual(scheme.scheme, "bearer")
    assert.include(scheme.description, "WEFT_API_TOKEN")
  })

  it("every operation states its security: the roles the endpoint declares, none for /health", () => {
    const expected: Record<string, ReadonlyArray<string>> = {
      "get /health": [],
      "get /v1/workflows": ["admin", "operator", "runner", "viewer"],
      "post /v1/workflows": ["admin", "operator"],
      "delete /v1/workflow-instances/{id}": ["admin", "operator"],
      "get /v1/workflow-executions/{id}/watch": ["admin", "operator", "runner", "viewer"],
      "put /v1/workflow-executions/{id}": ["admin", "operator"],
      "patch /v1/workflow-executions/{id}/status": ["admin", "runner"]
    }
    for (const [operation, roles] of Object.entries(expected)) {
      const [method, path] = operation.split(" ")
      const op = (spec.paths as any)[path][method]
      assert.deepStrictEqual(op.security, roles.length === 0 ? [] : [{ bearer: roles }], operation)
      if (roles.length > 0) {
        assert.include(op.description, "**Access:**", operation)
        assert.property(op.responses, "401", operation)
        assert.property(op.responses, "403", operation)
      }
    }
    // Nothing outside the system group (/health) is open.
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods as Record<string, any>)) {
        if (op.tags.includes("system")) continue
        assert.strictEqual(op.security.length, 1, `${method} ${path} declares its access`)
      }
    }
  })

  it("every endpoint but the system group's declares exactly one access level", () => {
    const missing: Array<string> = []
    HttpApi.reflect(WeftApi, {
      onGroup: () => {},
      onEndpoint: ({ endpoint, group, middleware }) => {
        const levels = Access.levelOf(middleware)
        if (group.identifier !== "system" && levels.length !== 1) {
          missing.push(`${endpoint.method} ${endpoint.path}: ${levels.join(", ") || "none"}`)
        }
      }
    })
    assert.deepStrictEqual(missing, [])
  })

  it("Access.permits: the role table", () => {
    const table = Access.Roles.map((role) => [role, ...(["read", "write", "report"] as const).map((l) => Access.permits(role, l))])
    assert.deepStrictEqual(table, [
      ["admin", true, true, true],
      ["operator", true, true, false],
      ["runner", true, false, true],
      ["viewer", true, false, false]
    ])
  })
})

// --- roles come from the endpoint's declaration, not from its method -------------------

const Who = Schema.Struct({ name: Schema.String, role: Schema.String })

/** A GET that needs write access, a DELETE that needs only read, a POST for runners. */
class ProbeApi extends HttpApiGroup.make("probe", { topLevel: true })
  .add(Access.write(HttpApiEndpoint.get("adminRead", "/probe/guarded").addSuccess(Who)))
  .add(Access.read(HttpApiEndpoint.del("harmless", "/probe/harmless").addSuccess(Who)))
  .add(Access.report(HttpApiEndpoint.post("report", "/probe/report").addSuccess(Who)))
{}

const ProbeHttpApi = HttpApi.make("weft").add(ProbeApi).addError(NotFound)

const whoAmI = Effect.map(Caller, (caller) => ({ name: caller.name, role: caller.role }))

const ProbeLive = HttpApiBuilder.group(ProbeHttpApi, "probe", (handlers) =>
  handlers.handle("adminRead", () => whoAmI).handle("harmless", () => whoAmI).handle("report", () => whoAmI))

const probeServer = (tokens: Layer.Layer<Auth.AuthConfig> | undefined) => {
  const server = HttpApiBuilder.serve().pipe(
    Layer.provide(HttpErrors.layer),
    Layer.provide(Auth.layer),
    Layer.provide(HttpApiBuilder.api(ProbeHttpApi).pipe(Layer.provide(ProbeLive), Layer.provide(Auth.AccessLive))),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(ServerConfig.layer(ServerConfig.defaults))
  )
  return tokens === undefined ? server : Layer.provide(server, tokens)
}

describe("per-endpoint roles", () => {
  it.live("the declared level decides, whatever the method; the handler sees the Caller", () =>
    Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      const send = (method: string, path: string, headers: Record<string, string>) =>
        Effect.promise(async () => {
          const res = await fetch(base + path, { method, headers })
          return { status: res.status, body: (await res.json()) as any }
        })
      // A GET declared `write`: the runner token may not, the API token may.
      expectCode(yield* send("GET", "/probe/guarded", runner), 403, "PERMISSION_DENIED", "runner GET write")
      assert.deepStrictEqual((yield* send("GET", "/probe/guarded", api)).body, { name: "api-token", role: "operator" })
      // A DELETE declared `read`: both tokens may.
      assert.deepStrictEqual((yield* send("DELETE", "/probe/harmless", runner)).body, { name: "runner-token", role: "runner" })
      assert.deepStrictEqual((yield* send("DELETE", "/probe/harmless", api)).body, { name: "api-token", role: "operator" })
      // A POST declared `report`: the runner token only.
      assert.deepStrictEqual((yield* send("POST", "/probe/report", runner)).body, { name: "runner-token", role: "runner" })
      const denied = yield* send("POST", "/probe/report", api)
      expectCode(denied, 403, "PERMISSION_DENIED", "API token POST report")
      assert.include(denied.body.message, "roles allowed: admin, runner")
      expectCode(yield* send("GET", "/probe/guarded", {}), 401, "UNAUTHENTICATED", "no token")
    }).pipe(Effect.provide(probeServer(Auth.layerTokens({ apiToken: API_TOKEN, runnerToken: RUNNER_TOKEN })))))

  it.live("without tokens every endpoint is open and the caller is the system, with the admin role", () =>
    Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      for (const [method, path] of [["GET", "/probe/guarded"], ["DELETE", "/probe/harmless"], ["POST", "/probe/report"]]) {
        const res = yield* Effect.promise(() => fetch(base + path, { method, headers: { authorization: "Bearer anything" } }))
        assert.strictEqual(res.status, 200, `${method} ${path}`)
        assert.deepStrictEqual(yield* Effect.promise(() => res.json()), { name: "system", role: "admin" })
      }
    }).pipe(Effect.provide(probeServer(undefined))))
})

describe("authenticator", () => {
  const authenticator = Auth.makeAuthenticator(Option.some({
    apiToken: Option.some(Redacted.make(API_TOKEN)),
    runnerToken: Option.some(Redacted.make(RUNNER_TOKEN)),
    tokens: [],
    allowUnauthenticated: false
  }))

  it.effect("a bearer token, its scheme in any case, resolves to its caller; anything else is 401", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* authenticator.authenticate(`Bearer ${API_TOKEN}`), Auth.apiCaller)
      assert.deepStrictEqual(yield* authenticator.authenticate(`bEaReR \t${RUNNER_TOKEN} `), Auth.runnerCaller)
      for (const header of [undefined, "", "Bearer", `Bearer${API_TOKEN}`, `Token ${API_TOKEN}`, `Bearer ${API_TOKEN}x`]) {
        const error = yield* Effect.flip(authenticator.authenticate(header))
        assert.strictEqual(error.code, "UNAUTHENTICATED", String(header))
      }
    }))
})

describe("startup warnings", () => {
  const config = (api: string | undefined, runner: string | undefined): Auth.AuthConfigShape => ({
    apiToken: Option.map(Option.fromNullable(api), Redacted.make),
    runnerToken: Option.map(Option.fromNullable(runner), Redacted.make),
    tokens: [],
    allowUnauthenticated: false
  })

  it("one line when only one token is set, or both are the same; none otherwise", () => {
    assert.deepStrictEqual(Auth.warnings(config(undefined, undefined)), [])
    assert.deepStrictEqual(Auth.warnings(config(API_TOKEN, RUNNER_TOKEN)), [])
    const [apiOnly] = Auth.warnings(config(API_TOKEN, undefined))
    assert.include(apiOnly, "WEFT_RUNNER_TOKEN is not")
    assert.include(apiOnly, "no caller can update execution status")
    const [runnerOnly] = Auth.warnings(config(undefined, RUNNER_TOKEN))
    assert.include(runnerOnly, "WEFT_API_TOKEN is not")
    assert.include(runnerOnly, "no caller can create")
    assert.strictEqual(Auth.warnings(config(API_TOKEN, API_TOKEN)).length, 1)
  })
})

// --- as a process ---------------------------------------------------------------------

describe("authentication (process)", () => {
  it.live("tokens never appear in stdout or stderr, with request logs on", () =>
    Effect.gen(function*() {
      const WRONG = "wrong-token-5e8a1d3c-should-not-be-logged"
      const server = yield* Proc.start({
        env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "true", WEFT_API_TOKEN: API_TOKEN, WEFT_RUNNER_TOKEN: RUNNER_TOKEN }
      })
      const url = server.url
      const workflow = yield* Effect.promise(() => Load.expect(201, url, "POST", "/v1/workflows", Load.WORKFLOW, api))
      const execution = yield* Effect.promise(() =>
        Load.expect(201, url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id), api))
      const id = execution.metadata.id
      const requests: ReadonlyArray<[string, string, unknown, Record<string, string>, number]> = [
        ["GET", "/v1/workflows", undefined, api, 200],
        ["GET", `/v1/workflow-executions/${id}`, undefined, runner, 200],
        ["PATCH", `/v1/workflow-executions/${id}/status`, { phase: "EXECUTION_IN_PROGRESS" }, runner, 200],
        ["PATCH", `/v1/workflow-executions/${id}/status`, { phase: "EXECUTION_IN_PROGRESS" }, api, 403],
        ["POST", "/v1/workflows", Load.WORKFLOW, runner, 403],
        ["GET", "/v1/workflows", undefined, { authorization: `Bearer ${WRONG}` }, 401],
        ["GET", "/v1/workflows", undefined, { authorization: `Basic ${API_TOKEN}` }, 401],
        ["GET", `/v1/workflows?token=${WRONG}`, undefined, api, 200],
        ["GET", "/v1/nope", undefined, api, 404],
        ["POST", "/v1/workflows", "{not json", api, 400]
      ]
      for (const [method, path, body, headers, status] of requests) {
        const outcome = yield* Effect.promise(() =>
          typeof body === "string"
            ? fetch(url + path, { method, headers: { ...headers, "content-type": "application/json" }, body }).then(async (r) => ({
              status: r.status,
              text: await r.text()
            }))
            : Load.send(url, method, path, body, headers).then((o) => ({
              status: o._tag === "NoResponse" ? 0 : o.status,
              text: o._tag === "Response" ? o.text : ""
            }))
        )
        assert.strictEqual(outcome.status, status, `${method} ${path}: ${outcome.text}`)
      }
      // A defect's log (with its cause) must not carry the request's credentials either.
      const deep = "[".repeat(5000) + "]".repeat(5000)
      yield* Effect.promise(() =>
        fetch(`${url}/v1/workflow-executions/${id}/status`, {
          method: "PATCH",
          headers: { ...runner, "content-type": "application/json" },
          body: `{"output":{"x":${deep}}}`
        }).then((r) => r.text())
      )
      yield* server.kill("SIGTERM")
      assert.strictEqual((yield* server.waitExit("15 seconds")).code, 0)

      const output = server.stdout() + server.stderr()
      // The logs are there (so the check below looks at something).
      assert.isAtLeast(server.lines().filter((line) => line.includes("\"request\"")).length, requests.length)
      for (const secret of [API_TOKEN, RUNNER_TOKEN, WRONG]) {
        assert.notInclude(output, secret)
        // Nor a large part of it.
        assert.notInclude(output, secret.slice(0, 16))
      }
    }).pipe(Effect.scoped), 30_000)

  it.live("with only the API token, the server starts and warns once that nobody can update status", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false", WEFT_API_TOKEN: API_TOKEN } })
      const warnings = server.lines().filter((line) => line.includes("WEFT_RUNNER_TOKEN is not"))
      assert.strictEqual(warnings.length, 1, server.stdout())
      const entry = JSON.parse(warnings[0])
      assert.strictEqual(entry.logLevel, "WARN")
      assert.include(entry.message, "no caller can update execution status")
      assert.notInclude(server.stdout() + server.stderr(), API_TOKEN)
      yield* server.kill("SIGTERM")
      assert.strictEqual((yield* server.waitExit("15 seconds")).code, 0)
    }).pipe(Effect.scoped), 30_000)

  it.live("with no tokens, a non-loopback WEFT_HOST exits 1", () =>
    Effect.gen(function*() {
      const port = yield* Proc.freePort
      const proc = yield* Proc.spawnServer({ env: { WEFT_DB: ":memory:", WEFT_HOST: "0.0.0.0", WEFT_PORT: String(port) } })
      const exit = yield* proc.waitExit("20 seconds")
      assert.strictEqual(exit.code, 1)
      assert.include(proc.stderr(), "refusing to listen on 0.0.0.0 without authentication")
      assert.notInclude(proc.stdout(), "weft listening")
    }).pipe(Effect.scoped), 30_000)

  it.live("WEFT_ALLOW_UNAUTHENTICATED=1 lets it start on a non-loopback host; so do tokens", () =>
    Effect.gen(function*() {
      for (const env of [{ WEFT_ALLOW_UNAUTHENTICATED: "1" }, { WEFT_API_TOKEN: API_TOKEN, WEFT_RUNNER_TOKEN: RUNNER_TOKEN }]) {
        yield* Effect.scoped(Effect.gen(function*() {
          const port = yield* Proc.freePort
          const proc = yield* Proc.spawnServer({
            env: { WEFT_DB: ":memory:", WEFT_HOST: "0.0.0.0", WEFT_PORT: String(port), WEFT_LOG_REQUESTS: "false", ...env }
          })
          const server = yield* Proc.ready(proc)
          assert.include(server.url, `:${port}`)
          const health = yield* Proc.get(`http://127.0.0.1:${port}/health`)
          assert.strictEqual(health.status, 200)
          const list = yield* Proc.get(`http://127.0.0.1:${port}/v1/workflows`)
          assert.strictEqual(list.status, "WEFT_API_TOKEN" in env ? 401 : 200)
          yield* server.kill("SIGTERM")
          assert.strictEqual((yield* server.waitExit("15 seconds")).code, 0)
        }))
      }
    }).pipe(Effect.scoped), 60_000)
})
