/**
 * The feed of every change (CONTRACT §7) end to end: `GET /v1/workflow-executions/watch`
 * read as Server-Sent Events by `fetch` against an in-process server.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { TestDatabase } from "@weft/resource"
import { FeedRetention } from "@weft/workflowexecution"
import { Effect, Layer } from "effect"
import * as Sse from "./support/Sse.js"
import * as TestServer from "./support/TestServer.js"

const serverOn = (backend: TestDatabase.Backend, retention: number) =>
  TestServer.make({ maxWatchers: 1_000 }, { database: TestServer.database(backend) }).pipe(
    Layer.provide(Layer.succeed(FeedRetention, retention))
  )

const workflowBody = (name: string, org = "acme") => ({
  metadata: { name, ownerScope: "organization", org },
  spec: {
    document: { dsl: "1.0.0", namespace: "ns", name, version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
})

const ok = TestServer.expectStatus

const newWorkflow = (name: string, org = "acme") =>
  Effect.map(
    TestServer.request("POST", "/v1/workflows", workflowBody(name, org)),
    (res) => ok(res, 201, "create workflow").metadata.id as string
  )

const newExecution = (workflowId: string, org = "acme") =>
  Effect.map(
    TestServer.request("POST", "/v1/workflow-executions", {
      metadata: { ownerScope: "organization", org },
      spec: { workflowId, triggerMessage: "go" }
    }),
    (res) => ok(res, 201, "create execution") as any
  )

const patchStatus = (id: string, status: unknown) =>
  Effect.map(
    TestServer.request("PATCH", `/v1/workflow-executions/${id}/status`, status),
    (res) => ok(res, 200, "PATCH status") as any
  )

const feedUrl = (query = "") => Effect.map(TestServer.baseUrl, (base) => `${base}/v1/workflow-executions/watch${query}`)

/** Opens a feed and waits for its opening comment: from then on, every change reaches it. */
const openFeed = (query = "", headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const feed = yield* Sse.open(yield* feedUrl(query), headers)
    const first = yield* feed.next()
    assert.strictEqual(first?._tag, "Comment", "the feed starts with a comment")
    return feed
  })

const nextData = (feed: Sse.Reader, event: string) =>
  Effect.map(feed.nextEvent(), (e) => {
    assert.isDefined(e, "expected an event, the stream ended")
    assert.strictEqual(e!.event, event)
    return { id: Number(e!.id), data: JSON.parse(e!.data) }
  })

describe.each(TestDatabase.backends)("feed on %s", (backend) => {
  const makeServer = (retention = 10_000) => serverOn(backend, retention)

  describe("feed of every change over HTTP (SSE)", () => {
    it.live("starts with a comment, then every change in order with growing ids; /watch is not an id", () =>
      Effect.gen(function*() {
        const feed = yield* openFeed()
        const wf = yield* newWorkflow("wf")
        const created = yield* newExecution(wf)
        const id = created.metadata.id
        yield* patchStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
        const done = yield* patchStatus(id, { phase: "EXECUTION_COMPLETED" })

        const a = yield* nextData(feed, "execution")
        const b = yield* nextData(feed, "execution")
        const c = yield* nextData(feed, "execution")
        assert.deepStrictEqual(a.data, created)
        assert.strictEqual(b.data.status.phase, "EXECUTION_IN_PROGRESS")
        assert.deepStrictEqual(c.data, done)
        assert.isTrue(a.id > 0 && b.id === a.id + 1 && c.id === b.id + 1, `ids ${a.id}, ${b.id}, ${c.id}`)

        // Spec updates, cancels and deletes are changes too.
        const second = yield* newExecution(wf)
        const cancelled = ok(
          yield* TestServer.request("POST", `/v1/workflow-executions/${second.metadata.id}/cancel`),
          200,
          "cancel"
        )
        ok(yield* TestServer.request("DELETE", `/v1/workflow-executions/${id}`), 200, "delete")
        assert.strictEqual((yield* nextData(feed, "execution")).data.metadata.id, second.metadata.id)
        assert.deepStrictEqual((yield* nextData(feed, "execution")).data, cancelled)
        const deleted = yield* nextData(feed, "deleted")
        assert.deepStrictEqual(deleted.data, done)
        assert.strictEqual(deleted.id, c.id + 3)
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("filters by phase after the change, workflowId and org", () =>
      Effect.gen(function*() {
        const byPhase = yield* openFeed("?phase=EXECUTION_COMPLETED&phase=EXECUTION_CANCELLED")
        const wf1 = yield* newWorkflow("wf1")
        const wf2 = yield* newWorkflow("wf2")
        const other = yield* newWorkflow("wf3", "globex")
        const byWorkflow = yield* openFeed(`?workflowId=${wf2}`)
        const byOrg = yield* openFeed("?org=globex")

        const e1 = yield* newExecution(wf1)
        yield* patchStatus(e1.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
        const e1done = yield* patchStatus(e1.metadata.id, { phase: "EXECUTION_COMPLETED" })
        const e2 = yield* newExecution(wf2)
        const e3 = yield* newExecution(other, "globex")
        const e3cancelled = ok(
          yield* TestServer.request("POST", `/v1/workflow-executions/${e3.metadata.id}/cancel`),
          200,
          "cancel"
        )

        assert.deepStrictEqual((yield* nextData(byPhase, "execution")).data, e1done)
        assert.deepStrictEqual((yield* nextData(byPhase, "execution")).data, e3cancelled)
        assert.deepStrictEqual((yield* nextData(byWorkflow, "execution")).data, e2)
        assert.deepStrictEqual((yield* nextData(byOrg, "execution")).data, e3)
        assert.deepStrictEqual((yield* nextData(byOrg, "execution")).data, e3cancelled)
        // A last change seen by all three proves nothing else was sent before it.
        ok(yield* TestServer.request("DELETE", `/v1/workflow-executions/${e3.metadata.id}`), 200, "delete")
        assert.strictEqual((yield* nextData(byPhase, "deleted")).data.metadata.id, e3.metadata.id)
        assert.strictEqual((yield* nextData(byOrg, "deleted")).data.metadata.id, e3.metadata.id)
        ok(yield* TestServer.request("DELETE", `/v1/workflow-executions/${e2.metadata.id}`), 200, "delete")
        assert.strictEqual((yield* nextData(byWorkflow, "deleted")).data.metadata.id, e2.metadata.id)

        const bad = yield* Sse.connect(yield* feedUrl("?phase=NOPE"))
        assert.strictEqual(bad.status, 400)
        assert.strictEqual(JSON.parse(yield* bad.text).code, "INVALID_ARGUMENT")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("Last-Event-ID resumes with exactly the missed changes, then live ones", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow("wf")
        const first = yield* openFeed()
        const e = yield* newExecution(wf)
        const seen = yield* nextData(first, "execution")
        yield* first.abort
        const missed1 = yield* patchStatus(e.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
        const missed2 = yield* patchStatus(e.metadata.id, { phase: "EXECUTION_COMPLETED" })

        const resumed = yield* openFeed("", { "last-event-id": String(seen.id) })
        const r1 = yield* nextData(resumed, "execution")
        const r2 = yield* nextData(resumed, "execution")
        assert.deepStrictEqual([r1.id, r2.id], [seen.id + 1, seen.id + 2])
        assert.deepStrictEqual([r1.data, r2.data], [missed1, missed2])
        ok(yield* TestServer.request("DELETE", `/v1/workflow-executions/${e.metadata.id}`), 200, "delete")
        assert.strictEqual((yield* nextData(resumed, "deleted")).id, seen.id + 3)

        const bad = yield* Sse.connect(yield* feedUrl(), { "last-event-id": "abc" })
        assert.strictEqual(bad.status, 400)
        assert.strictEqual(JSON.parse(yield* bad.text).code, "INVALID_ARGUMENT")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("a trimmed or unknown Last-Event-ID gets event: reset, then live changes", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow("wf")
        const e = yield* newExecution(wf) // seq 1
        for (const phase of ["EXECUTION_IN_PROGRESS", "EXECUTION_COMPLETED"]) yield* patchStatus(e.metadata.id, { phase })
        for (let i = 0; i < 4; i++) yield* newExecution(wf) // seq 4..7
        // Retention 3: the log was trimmed at seq 6 (a multiple of 3): seq ≤ 3 are gone.
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ seq: number | string }>`SELECT seq FROM workflow_execution_changes ORDER BY seq`
        assert.deepStrictEqual(rows.map((r) => Number(r.seq)), [4, 5, 6, 7]) // a bigint on PostgreSQL: a string

        const old = yield* openFeed("", { "last-event-id": "1" })
        const reset = yield* nextData(old, "reset")
        assert.strictEqual(reset.id, 7)
        const kept = yield* openFeed("", { "last-event-id": "3" })
        assert.deepStrictEqual((yield* nextData(kept, "execution")).id, 4)
        const future = yield* openFeed("", { "last-event-id": "99" })
        assert.strictEqual((yield* nextData(future, "reset")).id, 7)

        const next = yield* newExecution(wf)
        assert.deepStrictEqual((yield* nextData(old, "execution")), { id: 8, data: next })
        assert.deepStrictEqual((yield* nextData(future, "execution")).id, 8)
      }).pipe(Effect.scoped, Effect.provide(makeServer(3))))

    it.live("100 feed clients each see every change, in order", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow("wf")
        const feeds = yield* Effect.forEach(Array.from({ length: 100 }), () => openFeed(), { concurrency: 10 })
        const made: Array<any> = []
        for (let i = 0; i < 5; i++) {
          const e = yield* newExecution(wf)
          made.push(e, yield* patchStatus(e.metadata.id, { phase: "EXECUTION_IN_PROGRESS" }))
        }
        yield* Effect.forEach(feeds, (feed) =>
          Effect.gen(function*() {
            const got = yield* Effect.forEach(made, () => nextData(feed, "execution"))
            assert.deepStrictEqual(got.map((g) => g.data), made)
            got.forEach((g, i) => assert.strictEqual(g.id, got[0]!.id + i))
          }), { concurrency: 10 })
      }).pipe(Effect.scoped, Effect.provide(makeServer())), 120_000)
  })
})
