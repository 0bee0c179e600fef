/**
 * Several replicas of the services on one PostgreSQL database (each its own pool, hub
 * and change listener, as separate servers would be): what one commits reaches the
 * watchers and feeds of every other, in order and once; concurrent status updates
 * through different replicas all land; a lost listening connection is reconnected and
 * what committed meanwhile is delivered from the change log. Runs when `WEFT_TEST_PG`
 * names a server (`.ci/run` sets it).
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Migrations, SecretBox, TestDatabase } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { WorkflowInstanceMigrations } from "@weft/workflowinstance"
import { Context, Duration, Effect, Exit, Layer, Queue, Redacted } from "effect"
import {
  ExecutionRunner,
  FeedRetention,
  type FeedItem,
  layerOver,
  type WatchEvent,
  WorkflowExecutionMigrations,
  WorkflowExecutions
} from "../src/index.js"
import { executionBody, workflowBody } from "./fixtures.js"

const sets = [WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations]

/** `n` replicas on one fresh, migrated schema; released (and the schema dropped) with the scope. */
const replicas = (n: number, retention?: number) =>
  Effect.gen(function*() {
    const fresh = yield* TestDatabase.freshSchema(TestDatabase.pgUrl!)
    const database = () => PgClient.layer({ url: Redacted.make(fresh.url) }).pipe(Layer.orDie)
    yield* Effect.provide(Migrations.run(sets), database())
    // One key for every replica, as servers sharing a database share WEFT_SECRET_KEY.
    const key = SecretBox.layer({ current: Buffer.from(SecretBox.generateKey(), "base64") })
    const replica = layerOver(ExecutionRunner.layerNoop).pipe(
      Layer.provide(retention === undefined ? Layer.empty : Layer.succeed(FeedRetention, retention)),
      Layer.provide(key),
      Layer.provideMerge(database())
    )
    return yield* Effect.forEach(Array.from({ length: n }), () => Layer.build(replica))
  })

type Replica = Effect.Effect.Success<ReturnType<typeof replicas>>[number]

const on = <A, E, R>(replica: Replica, effect: Effect.Effect<A, E, R>) =>
  Effect.provide(effect, replica as Context.Context<R>)

/** Bounds a wait for a delivery, so a missing one fails the test instead of hanging it. */
const within = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutFail(effect, { duration: Duration.seconds(20), onTimeout: () => new Error("nothing delivered in 20 s") })

/** A watch of `id` on `replica` into a queue of (event, last). */
const watchOn = (replica: Replica, id: string) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<{ readonly event: WatchEvent; readonly last: boolean }>()
    const stop = yield* on(replica, Effect.flatMap(WorkflowExecutions, (executions) =>
      executions.follow(id, (event, last) => void Queue.unsafeOffer(queue, { event, last }))))
    yield* Effect.addFinalizer(() => Effect.sync(stop))
    return queue
  })

/** The feed of every change on `replica` into a queue. */
const feedOn = (replica: Replica, after?: number) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<FeedItem>()
    const stop = yield* on(replica, Effect.flatMap(WorkflowExecutions, (executions) =>
      executions.feed({}, after, (item) => void Queue.unsafeOffer(queue, item))))
    yield* Effect.addFinalizer(() => Effect.sync(stop))
    return queue
  })

/** Takes watch events until the last one; answers their versions. */
const versionsUntilLast = (queue: Queue.Queue<{ readonly event: WatchEvent; readonly last: boolean }>) =>
  Effect.gen(function*() {
    const versions: Array<number> = []
    while (true) {
      const { event, last } = yield* within(Queue.take(queue))
      versions.push(event.execution.metadata.version)
      if (last) return versions
    }
  })

const takeN = <A>(queue: Queue.Queue<A>, n: number) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    while (items.length < n) items.push(yield* within(Queue.take(queue)))
    return items
  })

const start = (replica: Replica) =>
  on(replica, Effect.gen(function*() {
    const workflow = yield* Effect.flatMap(Workflows, (workflows) => workflows.createUnknown(workflowBody()))
    return yield* Effect.flatMap(WorkflowExecutions, (executions) =>
      executions.createUnknown(executionBody({ workflowId: workflow.metadata.id })))
  }))

const updateOn = (replica: Replica, id: string, body: unknown) =>
  on(replica, Effect.flatMap(WorkflowExecutions, (executions) => executions.updateStatusUnknown(id, body)))

/** The newest sequence number in the change log. */
const newestSeq = (replica: Replica) =>
  on(replica, Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ seq: string }>`SELECT MAX(seq) AS seq FROM workflow_execution_changes`)).pipe(
      Effect.map((rows) => Number(rows[0]!.seq))
    )

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe.runIf(TestDatabase.pgUrl !== undefined)("replicas on one PostgreSQL database", () => {
  it.live("a watcher on A and feeds on B and C see every change made through B and C, once, in order", () =>
    Effect.gen(function*() {
      const [a, b, c] = yield* replicas(3)
      const feedB = yield* feedOn(b!)
      const feedC = yield* feedOn(c!)
      const created = yield* start(a!)
      const id = created.metadata.id
      const watcher = yield* watchOn(a!, id)
      yield* updateOn(b!, id, { phase: "EXECUTION_IN_PROGRESS" })
      for (let i = 0; i < 4; i++) {
        yield* updateOn(i % 2 === 0 ? c! : b!, id, { output: { step: i } })
      }
      yield* updateOn(c!, id, { phase: "EXECUTION_COMPLETED" })
      assert.deepStrictEqual(yield* versionsUntilLast(watcher), range(1, 7))
      for (const feed of [feedB, feedC]) {
        const items = yield* takeN(feed, 7)
        const versions = items.map((item) => item._tag === "Change" ? item.event.execution.metadata.version : -1)
        assert.deepStrictEqual(versions, range(1, 7))
        const seqs = items.map((item) => item.seq)
        assert.deepStrictEqual(seqs, [...seqs].sort((x, y) => x - y))
        assert.strictEqual(new Set(seqs).size, 7)
      }
    }).pipe(Effect.scoped))

  it.live("50 concurrent status updates spread over three replicas: none is lost, each is seen once", () =>
    Effect.gen(function*() {
      const replicaList = yield* replicas(3)
      const created = yield* start(replicaList[0]!)
      const id = created.metadata.id
      const watchers = yield* Effect.forEach(replicaList, (replica) => watchOn(replica, id))
      yield* Effect.forEach(
        range(1, 50),
        (i) => updateOn(replicaList[i % 3]!, id, { tasks: [{ taskId: `t${i}`, taskName: `t${i}` }] }),
        { concurrency: "unbounded", discard: true }
      )
      yield* updateOn(replicaList[1]!, id, { phase: "EXECUTION_COMPLETED" })
      for (const watcher of watchers) assert.deepStrictEqual(yield* versionsUntilLast(watcher), range(1, 52))
      const stored = yield* on(replicaList[2]!, Effect.flatMap(WorkflowExecutions, (executions) => executions.get(id)))
      assert.strictEqual(stored.metadata.version, 52)
    }).pipe(Effect.scoped))

  it.live("a listening connection that is cut is reconnected, and what committed meanwhile is delivered", () =>
    Effect.gen(function*() {
      const [a, b] = yield* replicas(2)
      const created = yield* start(a!)
      const id = created.metadata.id
      const watcher = yield* watchOn(a!, id)
      assert.deepStrictEqual((yield* within(Queue.take(watcher))).event.execution.metadata.version, 1)
      // Cut every change listener of this database (the other tests' reconnect too).
      const cut = yield* on(b!, Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ ok: boolean }>`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE application_name = 'weft-change-listener' AND datname = current_database()`))
      assert.isAbove(cut.length, 0)
      yield* updateOn(b!, id, { phase: "EXECUTION_IN_PROGRESS" })
      yield* updateOn(b!, id, { output: { after: "the cut" } })
      yield* updateOn(b!, id, { phase: "EXECUTION_FAILED" })
      assert.deepStrictEqual(yield* versionsUntilLast(watcher), [2, 3, 4])
    }).pipe(Effect.scoped))

  it.live("a feed resumed across a gap in the sequence (a rolled-back change) is not reset", () =>
    Effect.gen(function*() {
      const [a, b] = yield* replicas(2)
      const created = yield* start(a!)
      const id = created.metadata.id
      const seen = yield* newestSeq(a!)
      // A status update whose transaction rolls back after its change was numbered.
      const rolledBack = yield* on(b!, Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.exit(sql.withTransaction(Effect.zipRight(
          Effect.flatMap(WorkflowExecutions, (executions) => executions.updateStatus(id, { output: { lost: true } })),
          Effect.fail("roll back")
        )))))
      assert.isTrue(Exit.isFailure(rolledBack))
      yield* updateOn(b!, id, { phase: "EXECUTION_IN_PROGRESS" })
      const feed = yield* feedOn(a!, seen)
      const [item] = yield* takeN(feed, 1)
      assert.strictEqual(item!._tag, "Change")
      assert.isAbove(item!.seq, seen + 1, "the rolled-back change's number was skipped")
      if (item!._tag === "Change") assert.strictEqual(item!.event.execution.status.phase, "EXECUTION_IN_PROGRESS")
    }).pipe(Effect.scoped))

  it.live("a feed resumed after a trimmed change is reset, with the newest seq to go on from", () =>
    Effect.gen(function*() {
      const [a] = yield* replicas(1, 5)
      const created = yield* start(a!)
      const id = created.metadata.id
      for (let i = 0; i < 12; i++) yield* updateOn(a!, id, { output: { i } })
      const feed = yield* feedOn(a!, 1)
      const [item] = yield* takeN(feed, 1)
      assert.strictEqual(item!._tag, "Reset")
      assert.strictEqual(item!.seq, yield* newestSeq(a!))
    }).pipe(Effect.scoped))
})
