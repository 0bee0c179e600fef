/**
 * `feed()`, the feed of every change, against real server processes: events in order
 * with their sequence numbers, resuming with Last-Event-ID after a dropped connection
 * and across a server restart, reset, the errors that end it, many clients at once, and
 * the Promise facade's async iterator.
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { FetchHttpClient } from "@effect/platform"
import type { Workflow } from "@weft/workflow"
import { Effect, Exit, Fiber, Queue, Schedule, Scope, Stream } from "effect"
import { createWeftClient, type FeedEvent, InvalidArgument, WeftClient } from "../src/index.js"
import * as Proxy from "./support/Proxy.js"
import { ServerProcess } from "@weft/testing"

const clientOf = (baseUrl: string) => WeftClient.make({ baseUrl }).pipe(Effect.provide(FetchHttpClient.layer))

const workflowInput = (name: string): Workflow.WorkflowInput => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "acme", name, version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
})

let counter = 0
const newWorkflow = (weft: WeftClient.WeftClientShape) =>
  Effect.map(
    weft.workflows.create({ payload: workflowInput(`feed-${Date.now().toString(36)}-${counter++}`) }),
    (workflow) => workflow.metadata.id
  )

const newExecution = (weft: WeftClient.WeftClientShape, workflowId: string) =>
  weft.workflowExecutions.create({
    payload: { metadata: { ownerScope: "organization", org: "acme" }, spec: { workflowId } },
    headers: {}
  })

const setPhase = (weft: WeftClient.WeftClientShape, id: string, phase: "EXECUTION_IN_PROGRESS" | "EXECUTION_COMPLETED") =>
  weft.workflowExecutions.updateStatus({ path: { id }, payload: { phase }, headers: {} })

/** Follows a feed in a fiber, its events into a queue the test takes them from. */
const follow = (weft: WeftClient.WeftClientShape, options: WeftClient.FeedOptions) =>
  Effect.gen(function*() {
    const events = yield* Queue.unbounded<FeedEvent.FeedEvent>()
    const fiber = yield* weft.feed(options).pipe(
      Stream.runForEach((event) => Queue.offer(events, event)),
      Effect.forkScoped
    )
    return { take: Queue.take(events), fiber }
  })

const describeEvent = (event: FeedEvent.FeedEvent) =>
  event._tag === "Connected"
    ? `Connected after ${event.after}`
    : event._tag === "Reset"
    ? `Reset ${event.seq}`
    : `${event._tag} ${event.execution.metadata.id} ${event.execution.status.phase}`

const fast = Schedule.spaced("20 millis")

/**
 * A feed of a new workflow's changes through a proxy (to cut it), having seen the
 * creation of one execution; `weft` talks to the server directly.
 */
const followThroughProxy = (url: string) =>
  Effect.gen(function*() {
    const proxy = yield* Proxy.make(url)
    const weft = yield* clientOf(url)
    const workflowId = yield* newWorkflow(weft)
    const feed = yield* follow(yield* clientOf(proxy.url), { workflowId, retry: fast })
    assert.strictEqual((yield* feed.take)._tag, "Connected")
    const { metadata: { id } } = yield* newExecution(weft, workflowId)
    const seen = (yield* feed.take) as FeedEvent.Execution
    assert.strictEqual(describeEvent(seen), `Execution ${id} EXECUTION_PENDING`)
    return { proxy, weft, feed, id, seen }
  })

// The live clock: reconnecting waits out real backoff delays.
layer(ServerProcess.layer(), { timeout: "60 seconds", excludeTestServices: true })("feed", (it) => {
  it.scoped("Connected, then every change of a matching execution in order, seq growing; Deleted with the last state", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const weft = yield* clientOf(server.url)
      const workflowId = yield* newWorkflow(weft)
      const other = yield* newWorkflow(weft)
      const feed = yield* follow(weft, { workflowId })
      assert.deepStrictEqual(yield* feed.take, { _tag: "Connected", after: undefined })

      yield* newExecution(weft, other) // filtered out
      const created = yield* newExecution(weft, workflowId)
      const id = created.metadata.id
      yield* setPhase(weft, id, "EXECUTION_IN_PROGRESS")
      const done = yield* setPhase(weft, id, "EXECUTION_COMPLETED")
      yield* weft.workflowExecutions.delete({ path: { id }, headers: {} })

      const got = [yield* feed.take, yield* feed.take, yield* feed.take, yield* feed.take]
      assert.deepStrictEqual(got.map(describeEvent), [
        `Execution ${id} EXECUTION_PENDING`,
        `Execution ${id} EXECUTION_IN_PROGRESS`,
        `Execution ${id} EXECUTION_COMPLETED`,
        `Deleted ${id} EXECUTION_COMPLETED`
      ])
      const seqs = got.map((event) => (event as FeedEvent.Execution).seq)
      assert.deepStrictEqual(seqs, [...seqs].sort((a, b) => a - b))
      assert.strictEqual(new Set(seqs).size, 4)
      assert.deepStrictEqual((got[0] as FeedEvent.Execution).execution, created)
      assert.deepStrictEqual((got[3] as FeedEvent.Deleted).execution, done)

      // `after` resumes from the log: the same changes again, from the second on.
      const again = yield* follow(weft, { workflowId, after: seqs[0] })
      assert.deepStrictEqual(yield* again.take, { _tag: "Connected", after: seqs[0] })
      const replayed = [yield* again.take, yield* again.take, yield* again.take]
      assert.deepStrictEqual(replayed, got.slice(1))
    }), 120_000)

  it.scoped("a dropped connection is opened again with Last-Event-ID: the changes made meanwhile arrive once, in order", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const { feed, id, proxy, seen, weft } = yield* followThroughProxy(server.url)

      yield* proxy.down
      yield* setPhase(weft, id, "EXECUTION_IN_PROGRESS")
      yield* setPhase(weft, id, "EXECUTION_COMPLETED")
      yield* proxy.up
      assert.deepStrictEqual(yield* feed.take, { _tag: "Connected", after: seen.seq })
      const missed = [yield* feed.take, yield* feed.take]
      assert.deepStrictEqual(missed.map(describeEvent), [
        `Execution ${id} EXECUTION_IN_PROGRESS`,
        `Execution ${id} EXECUTION_COMPLETED`
      ])
      yield* weft.workflowExecutions.delete({ path: { id }, headers: {} })
      const live = (yield* feed.take) as FeedEvent.Deleted
      assert.strictEqual(live._tag, "Deleted")
      assert.isTrue(live.seq > (missed[1] as FeedEvent.Execution).seq)
    }), 120_000)

  it.scoped("an id newer than every change gets Reset with the newest seq, then live changes after it", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const weft = yield* clientOf(server.url)
      const workflowId = yield* newWorkflow(weft)
      const created = yield* newExecution(weft, workflowId)
      const future = 1_000_000_000_000
      const feed = yield* follow(weft, { after: future })
      assert.deepStrictEqual(yield* feed.take, { _tag: "Connected", after: future })
      const reset = (yield* feed.take) as FeedEvent.Reset
      assert.strictEqual(reset._tag, "Reset")
      assert.isTrue(reset.seq > 0 && reset.seq < future)
      yield* setPhase(weft, created.metadata.id, "EXECUTION_IN_PROGRESS")
      const next = (yield* feed.take) as FeedEvent.Execution
      assert.strictEqual(next.execution.metadata.id, created.metadata.id)
      assert.isTrue(next.seq > reset.seq)
    }), 120_000)

  it.scoped("an answer a retry would not change ends it at once: InvalidArgument, one connection", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const proxy = yield* Proxy.make(server.url)
      const weft = yield* clientOf(proxy.url)
      const error = yield* weft.feed({ after: 1.5, retry: fast }).pipe(Stream.runDrain, Effect.flip)
      assert.instanceOf(error, InvalidArgument)
      assert.include((error as InvalidArgument).message, "Last-Event-ID")
      assert.strictEqual(proxy.connections(), 1)
    }), 120_000)

  it.scoped("an unreachable server: retried by the schedule, then the transport error", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const proxy = yield* Proxy.make(server.url)
      yield* proxy.down
      const weft = yield* clientOf(proxy.url)
      const error = yield* weft.feed({ retry: Schedule.recurs(2) }).pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(proxy.connections(), 3)
    }), 120_000)

  it.scoped("100 clients each see every change, in order", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const weft = yield* clientOf(server.url)
      const workflowId = yield* newWorkflow(weft)
      const feeds = yield* Effect.forEach(Array.from({ length: 100 }), () => follow(weft, { workflowId }))
      yield* Effect.forEach(feeds, (feed) => feed.take)
      const made: Array<string> = []
      for (let i = 0; i < 10; i++) {
        const { metadata: { id } } = yield* newExecution(weft, workflowId)
        yield* setPhase(weft, id, "EXECUTION_IN_PROGRESS")
        made.push(`Execution ${id} EXECUTION_PENDING`, `Execution ${id} EXECUTION_IN_PROGRESS`)
      }
      const seen = yield* Effect.forEach(feeds, (feed) => Effect.forEach(made, () => feed.take))
      const reference = seen[0].map((event) => (event as FeedEvent.Execution).seq)
      assert.deepStrictEqual(reference, [...reference].sort((a, b) => a - b))
      for (const events of seen) {
        assert.deepStrictEqual(events.map(describeEvent), made)
        assert.deepStrictEqual(events.map((event) => (event as FeedEvent.Execution).seq), reference)
      }
      yield* Effect.forEach(feeds, (feed) => Fiber.interrupt(feed.fiber))
    }), 180_000)

  it.scoped("Promise facade: feed is an async iterator; break closes it", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const weft = yield* clientOf(server.url)
      const workflowId = yield* newWorkflow(weft)
      const got = yield* Effect.promise(async () => {
        const client = createWeftClient({ baseUrl: server.url })
        const events: Array<string> = []
        try {
          for await (const event of client.workflowExecutions.feed({ workflowId })) {
            events.push(event._tag)
            if (event._tag === "Connected") {
              const execution = await client.workflowExecutions.create({
                metadata: { ownerScope: "identity_account" },
                spec: { workflowId }
              })
              await client.workflowExecutions.updateStatus(execution.metadata.id, { phase: "EXECUTION_CANCELLED" })
            }
            if (events.length === 3) break
          }
        } finally {
          await client.close()
        }
        return events
      })
      assert.deepStrictEqual(got, ["Connected", "Execution", "Execution"])
    }), 120_000)
})

describe("feed and a restarted server", () => {
  it.scopedLive("across a server restart on the same database file, it picks up where it left off", () =>
    Effect.gen(function*() {
      const dir = yield* ServerProcess.tempDir
      const port = yield* ServerProcess.freePort
      const firstLife = yield* Scope.make()
      const server = yield* ServerProcess.startFresh({ dir, port }).pipe(Scope.extend(firstLife))
      // The restarted server listens on the same URL.
      const { feed, id, proxy, seen, weft } = yield* followThroughProxy(server.url)

      // Missed: one change before the crash, one after the restart.
      yield* proxy.down
      yield* setPhase(weft, id, "EXECUTION_IN_PROGRESS")
      yield* Scope.close(firstLife, Exit.void) // SIGKILL
      yield* ServerProcess.startFresh({ dir, port })
      yield* setPhase(weft, id, "EXECUTION_COMPLETED")
      yield* proxy.up

      assert.deepStrictEqual(yield* feed.take, { _tag: "Connected", after: seen.seq })
      const missed = [(yield* feed.take) as FeedEvent.Execution, (yield* feed.take) as FeedEvent.Execution]
      assert.deepStrictEqual(missed.map(describeEvent), [
        `Execution ${id} EXECUTION_IN_PROGRESS`,
        `Execution ${id} EXECUTION_COMPLETED`
      ])
      assert.isTrue(seen.seq < missed[0].seq && missed[0].seq < missed[1].seq, "sequence numbers keep growing")
      yield* weft.workflowExecutions.delete({ path: { id }, headers: {} })
      assert.strictEqual(describeEvent(yield* feed.take), `Deleted ${id} EXECUTION_COMPLETED`)
    }), 300_000) // two server starts, each up to 120 s on a loaded machine
})
