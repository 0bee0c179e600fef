/**
 * The durable substrate with several runners on one PostgreSQL database, in one process
 * (each runner with its own pool, as separate servers have): runs spread over the
 * runners and complete; runners joining and leaving while runs have messages pending
 * (timers, the runs' own messages) lose none and run no activity twice, and storage is
 * still consumed afterwards (Effect-TS/effect#6248 reports SQL message storage left
 * unconsumed after a runner change). Killing a server outright is tested with processes
 * in apps/server. Runs when `WEFT_TEST_PG` names a server; each test on a database of
 * its own (shard locks and notifications are scoped to a database, not a schema).
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Activity, DurableClock, Workflow } from "@effect/workflow"
import { TestDatabase } from "@weft/resource"
import { Deferred, Duration, Effect, Exit, Layer, Redacted, Schedule, Schema, Scope } from "effect"
import * as Wakeups from "../src/internal/clusterWakeups.js"
import * as Cluster from "../src/internal/runtimeCluster.js"

/** A client on the database at `url`, each its own pool, as a separate server has. */
const client = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 8 }).pipe(Layer.orDie)

const Replicated = Workflow.make({
  name: "replicated",
  payload: { id: Schema.String },
  idempotencyKey: ({ id }) => id
})

/** What the runs did, across every runner of the test. */
interface Ledger {
  /** Times each activity ran, by `<run>/<activity>`. */
  readonly runs: Map<string, number>
  /** Runners that ran an activity. */
  readonly runners: Set<string>
  readonly finished: Set<string>
  /** The runs started so far. */
  readonly expected: Set<string>
  /** Done once every expected run has finished; replaced when more runs are started after that. */
  all: Deferred.Deferred<void>
}

const makeLedger = Effect.map(Deferred.make<void>(), (all): Ledger => ({
  runs: new Map(),
  runners: new Set(),
  finished: new Set(),
  expected: new Set(),
  all
}))

const record = (ledger: Ledger, runner: string, id: string, step: string) =>
  Effect.sync(() => {
    const key = `${id}/${step}`
    ledger.runs.set(key, (ledger.runs.get(key) ?? 0) + 1)
    ledger.runners.add(runner)
    if (step !== "after") return
    ledger.finished.add(id)
    if ([...ledger.expected].every((run) => ledger.finished.has(run))) Deferred.unsafeDone(ledger.all, Exit.void)
  })

/** Each run: an activity, a durable pause, another activity. */
const body = (ledger: Ledger, runner: string, pause: Duration.Duration) => ({ id }: { readonly id: string }) =>
  Effect.gen(function*() {
    yield* Activity.make({ name: "before", execute: record(ledger, runner, id, "before") })
    if (Duration.greaterThan(pause, Duration.zero)) {
      yield* DurableClock.sleep({ name: "pause", duration: pause, inMemoryThreshold: Duration.zero })
    }
    yield* Activity.make({ name: "after", execute: record(ledger, runner, id, "after") })
  })

/**
 * A runner named `name` on the database `url`, in its own scope (closing it is the
 * runner leaving), reading storage every `pollInterval` unless woken.
 */
const startRunner = (url: string, name: string, ledger: Ledger, pause: Duration.Duration, pollInterval: Duration.Duration) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const layer = Replicated.toLayer(body(ledger, name, pause)).pipe(
      Layer.provideMerge(Cluster.sharding({ pollInterval, runnerAddress: { host: name, port: 1 } })),
      Layer.provide(client(url))
    )
    const context = yield* Layer.buildWithScope(layer, scope)
    return { context, leave: Scope.close(scope, Exit.void) }
  })

type Runner = Effect.Effect.Success<ReturnType<typeof startRunner>>

const startRuns = (runner: Runner, ledger: Ledger, ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    // Runs started after the earlier ones all finished need a latch of their own.
    if (yield* Deferred.isDone(ledger.all)) ledger.all = yield* Deferred.make<void>()
    for (const id of ids) ledger.expected.add(id)
  }).pipe(
    Effect.zipRight(Effect.forEach(ids, (id) => Replicated.execute({ id }, { discard: true }), { discard: true })),
    Effect.provide(runner.context)
  )

/** Waits until every shard is held, by `sessions` sessions. */
const awaitShardsHeldBy = (url: string, sessions: number) =>
  Effect.scoped(Cluster.shardHolders.pipe(Effect.provide(client(url)))).pipe(
    Effect.repeat({
      schedule: Schedule.spaced("200 millis"),
      until: (held) => held.runners === sessions && held.shards === Cluster.shardsPerGroup
    }),
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`shards never held by ${sessions} runner(s)`) })
  )

const awaitAll = (ledger: Ledger, within: Duration.DurationInput = "90 seconds") =>
  Deferred.await(ledger.all).pipe(
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`${ledger.finished.size} of ${ledger.expected.size} runs finished`)
    })
  )

const assertEachActivityOnce = (ledger: Ledger, ids: ReadonlyArray<string>) => {
  for (const id of ids) {
    assert.strictEqual(ledger.runs.get(`${id}/before`), 1, `${id}/before`)
    assert.strictEqual(ledger.runs.get(`${id}/after`), 1, `${id}/after`)
  }
}

/** A fresh database and a ledger; `runner(name)` starts a runner on them whose runs pause for `pause`. */
const cluster = (pause: Duration.Duration, pollInterval = Duration.millis(200)) =>
  Effect.gen(function*() {
    const url = yield* TestDatabase.freshDatabase(TestDatabase.pgUrl!)
    const ledger = yield* makeLedger
    return { url, ledger, runner: (name: string) => startRunner(url, name, ledger, pause, pollInterval) }
  })

/**
 * Runners `a` and `b` each holding shards; `n` runs started through each: all complete
 * within `within`, each activity once, and both runners ran some.
 */
const throughBoth = (
  { ledger, runner, url }: Effect.Effect.Success<ReturnType<typeof cluster>>,
  n: number,
  within: Duration.DurationInput
) =>
  Effect.gen(function*() {
    const a = yield* runner("a")
    const b = yield* runner("b")
    yield* awaitShardsHeldBy(url, 2)
    const viaA = ids("via-a", n)
    const viaB = ids("via-b", n)
    yield* startRuns(a, ledger, viaA)
    yield* startRuns(b, ledger, viaB)
    yield* awaitAll(ledger, within)
    assertEachActivityOnce(ledger, [...viaA, ...viaB])
    assert.deepStrictEqual([...ledger.runners].sort(), ["a", "b"])
    yield* b.leave
    yield* a.leave
  })

/** The runners' wake-up sessions on the database at `url`: their backends' pids. */
const wakeupSessions = (url: string) =>
  Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity
      WHERE application_name = ${Wakeups.applicationName} AND datname = current_database()`.pipe(
      Effect.map((rows) => rows.map((row) => row.pid))
    )).pipe(Effect.provide(client(url)), Effect.orDie))

/** Ends the runners' wake-up sessions on the database at `url`; answers their pids. */
const cutWakeupSessions = (url: string) =>
  Effect.scoped(Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly pid: number; readonly ended: boolean }>`SELECT pid, pg_terminate_backend(pid) AS ended
      FROM pg_stat_activity WHERE application_name = ${Wakeups.applicationName} AND datname = current_database()`.pipe(
      Effect.map((rows) => rows.filter((row) => row.ended).map((row) => row.pid))
    )).pipe(
      Effect.provide(client(url)),
      Effect.orDie
    ))

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

describe.runIf(TestDatabase.pgUrl !== undefined)("runners on one PostgreSQL database", () => {
  it.live("runs started on either runner are spread over both and complete, each activity once", () =>
    Effect.scoped(Effect.flatMap(cluster(Duration.millis(500)), (c) => throughBoth(c, 20, "90 seconds"))), 120_000)

  it.live("a runner joins, then one leaves, while runs wait on timers: none is lost, no activity runs twice, new runs still complete", () =>
    Effect.scoped(Effect.gen(function*() {
      const { ledger, runner, url } = yield* cluster(Duration.seconds(6))
      const a = yield* runner("a")
      yield* awaitShardsHeldBy(url, 1)
      const first = ids("first", 24)
      yield* startRuns(a, ledger, first)
      // Every run has run its first activity and waits on its timer: messages are pending.
      yield* Effect.repeat(Effect.sync(() => first.every((id) => ledger.runs.has(`${id}/before`))), {
        schedule: Schedule.spaced("50 millis"),
        until: (all) => all
      })
      const b = yield* runner("b")
      yield* awaitShardsHeldBy(url, 2)
      yield* a.leave
      yield* awaitShardsHeldBy(url, 1)
      // After the changes, storage is still consumed: new runs started on the runner left complete.
      const later = ids("later", 8)
      yield* startRuns(b, ledger, later)
      yield* awaitAll(ledger)
      assertEachActivityOnce(ledger, [...first, ...later])
      yield* b.leave
    })), 150_000)

  it.live("a run started through a runner that does not own it is woken at once, not at the owner's next poll", () =>
    // Storage is read every 10 minutes: only the wake-ups can get half of these runs going.
    Effect.scoped(Effect.flatMap(cluster(Duration.zero, Duration.minutes(10)), (c) => throughBoth(c, 16, "60 seconds"))),
    120_000)

  it.live("a runner whose wake-up session is cut listens again: runs started through a non-owner are still woken at once", () =>
    // Storage is read every 10 minutes: a runner that stopped listening would leave its runs waiting.
    Effect.scoped(Effect.gen(function*() {
      const c = yield* cluster(Duration.zero, Duration.minutes(10))
      const a = yield* c.runner("a")
      const b = yield* c.runner("b")
      yield* awaitShardsHeldBy(c.url, 2)
      const cut = yield* cutWakeupSessions(c.url)
      assert.lengthOf(cut, 2)
      // Both runners listen again, on new sessions.
      yield* wakeupSessions(c.url).pipe(
        Effect.repeat({
          schedule: Schedule.spaced("100 millis"),
          until: (pids) => pids.length === 2 && pids.every((pid) => !cut.includes(pid))
        }),
        Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("the wake-up sessions were not opened again") })
      )
      const viaA = ids("via-a", 16)
      const viaB = ids("via-b", 16)
      yield* startRuns(a, c.ledger, viaA)
      yield* startRuns(b, c.ledger, viaB)
      yield* awaitAll(c.ledger, "60 seconds")
      assertEachActivityOnce(c.ledger, [...viaA, ...viaB])
      assert.deepStrictEqual([...c.ledger.runners].sort(), ["a", "b"])
      yield* b.leave
      yield* a.leave
    })), 120_000)
})
