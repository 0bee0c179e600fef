/**
 * Watch (CONTRACT §4.4) end to end: a real HTTP client (`fetch`) against an in-process
 * server, reading `GET /v1/workflow-executions/{id}/watch` as Server-Sent Events; and
 * the Stream API (`WorkflowExecutions.watch`) that in-process users call.
 *
 * The test server is the app's own composition (`HttpLive` over `ServicesLive`) with
 * `ServicesLive` also merged into the output: layers are memoised by value within one
 * build, so the services the handlers use and the ones the tests reach (the hub, for its
 * stats, and `WorkflowExecutions`) are the same instances; the first cleanup test checks
 * that the hub counts the HTTP watchers, so a second hub could not pass unnoticed.
 * Each test closes its own scope (the open watch requests) before the server's: node's
 * `server.close` waits for open connections.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeHttpServer } from "@effect/platform-node"
import { ResourceStore, TestDatabase } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { ExecutionEvents, type WatchEvent, WorkflowExecutions } from "@weft/workflowexecution"
import { Chunk, Deferred, Duration, Effect, Fiber, FiberId, Layer, Queue, Schedule, Stream, TestClock } from "effect"
import { keepAliveInterval, keepAlives, WatchKeepAlive } from "../src/handlers/WorkflowExecutions.js"
import { HttpLive, ServicesLive } from "../src/Server.js"
import * as ServerConfig from "../src/ServerConfig.js"
import * as Sse from "./support/Sse.js"
import * as TestServer from "./support/TestServer.js"

const serverOn = (backend: TestDatabase.Backend, options: { readonly keepAlive?: Duration.DurationInput } = {}) =>
  HttpLive.pipe(
    Layer.provideMerge(ServicesLive),
    Layer.provide(TestServer.database(backend)),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(ServerConfig.layer(ServerConfig.defaults)),
    Layer.provideMerge(Layer.succeed(WatchKeepAlive, options.keepAlive ?? keepAliveInterval))
  )

const WORKFLOW = {
  metadata: { name: "wf", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
}

const expectStatus = (res: { status: number; body: any }, status: number, what: string) => {
  assert.strictEqual(res.status, status, `${what}: ${JSON.stringify(res.body)}`)
  return res.body
}

/** Creates the workflow (once per server: its slug is unique); answers its id. */
const newWorkflow = Effect.map(
  TestServer.request("POST", "/v1/workflows", WORKFLOW),
  (res) => expectStatus(res, 201, "create workflow").metadata.id as string
)

const newExecution = (wf: string) =>
  Effect.gen(function*() {
    const res = yield* TestServer.request("POST", "/v1/workflow-executions", {
      metadata: { ownerScope: "organization", org: "acme" },
      spec: { workflowId: wf, triggerMessage: "go" }
    })
    return expectStatus(res, 201, "create execution") as any
  })

const executionPath = (id: string) => `/v1/workflow-executions/${id}`

const patchStatus = (id: string, status: unknown) =>
  Effect.map(TestServer.request("PATCH", `${executionPath(id)}/status`, status), (res) => expectStatus(res, 200, "PATCH status"))

const watchUrl = (id: string) => Effect.map(TestServer.baseUrl, (base) => `${base}${executionPath(id)}/watch`)

const hubStats = Effect.flatMap(ExecutionEvents.ExecutionEvents, (hub) => hub.stats)

/** Waits (polling, up to 30 s) until the hub has no executions and no watchers. */
const hubEmpty = hubStats.pipe(
  Effect.filterOrFail((stats) => stats.executions === 0 && stats.watchers === 0, (stats) => stats),
  Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("30 seconds"))),
  Effect.merge,
  Effect.map((stats) => assert.deepStrictEqual(stats, { executions: 0, watchers: 0 }))
)

const parse = (event: Sse.Event | undefined): any => {
  assert.isDefined(event, "expected an event, the stream ended")
  return JSON.parse(event!.data)
}

/** Checks an `execution` event: its id is the version in its data, and it is `version`. */
const expectExecutionEvent = (event: Sse.Event | undefined, version: number) => {
  const data = parse(event)
  assert.strictEqual(event!.event, "execution")
  assert.strictEqual(event!.id, String(version))
  assert.strictEqual(data.metadata.version, version)
  return data
}

const eventsOf = (frames: ReadonlyArray<Sse.Frame>) => frames.filter((f): f is Sse.Event => f._tag === "Event")

/** Asserts ids `from, from+1, …` with data versions matching, and answers the data. */
const expectConsecutive = (events: ReadonlyArray<Sse.Event>, from: number) => {
  const ids = events.map((e) => Number(e.id))
  assert.deepStrictEqual(ids, ids.map((_, i) => from + i), `ids not consecutive from ${from}: ${ids.join(",")}`)
  return events.map((e, i) => expectExecutionEvent(e, from + i))
}

describe.each(TestDatabase.backends)("watch on %s", (backend) => {
  const makeServer = (options: { readonly keepAlive?: Duration.DurationInput } = {}) => serverOn(backend, options)

  describe("watch over HTTP (SSE)", () => {
    it.live("answers 200 text/event-stream; an unknown id is a 404 NOT_FOUND before any stream", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const watch = yield* Sse.open(yield* watchUrl(execution.metadata.id))
        assert.strictEqual(watch.status, 200)
        assert.match(watch.headers.get("content-type") ?? "", /^text\/event-stream/)
        assert.strictEqual(watch.headers.get("cache-control"), "no-cache")
        expectExecutionEvent(yield* watch.nextEvent(), 1)

        const missing = yield* Sse.connect(yield* watchUrl("wex-00000000000000000000000000"))
        assert.strictEqual(missing.status, 404)
        assert.match(missing.headers.get("content-type") ?? "", /^application\/json/)
        const body = JSON.parse(yield* missing.text)
        assert.strictEqual(body.code, "NOT_FOUND")
        assert.include(body.message, "wex-00000000000000000000000000")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("sends the snapshot, then every change in order (status and spec), and ends after a terminal phase", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const id = execution.metadata.id
        const watch = yield* Sse.open(yield* watchUrl(id))

        const snapshot = expectExecutionEvent(yield* watch.nextEvent(), 1)
        assert.deepStrictEqual(snapshot, execution)
        assert.deepStrictEqual(snapshot, expectStatus(yield* TestServer.request("GET", executionPath(id)), 200, "GET"))

        const started = yield* patchStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
        const v2 = expectExecutionEvent(yield* watch.nextEvent(), 2)
        assert.strictEqual(v2.status.phase, "EXECUTION_IN_PROGRESS")
        assert.isString(v2.status.startedAt)
        assert.deepStrictEqual(v2, started)

        const put = expectStatus(
          yield* TestServer.request("PUT", executionPath(id), {
            metadata: { ownerScope: "organization", org: "acme", name: execution.metadata.name },
            spec: { triggerMessage: "again", triggerMetadata: { k: "v" } }
          }),
          200,
          "PUT"
        )
        const v3 = expectExecutionEvent(yield* watch.nextEvent(), 3)
        assert.strictEqual(v3.spec.triggerMessage, "again")
        assert.deepStrictEqual(v3.spec.triggerMetadata, { k: "v" })
        assert.strictEqual(v3.status.phase, "EXECUTION_IN_PROGRESS", "a spec update leaves the status alone")
        assert.deepStrictEqual(v3, put)

        const progressed = yield* patchStatus(id, {
          output: { step: 1 },
          tasks: [{ taskName: "a", status: "WORKFLOW_TASK_IN_PROGRESS" }]
        })
        const v4 = expectExecutionEvent(yield* watch.nextEvent(), 4)
        assert.deepStrictEqual(v4.status.output, { step: 1 })
        assert.strictEqual(v4.status.tasks[0].status, "WORKFLOW_TASK_IN_PROGRESS")
        assert.deepStrictEqual(v4, progressed)

        const done = yield* patchStatus(id, { phase: "EXECUTION_COMPLETED", output: { step: 2 } })
        const v5 = expectExecutionEvent(yield* watch.nextEvent(), 5)
        assert.strictEqual(v5.status.phase, "EXECUTION_COMPLETED")
        assert.deepStrictEqual(v5, done)
        assert.deepStrictEqual(yield* watch.rest(), [], "nothing after the terminal state, and the stream ends")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("an execution already finished: exactly one event, then the end", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow
        for (const phase of ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"]) {
          const execution = yield* newExecution(wf)
          const final = yield* patchStatus(execution.metadata.id, { phase })
          const frames = yield* Sse.readAll(yield* watchUrl(execution.metadata.id)).pipe(Effect.timeout("5 seconds"))
          assert.strictEqual(frames.length, 1, JSON.stringify(frames))
          const data = expectExecutionEvent(frames[0] as Sse.Event, 2)
          assert.deepStrictEqual(data, final)
        }
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("deletion while watching: `event: deleted`, then the end", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const id = execution.metadata.id
        const watch = yield* Sse.open(yield* watchUrl(id))
        expectExecutionEvent(yield* watch.nextEvent(), 1)
        yield* patchStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
        expectExecutionEvent(yield* watch.nextEvent(), 2)
        expectStatus(yield* TestServer.request("DELETE", executionPath(id)), 200, "DELETE")
        const deleted = yield* watch.nextEvent()
        assert.strictEqual(deleted?.event, "deleted")
        assert.isUndefined(deleted?.id)
        assert.strictEqual(parse(deleted).metadata.id, id)
        assert.deepStrictEqual(yield* watch.rest(), [])
        yield* hubEmpty
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("watches racing a deletion get a 404, or a stream that ends with `event: deleted`", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow
        /** A watch's outcome: 404, or the events of a stream that ended. */
        const outcome = (c: Sse.Connection): Effect.Effect<404 | ReadonlyArray<Sse.Event>, Error> =>
          c.status === 404 ? Effect.succeed(404 as const) : Effect.map(Stream.runCollect(c.frames), (frames) => eventsOf(Chunk.toArray(frames)))
        const endsDeleted = (events: ReadonlyArray<Sse.Event>, id: string) => {
          assert.isAtLeast(events.length, 1, "a 200 watch of a deleted execution sent nothing")
          assert.strictEqual(events.at(-1)!.event, "deleted", JSON.stringify(events.map((e) => e.event)))
          assert.strictEqual(parse(events.at(-1)).metadata.id, id)
        }
        for (let round = 0; round < 6; round++) {
          const execution = yield* newExecution(wf)
          const id = execution.metadata.id
          const url = yield* watchUrl(id)
          // Before: connected (200 answered) before the DELETE is sent.
          const before = yield* Effect.forEach(Array.from({ length: 4 }), () => Sse.connect(url), { concurrency: "unbounded" })
          // During: sent beside the DELETE, in no set order.
          const [during] = yield* Effect.all([
            Effect.forEach(
              Array.from({ length: 16 }, (_, i) => i),
              (i) => Effect.zipRight(Effect.sleep(Duration.millis(i % 8)), Effect.scoped(Effect.flatMap(Sse.connect(url), outcome))),
              { concurrency: "unbounded" }
            ),
            Effect.map(TestServer.request("DELETE", executionPath(id)), (res) => expectStatus(res, 200, "DELETE"))
          ], { concurrency: "unbounded" })
          // After: the DELETE has been answered.
          const after = yield* Effect.forEach(Array.from({ length: 4 }), () => Effect.scoped(Effect.flatMap(Sse.connect(url), outcome)))
          for (const c of before) {
            assert.strictEqual(c.status, 200)
            const events = yield* outcome(c)
            assert.notStrictEqual(events, 404)
            if (events !== 404) endsDeleted(events, id)
          }
          for (const events of during) if (events !== 404) endsDeleted(events, id)
          assert.deepStrictEqual(after, [404, 404, 404, 404])
        }
        yield* hubEmpty
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("30 concurrent status updates: each seen exactly once, ids consecutive, the last has the final state", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const id = execution.metadata.id
        const watch = yield* Sse.open(yield* watchUrl(id))
        expectExecutionEvent(yield* watch.nextEvent(), 1)

        const answers = yield* Effect.forEach(
          Array.from({ length: 30 }, (_, n) => n),
          (n) => patchStatus(id, { output: { n } }),
          { concurrency: "unbounded" }
        )
        const final = expectStatus(yield* TestServer.request("GET", executionPath(id)), 200, "GET")
        assert.strictEqual(final.metadata.version, 31)
        yield* patchStatus(id, { phase: "EXECUTION_COMPLETED" })

        const data = expectConsecutive(eventsOf(yield* watch.rest()), 2)
        assert.strictEqual(data.length, 31)
        // Every update once: the event with a version carries that update's output.
        const byVersion = new Map(answers.map((a: any) => [a.metadata.version, a.status.output.n]))
        assert.strictEqual(byVersion.size, 30)
        for (const d of data.slice(0, 30)) assert.strictEqual(d.status.output.n, byVersion.get(d.metadata.version))
        const seen = data.slice(0, 30).map((d) => d.status.output.n as number).sort((a, b) => a - b)
        assert.deepStrictEqual(seen, Array.from({ length: 30 }, (_, n) => n), "each update exactly once")
        assert.deepStrictEqual(data[29], final, "the last update's event is the final state")
        assert.strictEqual(data[30].status.phase, "EXECUTION_COMPLETED")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("watchers that subscribe while updates are being applied miss nothing", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const id = execution.metadata.id
        const url = yield* watchUrl(id)
        const UPDATES = 60
        // Milestone k completes once k updates are committed.
        const milestones = Array.from({ length: UPDATES + 1 }, () => Deferred.unsafeMake<void>(FiberId.none))
        yield* Deferred.succeed(milestones[0], undefined)
        // The burst: sequential updates, committed while watchers are connecting.
        const burst = yield* Effect.fork(Effect.forEach(
          Array.from({ length: UPDATES }, (_, n) => n),
          (n) => Effect.zipRight(patchStatus(id, { output: { n } }), Deferred.succeed(milestones[n + 1], undefined)),
          { discard: true }
        ))
        // Watchers joining at staggered points of the burst (after 0, 5, 10, … updates).
        const watchers = yield* Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          (i) => Effect.zipRight(Deferred.await(milestones[i * 5]), Sse.open(url)),
          { concurrency: "unbounded" }
        )
        yield* Fiber.join(burst)
        yield* patchStatus(id, { phase: "EXECUTION_COMPLETED" })
        const last = UPDATES + 2
        const firsts: Array<number> = []
        for (const watch of watchers) {
          const events = eventsOf(yield* watch.rest())
          const from = Number(events[0]?.id)
          firsts.push(from)
          const data = expectConsecutive(events, from)
          assert.strictEqual(data.at(-1).metadata.version, last)
          assert.strictEqual(data.at(-1).status.phase, "EXECUTION_COMPLETED")
          for (const d of data.slice(0, -1)) {
            if (d.metadata.version > 1) assert.strictEqual(d.status.output.n, d.metadata.version - 2)
          }
        }
        // The watchers did join mid-burst (else this test shows nothing).
        assert.isTrue(firsts.some((v) => v > 1 && v < last), `snapshot versions: ${firsts.join(",")}`)
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.effect("keep-alive comments come one interval apart, the first one interval after the start", () =>
      Effect.gen(function*() {
        assert.isAtMost(Duration.toMillis(keepAliveInterval), 15_000, "the contract's bound")
        let sent = 0
        const fiber = yield* Effect.fork(keepAlives("10 seconds", () => sent++))
        yield* TestClock.adjust("9999 millis")
        assert.strictEqual(sent, 0)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(sent, 1)
        yield* TestClock.adjust("9999 millis")
        assert.strictEqual(sent, 1)
        yield* TestClock.adjust("10001 millis")
        assert.strictEqual(sent, 3)
        yield* Fiber.interrupt(fiber)
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(sent, 3, "nothing after the stream closed")
      }))

    it.live("sends keep-alive comments between events; events still flow and the stream still ends", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const id = execution.metadata.id
        const watch = yield* Sse.open(yield* watchUrl(id))
        expectExecutionEvent(yield* watch.nextEvent(), 1)
        for (let i = 0; i < 3; i++) {
          const frame = yield* watch.next("5 seconds")
          assert.deepStrictEqual(frame, { _tag: "Comment", text: "keep-alive" })
        }
        yield* patchStatus(id, { phase: "EXECUTION_COMPLETED" })
        const rest = eventsOf(yield* watch.rest())
        assert.strictEqual(rest.length, 1)
        expectExecutionEvent(rest[0], 2)
      }).pipe(Effect.scoped, Effect.provide(makeServer({ keepAlive: "50 millis" }))))

    it.live("no keep-alive before the default interval", () =>
      Effect.gen(function*() {
        const execution = yield* newExecution(yield* newWorkflow)
        const watch = yield* Sse.open(yield* watchUrl(execution.metadata.id))
        expectExecutionEvent(yield* watch.nextEvent(), 1)
        const frame = yield* watch.next("500 millis").pipe(Effect.option)
        assert.isTrue(frame._tag === "None", `unexpected frame ${JSON.stringify(frame)}`)
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("1,000 watchers that disconnect leave nothing in the hub; nor do streams that end", () =>
      Effect.gen(function*() {
        const wf = yield* newWorkflow
        const executions = yield* Effect.forEach([1, 2], () => newExecution(wf))
        const urls = yield* Effect.forEach(executions, (e) => watchUrl(e.metadata.id))
        const WATCHERS = 1_000
        const aborts: Array<Effect.Effect<void>> = []
        yield* Effect.forEach(
          Array.from({ length: WATCHERS }, (_, i) => i),
          (i) =>
            Effect.gen(function*() {
              const watch = yield* Sse.open(urls[i % 2])
              aborts.push(watch.abort)
              expectExecutionEvent(yield* watch.nextEvent("20 seconds"), 1)
            }),
          { concurrency: 100, discard: true }
        )
        assert.deepStrictEqual(yield* hubStats, { executions: 2, watchers: WATCHERS }, "the hub counts the HTTP watchers")
        yield* Effect.forEach(aborts, (abort) => abort, { discard: true })
        yield* hubEmpty

        // Streams that end on their own: a terminal phase, and a deletion.
        const [done, gone] = executions
        const finishing = yield* Effect.forEach(Array.from({ length: 50 }), (_, i) => Sse.open(urls[i % 2]), { concurrency: 10 })
        for (const watch of finishing) expectExecutionEvent(yield* watch.nextEvent(), 1)
        assert.deepStrictEqual(yield* hubStats, { executions: 2, watchers: 50 })
        yield* patchStatus(done.metadata.id, { phase: "EXECUTION_COMPLETED" })
        expectStatus(yield* TestServer.request("DELETE", executionPath(gone.metadata.id)), 200, "DELETE")
        for (const watch of finishing) {
          const rest = eventsOf(yield* watch.rest())
          assert.strictEqual(rest.length, 1)
          assert.oneOf(rest[0].event, ["execution", "deleted"])
        }
        yield* hubEmpty

        // A 404 watch subscribes to nothing.
        const missing = yield* Sse.connect(yield* watchUrl("wex-00000000000000000000000000"))
        assert.strictEqual(missing.status, 404)
        yield* hubEmpty
      }).pipe(Effect.scoped, Effect.provide(makeServer())), { timeout: 120_000 })
  })

  describe("WorkflowExecutions.watch (in process)", () => {
    it.live("yields the snapshot, each change, and ends after a terminal phase; NotFound for an unknown id", () =>
      Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        const wf = yield* newWorkflow
        const created = yield* executions.create({
          metadata: { ownerScope: "organization", org: "acme" },
          spec: { workflowId: wf }
        })
        const id = created.metadata.id
        const stream = yield* executions.watch(id)
        const queue = yield* Queue.unbounded<WatchEvent>()
        const fiber = yield* Effect.fork(Stream.runForEach(stream, (event) => Queue.offer(queue, event)))
        const take = Queue.take(queue).pipe(Effect.timeout("5 seconds"))

        const first = yield* take
        assert.strictEqual(first._tag, "Updated")
        assert.deepStrictEqual(first.execution, created)

        yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
        const second = yield* take
        assert.strictEqual(second.execution.metadata.version, 2)
        assert.strictEqual(second.execution.status.phase, "EXECUTION_IN_PROGRESS")

        yield* executions.update(id, {
          metadata: { ownerScope: "organization", org: "acme", name: created.metadata.name },
          spec: { triggerMessage: "in process" }
        })
        const third = yield* take
        assert.strictEqual(third.execution.metadata.version, 3)
        assert.strictEqual(third.execution.spec.triggerMessage, "in process")

        yield* executions.updateStatus(id, { phase: "EXECUTION_FAILED", error: "boom" })
        const fourth = yield* take
        assert.strictEqual(fourth.execution.metadata.version, 4)
        assert.strictEqual(fourth.execution.status.error, "boom")
        yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(yield* Queue.size(queue), 0)
        yield* hubEmpty

        // Already terminal: one event. Unknown: NotFound before any stream.
        const again = yield* Stream.runCollect(yield* executions.watch(id))
        assert.deepStrictEqual(Chunk.toReadonlyArray(again).map((e) => e.execution.metadata.version), [4])
        const error = yield* Effect.flip(executions.watch("wex-00000000000000000000000000"))
        assert.strictEqual(error._tag, "NotFound")
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    it.live("a stream run after its execution was deleted yields `Deleted`, not nothing", () =>
      Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        const wf = yield* newWorkflow
        const created = yield* executions.create({ metadata: { ownerScope: "organization", org: "acme" }, spec: { workflowId: wf } })
        const stream = yield* executions.watch(created.metadata.id)
        yield* executions.delete(created.metadata.id)
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(stream).pipe(Effect.timeout("5 seconds")))
        assert.deepStrictEqual(events.map((e) => e._tag), ["Deleted"])
        assert.strictEqual(events[0].execution.metadata.id, created.metadata.id)
        yield* hubEmpty
      }).pipe(Effect.scoped, Effect.provide(makeServer())))

    /**
     * The watcher's snapshot read held at a gate, after it started listening, while the
     * test commits an update: the watcher must neither miss it (it listens before reading
     * the snapshot) nor send it twice (it drops events not newer than the snapshot). A
     * fresh `WorkflowExecutions` over a store whose next execution read, once armed, waits.
     */
    const gatedSnapshot = () => {
      const entered = Deferred.unsafeMake<void>(FiberId.none)
      const release = Deferred.unsafeMake<void>(FiberId.none)
      let armed = false
      const store = Layer.effect(
        ResourceStore.ResourceStore,
        Effect.map(ResourceStore.make, (store) =>
          ResourceStore.ResourceStore.of({
            ...store,
            get: (table, id) => {
              if (!armed || table.kind.kind !== "WorkflowExecution") return store.get(table, id)
              armed = false
              return Effect.zipRight(
                Effect.zipRight(Deferred.succeed(entered, undefined), Deferred.await(release)),
                store.get(table, id)
              )
            }
          }))
      )
      const layer = Layer.fresh(WorkflowExecutions.Default).pipe(
        Layer.provideMerge(store),
        Layer.provideMerge(ServicesLive),
        Layer.provide(TestServer.database(backend))
      )
      return { entered, release, arm: () => (armed = true), layer }
    }

    const consecutiveEndingAt3 = (events: ReadonlyArray<WatchEvent>) => {
      const versions = events.map((e) => e.execution.metadata.version)
      assert.deepStrictEqual(versions, versions.map((_, i) => versions[0] + i), `not consecutive: ${versions.join(",")}`)
      assert.strictEqual(versions.at(-1), 3)
      // The update made while subscribing: in exactly one event (the snapshot, or the next).
      assert.isTrue(versions.includes(2), `version 2 missed: ${versions.join(",")}`)
      assert.deepStrictEqual(events.find((e) => e.execution.metadata.version === 2)!.execution.status.output, {
        during: true
      })
    }

    it.live("an update committed between listening and the snapshot read is sent exactly once", () => {
      const gate = gatedSnapshot()
      return Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        const wf: any = yield* Effect.flatMap(Workflows, (workflows) => workflows.createUnknown(WORKFLOW))
        const created = yield* executions.create({ metadata: { ownerScope: "organization", org: "acme" }, spec: { workflowId: wf.metadata.id } })
        const id = created.metadata.id
        const stream = yield* executions.watch(id)
        gate.arm()
        const fiber = yield* Effect.fork(Stream.runCollect(stream))
        yield* Deferred.await(gate.entered)
        yield* executions.updateStatus(id, { output: { during: true } })
        yield* Deferred.succeed(gate.release, undefined)
        yield* Effect.sleep("50 millis")
        yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
        consecutiveEndingAt3(Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))))
      }).pipe(Effect.provide(gate.layer))
    })

    it.live("an update committed after the existence check but before the stream runs is in the snapshot, once", () =>
      Effect.gen(function*() {
        const executions = yield* WorkflowExecutions
        const wf: any = yield* Effect.flatMap(Workflows, (workflows) => workflows.createUnknown(WORKFLOW))
        const created = yield* executions.create({ metadata: { ownerScope: "organization", org: "acme" }, spec: { workflowId: wf.metadata.id } })
        const id = created.metadata.id
        const stream = yield* executions.watch(id)
        yield* executions.updateStatus(id, { output: { during: true } })
        const fiber = yield* Effect.fork(Stream.runCollect(stream))
        yield* Effect.sleep("50 millis")
        yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
        const events = Chunk.toReadonlyArray(yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds")))
        assert.strictEqual(events[0].execution.metadata.version, 2)
        consecutiveEndingAt3(events)
      }).pipe(Effect.provide(Layer.fresh(WorkflowExecutions.Default).pipe(
        Layer.provideMerge(ServicesLive),
        Layer.provide(TestServer.database(backend))
      ))))
  })
})
