/**
 * Several server processes on one PostgreSQL database, the engine on in each (CONTRACT 8):
 * runs started through any replica complete, and when the replica running a run is
 * SIGKILLed during its WAIT, another finishes it; a RUN's parent and child on different
 * replicas: the child's end wakes the parent. A local HTTP server counts the calls
 * each run makes, so "no COMPLETED task ran twice" is counted, not inferred.
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
import { Effect, Layer, Redacted, Schedule } from "effect"
import { ServerProcess as Proc } from "@weft/testing"
import { countingServer, createWorkflow, httpCall, isTerminal, json, startRun, taskStatus, until } from "./support/Runs.js"

const pgUrl = TestDatabase.pgUrl

/** A replica: the server on `db` under the runner name `replica-<n>`. */
const replica = (db: string, n: number) =>
  Effect.gen(function*() {
    const port = yield* Proc.freePort
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
