/**
 * HTTP_CALL against a local server that counts requests, the outbound policy, and
 * deterministic replay over a recorded journal.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { Expressions, HttpCalls, HttpPolicy, type Interpreter } from "../src/index.js"
import { entry, lastTasks, memoryEffects, plan, runPlan, set, task, testServer } from "./support.js"

const get = (name: string, uri: string, extra: Record<string, unknown> = {}) =>
  task(name, "HTTP_CALL", { method: "GET", endpoint: { uri }, ...extra })

const outcomeOf = (outcome: Interpreter.RunOutcome) =>
  outcome._tag === "Completed" ? { completed: outcome.output } : { failed: outcome.message }

const withPolicy = (options: HttpPolicy.Options) =>
  Layer.mergeAll(Expressions.layer, HttpCalls.layer.pipe(Layer.provide(HttpPolicy.layer(options))))

describe("HTTP_CALL", () => {
  it.scoped("GET parses JSON; headers, uri and body are evaluated; POST sends JSON; text stays text", () =>
    Effect.gen(function*() {
      const seen: Array<{ method: string; url: string; auth: unknown; type: unknown; body: string }> = []
      const server = yield* testServer((req) => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers["content-type"], body: req.body })
        return req.url === "/text"
          ? { body: "plain words", contentType: "text/plain" }
          : { body: JSON.stringify({ id: 7, name: "Milou", path: req.url }) }
      })
      const { outcome, reports } = yield* runPlan(plan([
        get("getPet", `\${ "${server.url}/pet/" + ($input.petId | tostring) }`, {
          headers: { Authorization: "${ \"Bearer \" + $env.TOKEN }", "X-Literal": "a ${ b }" }
        }),
        task("create", "HTTP_CALL", {
          method: "post",
          endpoint: { uri: `${server.url}/pets` },
          body: { name: "${ .name }", tags: ["${ $input.petId }", "literal"] }
        }),
        get("text", `${server.url}/text`)
      ], { input: { petId: 1 }, env: { TOKEN: "abc" } }))
      assert.deepStrictEqual(outcomeOf(outcome), { completed: { value: "plain words" } })
      assert.deepStrictEqual(entry(reports, "getPet")!.output, { id: 7, name: "Milou", path: "/pet/1" })
      assert.deepStrictEqual(seen[0], { method: "GET", url: "/pet/1", auth: "Bearer abc", type: undefined, body: "" })
      assert.deepStrictEqual(seen[1].method, "POST")
      assert.deepStrictEqual(seen[1].type, "application/json")
      assert.deepStrictEqual(JSON.parse(seen[1].body), { name: "Milou", tags: [1, "literal"] })
      assert.strictEqual(server.requests(), 3)
      assert.strictEqual(entry(reports, "getPet")!.taskType, "WORKFLOW_TASK_API_CALL")
    }))

  it.scoped("a non-2xx response fails with type http, its status, and its body as detail; TRY catches it (CTK try)", () =>
    Effect.gen(function*() {
      const server = yield* testServer(() => ({ status: 404, body: "no such pet", contentType: "text/plain" }))
      const uncaught = yield* runPlan(plan([get("getPet", `${server.url}/pet/9`)]))
      assert.deepStrictEqual(outcomeOf(uncaught.outcome), { failed: "http: no such pet" })
      assert.strictEqual(uncaught.outcome._tag === "Failed" && uncaught.outcome.error.status, 404)
      assert.strictEqual(entry(uncaught.reports, "getPet")!.error, "http: no such pet")
      const caught = yield* runPlan(plan([
        task("tryGetPet", "TRY", {
          try: [get("getPet", `${server.url}/pet/9`)],
          catch: { as: "err", do: [set("setError", { error: "${ $err }" })] }
        })
      ]))
      const output = outcomeOf(caught.outcome).completed as { error: Record<string, unknown> }
      assert.strictEqual(output.error.type, "http")
      assert.strictEqual(output.error.status, 404)
      assert.strictEqual(output.error.detail, "no such pet")
      assert.isString(output.error.title)
    }))

  it.scoped("the detail is the body's first 1 KB", () =>
    Effect.gen(function*() {
      const server = yield* testServer(() => ({ status: 500, body: "x".repeat(5000), contentType: "text/plain" }))
      const { outcome } = yield* runPlan(plan([get("big", server.url)]))
      assert.strictEqual(outcome._tag === "Failed" && outcome.error.detail.length, 1024)
    }))

  it.live("a call slower than timeoutSeconds fails with type timeout", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* testServer(() => ({ hang: true }))
      const { outcome } = yield* runPlan(plan([get("slow", server.url, { timeoutSeconds: 1 })]))
      assert.match(outcomeOf(outcome).failed!, /^timeout: GET http:\/\/127\.0\.0\.1:\d+\/ took longer than 1s/)
    })))

  it.scoped("a retried call runs again under a new key (path#run); success after failures", () =>
    Effect.gen(function*() {
      const server = yield* testServer((req) => (req.count < 3 ? { status: 503, body: "busy" } : { body: "{\"ok\":true}" }))
      const recorder = memoryEffects()
      const { outcome, reports } = yield* runPlan(plan([
        task("guard", "TRY", { try: [get("fetch", server.url)], catch: { retry: { limit: 5 } } })
      ]), recorder)
      assert.deepStrictEqual(outcomeOf(outcome), { completed: { ok: true } })
      assert.deepStrictEqual(recorder.executed, ["guard/try/fetch", "guard/try/fetch#2", "guard/try/fetch#3"])
      assert.strictEqual(entry(reports, "guard/try/fetch")!.metadata?.runs, "3")
      assert.strictEqual(server.requests(), 3)
    }))
})

describe("outbound policy", () => {
  it.scoped("127.0.0.1 denied: the task fails with type http and the server sees nothing; allowed, it is called", () =>
    Effect.gen(function*() {
      const server = yield* testServer(() => ({ body: "{}" }))
      const denied = yield* runPlan(plan([get("call", server.url)]), memoryEffects(), withPolicy({ deny: ["127.0.0.0/8"] }))
      assert.deepStrictEqual(outcomeOf(denied.outcome), { failed: "http: refused: 127.0.0.1 is denied by WEFT_HTTP_DENY" })
      const byName = yield* runPlan(
        plan([get("call", server.url.replace("127.0.0.1", "localhost"))]),
        memoryEffects(),
        withPolicy({ deny: ["127.0.0.1", "::1"] })
      )
      assert.match(outcomeOf(byName.outcome).failed!, /^http: refused: localhost \((127\.0\.0\.1|::1)\) is denied by WEFT_HTTP_DENY/)
      const notAllowed = yield* runPlan(plan([get("call", server.url)]), memoryEffects(), withPolicy({ allow: ["10.0.0.0/8"] }))
      assert.deepStrictEqual(outcomeOf(notAllowed.outcome), { failed: "http: refused: 127.0.0.1 is not allowed by WEFT_HTTP_ALLOW" })
      assert.strictEqual(server.requests(), 0)
      const allowed = yield* runPlan(plan([get("call", server.url)]), memoryEffects(), withPolicy({ allow: ["127.0.0.1"] }))
      assert.deepStrictEqual(outcomeOf(allowed.outcome), { completed: {} })
      assert.strictEqual(server.requests(), 1)
    }))

  it("the default denies link-local addresses (cloud metadata), also IPv4-mapped; names and wildcards match", () => {
    const policy = HttpPolicy.make({})
    assert.include(policy.checkHost("169.254.169.254"), "denied")
    assert.include(policy.checkHost("[fe80::1]"), "denied")
    assert.include(policy.checkAddress("metadata", "::ffff:169.254.169.254"), "denied")
    assert.isUndefined(policy.checkHost("127.0.0.1"))
    assert.isUndefined(policy.checkHost("example.com"))
    const named = HttpPolicy.make({ deny: ["metadata.internal", "*.corp.example"] })
    assert.include(named.checkHost("METADATA.internal"), "denied")
    assert.include(named.checkHost("a.b.corp.example"), "denied")
    assert.isUndefined(named.checkHost("corp.example.com"))
    assert.isUndefined(named.checkHost("169.254.169.254"), "a deny list replaces the default")
  })

  it.effect("layerConfig reads WEFT_HTTP_DENY and WEFT_HTTP_ALLOW; a malformed entry is a config error", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.exit(
          HttpPolicy.HttpPolicy.pipe(
            Effect.provide(HttpPolicy.layerConfig),
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
          )
        )
      const configured = yield* read({ WEFT_HTTP_DENY: "10.0.0.0/8, metadata.internal", WEFT_HTTP_ALLOW: "10.1.2.3 example.com" })
      assert.isTrue(Exit.isSuccess(configured))
      if (Exit.isSuccess(configured)) {
        assert.include(configured.value.checkHost("10.1.2.3"), "denied")
        assert.include(configured.value.checkAddress("other.example", "8.8.8.8"), "not allowed")
        assert.isUndefined(configured.value.checkAddress("example.com", "93.184.216.34"))
      }
      const empty = yield* read({ WEFT_HTTP_DENY: "" })
      assert.isTrue(Exit.isSuccess(empty) && empty.value.checkHost("169.254.169.254") === undefined)
      const bad = yield* read({ WEFT_HTTP_DENY: "10.0.0.0/99" })
      assert.isTrue(Exit.isFailure(bad))
      assert.include(String(Exit.isFailure(bad) ? bad.cause : ""), "WEFT_HTTP_DENY")
    }))
})

describe("replay", () => {
  const workflow = (url: string) =>
    plan([
      get("fetch", `${url}/a`, { headers: { "X-Env": "${ $env.SECRET }" } }),
      task("pause", "WAIT", { seconds: 1 }),
      task("guard", "TRY", { try: [get("flaky", `${url}/flaky`)], catch: { retry: { limit: 2 } } }),
      task("each", "FOR", { in: "${ [1, 2] }", do: [get("item", `\${ "${url}/item/" + ($item | tostring) }`)] }),
      task("both", "FORK", {
        branches: [{ name: "l", do: [get("x", `${url}/l`)] }, { name: "r", do: [get("x", `${url}/r`)] }]
      }),
      set("summary", { fetched: "${ . }", secret: "${ $env.SECRET }" })
    ], { env: { SECRET: "hush" }, secrets: ["hush"] })

  const normalise = (reports: ReadonlyArray<{ patch: Interpreter.StatusPatch }>) =>
    lastTasks(reports).map(({ completedAt: _c, startedAt: _s, ...rest }) => rest)

  it.live("a second run over the first one's journal gives the same result and runs no activity again", () =>
    Effect.scoped(Effect.gen(function*() {
      let flaky = 0
      const server = yield* testServer((req) =>
        req.url === "/flaky" && flaky++ === 0 ? { status: 500, body: "once" } : { body: JSON.stringify({ url: req.url }) }
      )
      const first = yield* runPlan(workflow(server.url))
      assert.strictEqual(first.outcome._tag, "Completed")
      const calls = server.requests()
      assert.strictEqual(calls, 7)
      assert.includeMembers(first.recorder.executed, ["fetch", "guard/try/flaky", "guard/try/flaky#2", "each/0/item", "each/1/item", "both/l/x", "both/r/x"])

      const replay = yield* runPlan(workflow(server.url), memoryEffects(first.recorder.journal))
      assert.deepStrictEqual(replay.recorder.executed, [])
      assert.deepStrictEqual(replay.recorder.slept, [])
      assert.strictEqual(server.requests(), calls)
      assert.deepStrictEqual(outcomeOf(replay.outcome), outcomeOf(first.outcome))
      assert.deepStrictEqual(normalise(replay.reports), normalise(first.reports))
      assert.notInclude(JSON.stringify(replay.reports), "hush")
    })))

  it.live("after a crash mid-run, tasks that completed are not run again; the rest run once", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* testServer((req) => ({ body: JSON.stringify({ url: req.url }) }))
      const first = yield* runPlan(workflow(server.url))
      // What a crash after the WAIT would have left: the journal up to it.
      const partial = new Map([...first.recorder.journal].filter(([key]) => key === "fetch" || key === "pause"))
      const before = server.requests()
      const resumed = yield* runPlan(workflow(server.url), memoryEffects(partial))
      assert.deepStrictEqual(outcomeOf(resumed.outcome), outcomeOf(first.outcome))
      assert.notInclude(resumed.recorder.executed, "fetch")
      assert.deepStrictEqual(resumed.recorder.slept, [])
      assert.strictEqual(server.requests() - before, 5)
    })))
})
