/**
 * Several server processes on one PostgreSQL database, the engine on in each (CONTRACT 8):
 * runs started through any replica complete, and when the replica running a run is
 * SIGKILLed during its WAIT, another finishes it; a RUN's parent and child on different
 * replicas: the child's end wakes the parent; a rolling restart (each replica in turn
 * stopped with SIGTERM, drained, started again) under a load of creates and status
 * updates loses no acknowledged write, and the runs under way complete. A local HTTP
 * server counts the calls each run makes, so "no COMPLETED task ran twice" is counted,
 * not inferred.
 *
 * Each test has a database of its own (the shard locks are advisory locks, which
 * PostgreSQL scopes to a database, not to a schema). Runs when `WEFT_TEST_PG` names a
 * server.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Engine } from "@weft/engine"
import { TestDatabase } from "@weft/resource"
import { PgClient } from "@effect/sql-pg"
import { Effect, Fiber, Layer, Option, Redacted, Schedule } from "effect"
import { ServerProcess as Proc } from "@weft/testing"
import { countingServer, createWorkflow, httpCall, isTerminal, json, startRun, taskStatus, until } from "./support/Runs.js"

const pgUrl = TestDatabase.pgUrl

/** A replica: the server on `db` under the runner name `replica-<n>` (on `port`, or a free one). */
const replica = (db: string, n: number, fixedPort?: number) =>
  Effect.gen(function*() {
    const port = fixedPort ?? (yield* Proc.freePort)
    const proc = yield* Proc.spawnServer({
      env: {
        WEFT_PORT: String(port),
        WEFT_DB: db,
        WEFT_LOG_REQUESTS: "false",
        WEFT_RUNNER: "embedded",
        WEFT_RUNNER_ADDRESS: `replica-${n}:${port}`,
        WEFT_SECRET_KEY: Buffer.alloc(32, 7).toString("base64")
      }
    })
    const server = yield* Proc.ready(proc, "120 seconds")
    return { ...server, name: `replica-${n}:${port}` }
  })

/** A run's tasks: a call, a WAIT of `seconds`, a call; each call's path names the run. */
const callWaitCall = (target: string, seconds: number) => [
  httpCall("before", `\${ "${target}/before/" + $workflow.id }`),
  { name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds } },
  httpCall("after", `\${ "${target}/after/" + $workflow.id }`)
]

/**
 * The replica whose runner works the run of `executionId` now: the holder of its
 * shard's advisory lock, by the session's application name (`weft <runner name>`).
 */
const ownerOf = (executionId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly application_name: string }>`
      SELECT a.application_name FROM cluster_messages m
      JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.objsubid = 1 AND l.objid = 1000000 + split_part(m.shard_id, ':', 2)::int
      JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE m.entity_type = 'Workflow/weft-run' AND m.tag = 'run' AND m.payload LIKE ${`%"${executionId}"%`}`).pipe(
      Effect.map((rows) => rows[0]?.application_name.replace(/^weft /, "")),
      Effect.orDie
    )

/** Waits until every shard is held, by `runners` runners. */
const awaitShardsHeldBy = (runners: number) =>
  Engine.shardHolders.pipe(
    Effect.repeat({ schedule: Schedule.spaced("250 millis"), until: (h) => h.runners === runners && h.shards === Engine.shards }),
    Effect.timeoutFail({ duration: "90 seconds", onTimeout: () => new Error(`shards never held by ${runners} runners`) })
  )

/** What the load's clients were told: the creates answered 2xx, and each status update answered 2xx with its version. */
interface Acknowledged {
  readonly created: Array<string>
  readonly statuses: Array<{ readonly id: string; readonly version: number; readonly n: number }>
}

/**
 * One client of the load: until `stop` is set, creates an execution (unnamed) through
 * one replica and sets its output twice through the next two, in turn over `urls`
 * (a replica being restarted refuses or drops some: those are not acknowledged).
 */
const loadClient = (urls: ReadonlyArray<string>, workflowId: string, acked: Acknowledged, stop: { done: boolean }, offset: number) =>
  Effect.gen(function*() {
    let turn = offset
    let n = 0
    // Refused, dropped or answered with an error: not acknowledged. Every request gets an
    // answer, though (a replica starting answers 503): one that never came would stall the load.
    const attempt = <A>(effect: Effect.Effect<A, Error>) => Effect.orElseSucceed(Effect.asSome(effect), () => Option.none<A>())
    while (!stop.done) {
      const created = yield* attempt(startRun(urls[turn++ % urls.length], workflowId))
      if (Option.isNone(created)) continue
      const id = created.value.metadata.id as string
      acked.created.push(id)
      for (let i = 0; i < 2; i++) {
        const mark = ++n * 100 + offset
        const updated = yield* attempt(
          json(`${urls[turn++ % urls.length]}/v1/workflow-executions/${id}/status`, "PATCH", { output: { n: mark } })
        )
        if (Option.isSome(updated)) acked.statuses.push({ id, version: updated.value.metadata.version, n: mark })
      }
    }
  })

/** Every change the database's change log holds, by `<execution id>@<version>`: the documents. */
const changeLog = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly doc: string }>`SELECT doc FROM workflow_execution_changes`).pipe(
    Effect.map((rows) =>
      new Map(rows.map(({ doc }) => {
        const execution = JSON.parse(doc)
        return [`${execution.metadata.id}@${execution.metadata.version}`, execution] as const
      }))
    ),
    Effect.orDie
  )

const cluster = Effect.gen(function*() {
  const db = yield* TestDatabase.freshDatabase(pgUrl!)
  return { db, sql: PgClient.layer({ url: Redacted.make(db), maxConnections: 2 }).pipe(Layer.orDie) }
})

describe.runIf(pgUrl !== undefined)("the engine on replicas of one PostgreSQL database", () => {
  it.live("runs started through any of three replicas complete, each call made once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, sql } = yield* cluster
      const target = yield* countingServer
      const replicas = [yield* replica(db, 1), yield* replica(db, 2), yield* replica(db, 3)]
      yield* Effect.provide(awaitShardsHeldBy(3), sql)
      const workflowId = yield* createWorkflow(replicas[0].url, callWaitCall(target.url, 1), "everywhere")
      const started: Array<{ readonly id: string; readonly via: string }> = []
      for (let i = 0; i < 12; i++) {
        const via = replicas[i % 3]
        started.push({ id: (yield* startRun(via.url, workflowId)).metadata.id, via: via.url })
      }
      for (const { id, via } of started) {
        const ended = yield* until(via, id, isTerminal)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
        assert.strictEqual(target.counts.get(`/before/${id}`), 1, `${id}: before`)
        assert.strictEqual(target.counts.get(`/after/${id}`), 1, `${id}: after`)
      }
    })), 240_000)

  it.live("the replica running a run is SIGKILLed during its WAIT: another finishes it, no COMPLETED call made twice, the WAIT kept its time", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, sql } = yield* cluster
      const target = yield* countingServer
      const replicas = [yield* replica(db, 1), yield* replica(db, 2)]
      yield* Effect.provide(awaitShardsHeldBy(2), sql)
      const workflowId = yield* createWorkflow(replicas[0].url, callWaitCall(target.url, 5), "failover")
      const ids: Array<string> = []
      for (let i = 0; i < 6; i++) ids.push((yield* startRun(replicas[i % 2].url, workflowId)).metadata.id)
      for (const id of ids) yield* until(replicas[0].url, id, (e) => taskStatus(e, "pause") === "WORKFLOW_TASK_IN_PROGRESS")

      const owner = yield* Effect.provide(ownerOf(ids[0]), sql)
      const victim = replicas.find((r) => r.name === owner)
      assert.isDefined(victim, `the run's owner ${owner} is one of the replicas`)
      const survivor = replicas.find((r) => r !== victim)!
      yield* victim!.kill("SIGKILL")
      assert.strictEqual((yield* victim!.waitExit("10 seconds")).signal, "SIGKILL")
      assert.isUndefined(target.counts.get(`/after/${ids[0]}`), "killed before the WAIT ended")

      for (const id of ids) {
        const ended = yield* until(survivor.url, id, isTerminal).pipe(Effect.timeout("120 seconds"))
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
        assert.strictEqual(target.counts.get(`/before/${id}`), 1, `${id}: the COMPLETED call was not made again`)
        assert.strictEqual(target.counts.get(`/after/${id}`), 1, `${id}: after`)
        const pause = ended.status.tasks.find((t: any) => t.taskName === "pause")
        assert.isAtLeast(Date.parse(pause.completedAt) - Date.parse(pause.startedAt), 5000, "the WAIT was not shortened")
      }
    })), 300_000)

  it.live("a rolling restart under load (each replica SIGTERMed, drained, started again): no acknowledged write lost, the runs under way complete", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, sql } = yield* cluster
      const target = yield* countingServer
      let replicas = [yield* replica(db, 1), yield* replica(db, 2), yield* replica(db, 3)]
      yield* Effect.provide(awaitShardsHeldBy(3), sql)
      const urls = replicas.map((r) => r.url) // the same ports after each restart
      // The runs the engine works through the restarts: a call, a 3 s WAIT, a call.
      const runsWorkflow = yield* createWorkflow(urls[0], callWaitCall(target.url, 3), "rolling")
      const runs: Array<string> = []
      for (let i = 0; i < 9; i++) runs.push((yield* startRun(urls[i % 3], runsWorkflow)).metadata.id)
      // The load's executions wait for a signal that never comes: only the clients change their status.
      const loadWorkflow = yield* createWorkflow(urls[0], [
        { name: "hold", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "never" }] } } }
      ], "load")
      const acked: Acknowledged = { created: [], statuses: [] }
      const stop = { done: false }
      const clients = yield* Effect.forkScoped(Effect.all(
        [0, 1, 2, 3].map((offset) => loadClient(urls, loadWorkflow, acked, stop, offset)),
        { concurrency: "unbounded" }
      ))

      for (const [i, old] of replicas.entries()) {
        const before = acked.statuses.length
        yield* old.kill("SIGTERM")
        const exited = yield* old.waitExit("60 seconds")
        assert.deepStrictEqual(exited, { code: 0, signal: null }, `replica ${i + 1} drained and exited cleanly`)
        const restarted = yield* replica(db, i + 1, old.port)
        replicas = replicas.map((r) => (r === old ? restarted : r))
        yield* Effect.provide(awaitShardsHeldBy(3), sql)
        // The load went on through this restart.
        yield* Effect.repeat(Effect.sync(() => acked.statuses.length), {
          schedule: Schedule.spaced("100 millis"),
          until: (count) => count >= before + 6
        }).pipe(Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("the load stalled") }))
      }
      stop.done = true
      yield* Fiber.join(clients)

      assert.isAbove(acked.created.length, 0)
      for (const id of acked.created) {
        const found = yield* Proc.get(`${urls[0]}/v1/workflow-executions/${id}`)
        assert.strictEqual(found.status, 200, `acknowledged create ${id} is there`)
      }
      const log = yield* Effect.provide(changeLog, sql)
      for (const { id, n, version } of acked.statuses) {
        const change = log.get(`${id}@${version}`)
        assert.isDefined(change, `acknowledged status update ${id} version ${version} is in the change log`)
        assert.deepStrictEqual(change.status.output, { n }, `${id} version ${version} holds the update acknowledged`)
      }
      for (const id of runs) {
        const ended = yield* until(urls[1], id, isTerminal).pipe(Effect.timeout("120 seconds"))
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
        // A call under way when its replica stopped is made again by the next: at least once.
        assert.isAtLeast(target.counts.get(`/after/${id}`) ?? 0, 1, `${id}: after`)
      }
    })), 600_000)

  it.live("RUN across replicas: each parent takes its child's output, wherever each of them runs; one child per parent, its call made once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { db, sql } = yield* cluster
      const target = yield* countingServer
      const replicas = [yield* replica(db, 1), yield* replica(db, 2)]
      yield* Effect.provide(awaitShardsHeldBy(2), sql)
      yield* createWorkflow(replicas[0].url, [
        httpCall("call", `\${ "${target.url}/child/" + $workflow.id }`),
        { name: "gate", kind: "WORKFLOW_TASK_KIND_LISTEN", taskConfig: { to: { mode: "one", signals: [{ id: "go" }] } } },
        { name: "answer", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { child: "${ $workflow.id }" } } }
      ], "leaf")
      const parentWorkflow = yield* createWorkflow(replicas[0].url, [
        { name: "child", kind: "WORKFLOW_TASK_KIND_RUN", taskConfig: { workflow: "leaf" } },
        { name: "done", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { done: true } } }
      ], "parent")
      const parents: Array<string> = []
      for (let i = 0; i < 12; i++) parents.push((yield* startRun(replicas[i % 2].url, parentWorkflow)).metadata.id)
      const children: Array<string> = []
      for (const id of parents) {
        const waiting = yield* until(replicas[0].url, id, (e) =>
          e.status.tasks?.find((t: any) => t.taskName === "child")?.metadata?.childExecutionId !== undefined)
        const childId = waiting.status.tasks.find((t: any) => t.taskName === "child").metadata.childExecutionId as string
        yield* until(replicas[1].url, childId, (e) => taskStatus(e, "gate") === "WORKFLOW_TASK_IN_PROGRESS")
        children.push(childId)
      }
      // While both wait, their runs' journals name the replica working each: some pairs are split.
      const owners = yield* Effect.provide(
        Effect.forEach(parents, (id, i) => Effect.all([ownerOf(id), ownerOf(children[i])])),
        sql
      )
      assert.isTrue(owners.some(([parent, child]) => parent !== undefined && child !== undefined && parent !== child), JSON.stringify(owners))
      for (const [i, childId] of children.entries()) {
        yield* json(`${replicas[i % 2].url}/v1/workflow-executions/${childId}/signals`, "POST", { id: "go", data: {} })
      }
      for (const [i, id] of parents.entries()) {
        const ended = yield* until(replicas[(i + 1) % 2].url, id, isTerminal)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
        assert.deepStrictEqual(ended.status.output, { child: children[i], done: true })
        assert.strictEqual(target.counts.get(`/child/${children[i]}`), 1, `${children[i]}: its call`)
        const listed = yield* json(
          `${replicas[0].url}/v1/workflow-executions?labelSelector=${encodeURIComponent(`weft/parent-execution=${id}`)}`
        )
        assert.deepStrictEqual(listed.entries.map((e: any) => e.metadata.id), [children[i]])
      }
    })), 300_000)
})
