/**
 * Named tokens (`WEFT_TOKENS_FILE`): each token acts with its role in its orgs only.
 *
 * - the file: what it may hold, and a malformed one stops the server with a message
 *   naming the file and the entry;
 * - a matrix of role × org × route (every kind, environments too): a route the role does
 *   not admit is 403; another org's resource is 404 (as if it did not exist), another
 *   org's creation 403; lists,
 *   watches and the feed of every change show only the token's orgs; a run starts only
 *   on an instance of the token's org;
 * - the audit and the request log name the token's caller, never the token;
 * - a property: whatever a scoped token asks, no answer carries another org's resource,
 *   and nothing of another org changes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Access } from "@weft/resource"
import { Effect, Either, HashMap, Layer, Logger, Runtime } from "effect"
import fc from "fast-check"
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Auth from "../src/Auth.js"
import * as TokensFile from "../src/TokensFile.js"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"
import * as Sse from "./support/Sse.js"
import * as TestServer from "./support/TestServer.js"

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
type Orgs = Access.CallerShape["orgs"]

const token = (name: string, role: Access.Role, orgs: Orgs) => ({ name, role, orgs, token: `tok-${name}-0f3a9c` })

const ROOT = token("root", "admin", "*")
/** The tokens of the matrix: each role, limited to acme. */
const SCOPED = [
  token("acme-admin", "admin", ["acme"]),
  token("acme-operator", "operator", ["acme"]),
  token("acme-runner", "runner", ["acme"]),
  token("acme-viewer", "viewer", ["acme"])
]
const ORGS = ["acme", "beta", "gamma"] as const
/** An admin token for every non-empty set of orgs, for the property. */
const SUBSETS = [1, 2, 3, 4, 5, 6, 7].map((bits) => {
  const orgs = ORGS.filter((_, i) => (bits & (1 << i)) !== 0)
  return token(`orgs-${orgs.join("-")}`, "admin", orgs)
})

const bearer = (t: { readonly token: string }) => ({ authorization: `Bearer ${t.token}` })

const logged: Array<Record<string, unknown>> = []
const captureLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ annotations, message }) => {
    logged.push({ message: String(message), ...Object.fromEntries(HashMap.toEntries(annotations)) })
  })
)

const Server = TestServer.make({ logRequests: true }).pipe(
  Layer.provide(Auth.layerTokens({ named: [ROOT, ...SCOPED, ...SUBSETS] })),
  Layer.provide(captureLogs)
)

const withServer = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.provide(effect, Server) as Effect.Effect<A, E, never>

const call = (t: { readonly token: string }, method: Method, path: string, body?: unknown) =>
  TestServer.request(method, path, body, bearer(t))

const ok = (res: { status: number; body: any }, status: number, what: string) => {
  assert.strictEqual(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
  return res.body
}

const workflowBody = (org: string | undefined, name = "wf") => ({
  ...Load.WORKFLOW,
  metadata: org === undefined ? { name, ownerScope: "platform" } : { name, ownerScope: "organization", org }
})
const instanceBody = (org: string | undefined, workflowId: string, name = "inst") => ({
  metadata: org === undefined ? { name, ownerScope: "platform" } : { name, ownerScope: "organization", org },
  spec: { workflowId }
})
const environmentBody = (org: string | undefined, name = "env") => ({
  metadata: org === undefined ? { name, ownerScope: "platform" } : { name, ownerScope: "organization", org },
  spec: { data: { REGION: { value: "eu" }, TOKEN: { value: `tok-${name}`, isSecret: true } } }
})
const executionBody = (org: string | undefined, instanceId: string, message = "go") => ({
  metadata: org === undefined ? { ownerScope: "identity_account" } : { ownerScope: "organization", org },
  spec: { workflowInstanceId: instanceId, triggerMessage: message }
})

interface Fixture {
  readonly org: string | undefined
  readonly workflow: string
  readonly instance: string
  readonly execution: string
  readonly environment: string
}

/** A workflow, an instance of it, a run of that instance and an environment in `org`, made by root. */
const fixture = (org: string | undefined, name: string) =>
  Effect.gen(function*() {
    const workflow = ok(yield* call(ROOT, "POST", "/v1/workflows", workflowBody(org, name)), 201, "workflow")
    const instance = ok(
      yield* call(ROOT, "POST", "/v1/workflow-instances", instanceBody(org, workflow.metadata.id, `${name}-inst`)),
      201,
      "instance"
    )
    const execution = ok(
      yield* call(ROOT, "POST", "/v1/workflow-executions", executionBody(org, instance.metadata.id)),
      201,
      "execution"
    )
    const environment = ok(
      yield* call(ROOT, "POST", "/v1/environments", environmentBody(org, `${name}-env`)),
      201,
      "environment"
    )
    return {
      org,
      workflow: workflow.metadata.id as string,
      instance: instance.metadata.id as string,
      execution: execution.metadata.id as string,
      environment: environment.metadata.id as string
    } satisfies Fixture
  })

interface Route {
  readonly method: Method
  readonly path: string
  readonly body?: unknown
  readonly level: Access.Level
  /** The answer when the role admits the route and the org is the token's. */
  readonly success: number
  /** The answer when the role admits it and the org is not the token's. */
  readonly elsewhere: number
}

/**
 * Every route, against the fixture `f` (whose org the token may or may not act in), in
 * an order that leaves each later route something to act on: the status update before
 * the cancel, the delete last.
 */
const routes = (f: Fixture, org: string, slug: string): ReadonlyArray<Route> => [
  { method: "GET", path: `/v1/workflows/${f.workflow}`, level: "read", success: 200, elsewhere: 404 },
  { method: "GET", path: `/v1/workflows/by-slug/${slug}?org=${org}`, level: "read", success: 200, elsewhere: 404 },
  { method: "GET", path: `/v1/workflow-instances/${f.instance}`, level: "read", success: 200, elsewhere: 404 },
  {
    method: "GET",
    path: `/v1/workflow-instances/by-slug/${slug}-inst?org=${org}`,
    level: "read",
    success: 200,
    elsewhere: 404
  },
  { method: "GET", path: `/v1/workflow-executions/${f.execution}`, level: "read", success: 200, elsewhere: 404 },
  { method: "GET", path: `/v1/workflow-executions/${f.execution}/watch`, level: "read", success: 200, elsewhere: 404 },
  { method: "GET", path: `/v1/environments/${f.environment}`, level: "read", success: 200, elsewhere: 404 },
  { method: "GET", path: `/v1/environments/by-slug/${slug}-env?org=${org}`, level: "read", success: 200, elsewhere: 404 },
  // Creating in the org: 403 elsewhere (the token names the org itself, nothing is revealed).
  { method: "POST", path: "/v1/workflows", body: workflowBody(org, `${slug}-new`), level: "write", success: 201, elsewhere: 403 },
  {
    method: "POST",
    path: "/v1/workflows/apply",
    body: workflowBody(org, `${slug}-applied`),
    level: "write",
    success: 201,
    elsewhere: 403
  },
  {
    method: "POST",
    path: "/v1/environments",
    body: environmentBody(org, `${slug}-env2`),
    level: "write",
    success: 201,
    elsewhere: 403
  },
  {
    method: "POST",
    path: "/v1/environments/apply",
    body: environmentBody(org, `${slug}-env3`),
    level: "write",
    success: 201,
    elsewhere: 403
  },
  // Referring to a workflow or instance of another org: it is not found.
  {
    method: "POST",
    path: "/v1/workflow-instances",
    body: instanceBody(org, f.workflow, `${slug}-inst2`),
    level: "write",
    success: 201,
    elsewhere: 404
  },
  {
    method: "POST",
    path: "/v1/workflow-executions",
    body: executionBody(org, f.instance, "second"),
    level: "write",
    success: 201,
    elsewhere: 404
  },
  {
    method: "POST",
    path: "/v1/workflow-executions",
    body: { metadata: { ownerScope: "organization", org }, spec: { workflowId: f.workflow } },
    level: "write",
    success: 201,
    elsewhere: 404
  },
  {
    method: "PUT",
    path: `/v1/workflows/${f.workflow}`,
    body: workflowBody(org, `${slug}-renamed`),
    level: "write",
    success: 200,
    elsewhere: 404
  },
  {
    method: "PUT",
    path: `/v1/workflow-instances/${f.instance}`,
    body: { ...instanceBody(org, f.workflow, `${slug}-inst`), spec: { workflowId: f.workflow, description: "x" } },
    level: "write",
    success: 200,
    elsewhere: 404
  },
  {
    method: "PUT",
    path: `/v1/workflow-executions/${f.execution}`,
    body: executionBody(org, f.instance, "changed"),
    level: "write",
    success: 200,
    elsewhere: 404
  },
  {
    method: "PUT",
    path: `/v1/environments/${f.environment}`,
    body: environmentBody(org, `${slug}-env`),
    level: "write",
    success: 200,
    elsewhere: 404
  },
  {
    method: "PATCH",
    path: `/v1/workflow-executions/${f.execution}/status`,
    body: { phase: "EXECUTION_IN_PROGRESS" },
    level: "report",
    success: 200,
    elsewhere: 404
  },
  { method: "POST", path: `/v1/workflow-executions/${f.execution}/cancel`, level: "write", success: 200, elsewhere: 404 },
  { method: "DELETE", path: `/v1/workflow-executions/${f.execution}`, level: "write", success: 200, elsewhere: 404 },
  { method: "DELETE", path: `/v1/environments/${f.environment}`, level: "write", success: 200, elsewhere: 404 }
]

describe("the tokens file", () => {
  const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")

  it("lists named tokens with a role and orgs (a list, or \"*\")", () => {
    const parsed = TokensFile.parse(
      `- name: ci\n  sha256: ${digest.toUpperCase()}\n  role: operator\n  orgs: [acme, beta]\n` +
        `- name: dash\n  sha256: ${"a".repeat(64)}\n  role: viewer\n  orgs: "*"\n`
    )
    assert.isTrue(Either.isRight(parsed), JSON.stringify(parsed))
    const tokens = Either.getOrThrow(parsed)
    assert.deepStrictEqual(tokens.map((t) => t.caller), [
      { name: "ci", role: "operator", orgs: ["acme", "beta"] },
      { name: "dash", role: "viewer", orgs: "*" }
    ])
    assert.strictEqual(tokens[0].digest.toString("hex"), digest)
  })

  it("refuses what it cannot use, naming the entry and the field", () => {
    const entry = (fields: Record<string, string>) =>
      "- " + Object.entries({ name: "ci", sha256: digest, role: "viewer", orgs: "[acme]", ...fields })
        .filter(([, v]) => v !== "")
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n  ") + "\n"
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["- name: [unclosed\n", "not valid YAML"],
      ["name: ci\n", "a YAML list"],
      ["[]\n", "a YAML list"],
      [entry({ role: "root" }), "[0].role"],
      [entry({ sha256: "abc" }), "64 hexadecimal digits"],
      [entry({ sha256: "" }), "[0].sha256"],
      [entry({ orgs: "[]" }), "[0].orgs"],
      [entry({ orgs: "everything" }), "[0].orgs"],
      [entry({ name: "has space" }), "[0].name"],
      [entry({ name: "system" }), "reserved"],
      [entry({ extra: "1" }), "extra"],
      [entry({}) + entry({ sha256: "b".repeat(64) }), "[1].name: \"ci\" is listed twice"],
      [entry({}) + entry({ name: "other" }), "[1].sha256: the same token"]
    ]
    for (const [text, expected] of cases) {
      const parsed = TokensFile.parse(text)
      assert.isTrue(Either.isLeft(parsed), text)
      assert.include(Either.merge(parsed), expected, text)
    }
  })

  it("the README's example file is valid", () => {
    const readme = readFileSync(path.join(Proc.repoRoot, "README.md"), "utf8")
    const example = /\*\*Named tokens\.\*\*[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)
    assert.isNotNull(example)
    const parsed = TokensFile.parse(example![1])
    assert.deepStrictEqual(Either.getOrThrow(parsed).map((t) => t.caller.role), ["operator", "runner", "viewer"])
  })

  it.live("a malformed file stops the server at start with a message naming it", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const file = path.join(dir, "tokens.yaml")
      writeFileSync(file, `- name: ci\n  sha256: ${digest}\n  role: superuser\n  orgs: "*"\n`)
      const proc = yield* Proc.spawnServer({ env: { WEFT_DB: ":memory:", WEFT_PORT: "0", WEFT_TOKENS_FILE: file } })
      const exit = yield* proc.waitExit("60 seconds")
      assert.strictEqual(exit.code, 1, proc.stderr())
      assert.include(proc.stderr(), `weft: cannot start: WEFT_TOKENS_FILE ${file}: [0].role`)
      assert.notInclude(proc.stdout(), "weft listening")
    }).pipe(Effect.scoped), 90_000)
})

describe("named tokens", () => {
  it.live("role × org × route: 403 for the role, 404 for another org's resource, 403 to create in another org", () =>
    withServer(Effect.gen(function*() {
      for (const [i, t] of SCOPED.entries()) {
        for (const org of ["acme", "beta"]) {
          const slug = `m${i}-${org}`
          const f = yield* fixture(org, slug)
          for (const route of routes(f, org, slug)) {
            const expected = !Access.permits(t.role, route.level)
              ? 403
              : Access.inScope(t, org)
              ? route.success
              : route.elsewhere
            const res = yield* TestServer.peek(route.method, route.path, bearer(t), route.body)
            const what = `${t.name} ${route.method} ${route.path} (${org})`
            assert.strictEqual(res.status, expected, `${what}: ${JSON.stringify(res.body)}`)
            if (expected === 404) {
              assert.strictEqual(res.body.code, "NOT_FOUND", what)
              assert.match(res.body.message, /^(Workflow(Instance|Execution)?|Environment) not found: /, what)
            }
          }
        }
      }
    })), 240_000)

  it.live("a scoped token cannot create outside its orgs, nor without an org", () =>
    withServer(Effect.gen(function*() {
      const operator = SCOPED[1]
      for (const body of [workflowBody(undefined, "nowhere"), workflowBody("beta", "elsewhere")]) {
        const res = yield* call(operator, "POST", "/v1/workflows", body)
        assert.strictEqual(res.status, 403, JSON.stringify(res.body))
        assert.strictEqual(res.body.code, "PERMISSION_DENIED")
        assert.include(res.body.message, "acts only in the orgs acme")
      }
      const all = ok(yield* call(ROOT, "GET", "/v1/workflows?pageSize=1000", undefined), 200, "list")
      assert.deepStrictEqual(all.entries, [], "nothing was stored")
    })))

  it.live("lists show only the token's orgs, whatever the filters", () =>
    withServer(Effect.gen(function*() {
      const acme = yield* fixture("acme", "a")
      yield* fixture("beta", "b")
      yield* fixture(undefined, "p")
      const viewer = SCOPED[3]
      // Per fixture: one workflow, two instances (its default and another), one run, one environment.
      for (
        const [kind, each] of [["workflows", 1], ["workflow-instances", 2], ["workflow-executions", 1], [
          "environments",
          1
        ]] as const
      ) {
        const mine = ok(yield* call(viewer, "GET", `/v1/${kind}`), 200, kind)
        assert.deepStrictEqual(mine.entries.map((e: any) => e.metadata.org), Array(each).fill("acme"), kind)
        const theirs = ok(yield* call(viewer, "GET", `/v1/${kind}?org=beta`), 200, kind)
        assert.deepStrictEqual(theirs.entries, [], `${kind}?org=beta`)
        const everything = ok(yield* call(ROOT, "GET", `/v1/${kind}`), 200, kind)
        assert.strictEqual(everything.entries.length, 3 * each, kind)
      }
      const byWorkflow = ok(
        yield* call(viewer, "GET", `/v1/workflow-executions?workflowId=${acme.workflow}`),
        200,
        "by workflow"
      )
      assert.deepStrictEqual(byWorkflow.entries.map((e: any) => e.metadata.id), [acme.execution])
    })))

  it.live("the feed of every change tells a scoped token only of its orgs", () =>
    withServer(Effect.gen(function*() {
      const base = yield* TestServer.baseUrl
      const feed = yield* Sse.open(`${base}/v1/workflow-executions/watch`, bearer(SCOPED[3]))
      // A change in beta, then one in acme: the first event the acme token sees is acme's.
      const beta = yield* fixture("beta", "fb")
      const acme = yield* fixture("acme", "fa")
      const first = yield* feed.nextEvent("20 seconds")
      assert.strictEqual(JSON.parse(first!.data).metadata.id, acme.execution)
      ok(
        yield* call(ROOT, "PATCH", `/v1/workflow-executions/${beta.execution}/status`, { phase: "EXECUTION_FAILED" }),
        200,
        "beta fails"
      )
      ok(yield* call(ROOT, "DELETE", `/v1/workflow-executions/${acme.execution}`), 200, "acme deleted")
      const second = yield* feed.nextEvent("20 seconds")
      assert.strictEqual(second!.event, "deleted")
      assert.strictEqual(JSON.parse(second!.data).metadata.id, acme.execution)
      // Resuming from the start replays only acme's changes too.
      const replay = yield* Sse.open(`${base}/v1/workflow-executions/watch`, {
        ...bearer(SCOPED[3]),
        "last-event-id": "0"
      })
      const replayed = [yield* replay.nextEvent("20 seconds"), yield* replay.nextEvent("20 seconds")]
      assert.deepStrictEqual(replayed.map((e) => [e!.event, JSON.parse(e!.data).metadata.org]), [
        ["execution", "acme"],
        ["deleted", "acme"]
      ])
    }).pipe(Effect.scoped)), 60_000)

  it.live("the audit and the request log name the token's caller, never the token", () =>
    withServer(Effect.gen(function*() {
      const [, operator, runner] = SCOPED
      logged.length = 0
      const workflow = ok(yield* call(operator, "POST", "/v1/workflows", workflowBody("acme", "audited")), 201, "create")
      assert.deepStrictEqual(workflow.status.audit.specAudit.createdBy, { id: "acme-operator" })
      const id = workflow.metadata.id
      const updated = ok(
        yield* call(ROOT, "PUT", `/v1/workflows/${id}`, workflowBody("acme", "audited again")),
        200,
        "update"
      )
      assert.deepStrictEqual(updated.status.audit.specAudit.createdBy, { id: "acme-operator" })
      assert.deepStrictEqual(updated.status.audit.specAudit.updatedBy, { id: "root" })
      const execution = ok(
        yield* call(operator, "POST", "/v1/workflow-executions", {
          metadata: { ownerScope: "organization", org: "acme" },
          spec: { workflowId: id }
        }),
        201,
        "run"
      )
      const reported = ok(
        yield* call(runner, "PATCH", `/v1/workflow-executions/${execution.metadata.id}/status`, {
          phase: "EXECUTION_IN_PROGRESS"
        }),
        200,
        "status"
      )
      assert.deepStrictEqual(reported.status.audit.specAudit.createdBy, { id: "acme-operator" })
      assert.deepStrictEqual(reported.status.audit.statusAudit.updatedBy, { id: "acme-runner" })
      const cancelled = ok(
        yield* call(operator, "POST", `/v1/workflow-executions/${execution.metadata.id}/cancel`),
        200,
        "cancel"
      )
      assert.deepStrictEqual(cancelled.status.audit.statusAudit.updatedBy, { id: "acme-operator" })

      const lines = logged.filter((l) => l.message === "request" && l.path === `/v1/workflows/${id}`)
      assert.deepStrictEqual(lines.map((l) => [l.method, l.status, l.caller]), [["PUT", 200, "root"]])
      const denied = yield* call(runner, "POST", "/v1/workflows", workflowBody("acme", "nope"))
      assert.strictEqual(denied.status, 403)
      const refused = logged.filter((l) => l.message === "request" && l.path === "/v1/workflows" && l.status === 403)
      assert.deepStrictEqual(refused.map((l) => l.caller), ["acme-runner"])
      const text = JSON.stringify(logged)
      for (const t of [ROOT, ...SCOPED]) assert.notInclude(text, t.token)
    })))
})

describe("no route leaks another org's resource", () => {
  it.live("property: a scoped token's answers never carry another org's resource, and nothing of another org changes", () =>
    withServer(Effect.gen(function*() {
      const fixtures: Array<Fixture> = []
      for (const org of [...ORGS, undefined]) fixtures.push(yield* fixture(org, `p-${org ?? "none"}`))
      const idsOf = (f: Fixture) => [f.workflow, f.instance, f.execution, f.environment]
      const snapshot = Effect.forEach(
        fixtures.flatMap((f) => [
          `/v1/workflows/${f.workflow}`,
          `/v1/workflow-instances/${f.instance}`,
          `/v1/workflow-executions/${f.execution}`,
          `/v1/environments/${f.environment}`
        ]),
        (p) => Effect.map(call(ROOT, "GET", p), (res) => [res.status, res.body?.metadata?.version])
      )
      const before = yield* snapshot

      const targeted = (f: Fixture): ReadonlyArray<readonly [Method, string, unknown?]> => [
        ["GET", `/v1/workflows/${f.workflow}`],
        ["GET", `/v1/workflow-instances/${f.instance}`],
        ["GET", `/v1/workflow-executions/${f.execution}`],
        ["GET", `/v1/workflow-executions/${f.execution}/watch`],
        ["GET", `/v1/workflows/by-slug/p-${f.org ?? "none"}${f.org === undefined ? "" : `?org=${f.org}`}`],
        ["GET", `/v1/workflow-instances/by-slug/p-${f.org ?? "none"}-inst${f.org === undefined ? "" : `?org=${f.org}`}`],
        ["GET", `/v1/environments/${f.environment}`],
        ["GET", `/v1/environments/by-slug/p-${f.org ?? "none"}-env${f.org === undefined ? "" : `?org=${f.org}`}`],
        ["PUT", `/v1/environments/${f.environment}`, environmentBody(f.org, "taken over")],
        ["DELETE", `/v1/environments/${f.environment}`],
        ["PUT", `/v1/workflows/${f.workflow}`, workflowBody(f.org, "taken over")],
        ["PUT", `/v1/workflow-instances/${f.instance}`, instanceBody(f.org, f.workflow, "taken over")],
        ["PUT", `/v1/workflow-executions/${f.execution}`, executionBody(f.org, f.instance, "taken over")],
        ["PATCH", `/v1/workflow-executions/${f.execution}/status`, { phase: "EXECUTION_FAILED" }],
        ["POST", `/v1/workflow-executions/${f.execution}/cancel`],
        ["POST", "/v1/workflow-executions", executionBody(f.org, f.instance, "hijack")],
        ["POST", "/v1/workflow-instances", instanceBody(f.org, f.workflow, "hijack")],
        ["DELETE", `/v1/workflow-executions/${f.execution}`],
        ["DELETE", `/v1/workflow-instances/${f.instance}`],
        ["DELETE", `/v1/workflows/${f.workflow}`]
      ]
      const lists = [
        "/v1/workflows",
        "/v1/workflow-instances",
        "/v1/workflow-executions",
        "/v1/environments",
        ...ORGS.flatMap((org) => [`/v1/workflows?org=${org}`, `/v1/workflow-executions?org=${org}`, `/v1/environments?org=${org}`]),
        ...fixtures.map((f) => `/v1/workflow-executions?workflowId=${f.workflow}`),
        ...fixtures.map((f) => `/v1/workflow-instances?workflowId=${f.workflow}`)
      ]

      const runtime = yield* Effect.runtime<any>()
      const run = <A>(effect: Effect.Effect<A, never, any>) => Runtime.runPromise(runtime)(effect)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.constantFrom(...SUBSETS),
            fc.constantFrom(...fixtures),
            fc.nat(),
            fc.constantFrom(...lists),
            async (t, f, pick, list) => {
              const foreign = fixtures.filter((g) => !Access.inScope(t, g.org)).flatMap(idsOf)
              // Ids the request itself named may be echoed ("not found: <id>"); no other foreign one may appear.
              const leaked = (body: unknown, asked = "") =>
                foreign.filter((id) => !asked.includes(id) && JSON.stringify(body ?? null).includes(id))
              const page = await run(TestServer.peek("GET", list, bearer(t)))
              assert.strictEqual(page.status, 200, `${t.name} GET ${list}`)
              for (const entry of page.body.entries) assert.isTrue(Access.inScope(t, entry.metadata.org), list)
              assert.deepStrictEqual(leaked(page.body), [], `${t.name} GET ${list}`)

              // Changes only where the target is foreign, so that the fixtures stay as they were.
              const routes = Access.inScope(t, f.org) ? targeted(f).filter(([m]) => m === "GET") : targeted(f)
              const [method, route, body] = routes[pick % routes.length]
              const res = await run(TestServer.peek(method, route, bearer(t), body))
              const what = `${t.name} ${method} ${route} (${f.org ?? "no org"})`
              assert.deepStrictEqual(leaked(res.body, route + JSON.stringify(body ?? null)), [], what)
              if (!Access.inScope(t, f.org)) {
                // As if it did not exist: the same answer an unknown id gets.
                assert.strictEqual(res.status, 404, `${what}: ${JSON.stringify(res.body)}`)
                assert.strictEqual(res.body.code, "NOT_FOUND", what)
              } else if (method === "GET") {
                assert.strictEqual(res.status, 200, `${what}: ${JSON.stringify(res.body)}`)
              }
            }
          ),
          { numRuns: 150 }
        )
      )
      assert.deepStrictEqual(yield* snapshot, before, "nothing changed")
    })), 240_000)
})
