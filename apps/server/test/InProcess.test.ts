/**
 * weft in another app, without HTTP: a small "other app" composes the kind packages'
 * Layers over its own SqlClient (in-memory SQLite) and its own ExecutionRunner, the way
 * `packages/workflowexecution/README.md` describes, and drives executions from create
 * to COMPLETED through the services. Nothing from `apps/server/src` is used.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { assert, describe, it } from "@effect/vitest"
import { Migrations, ResourceStore, SecretBox } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import {
  ExecutionEvents,
  ExecutionRunner,
  type WatchEvent,
  WorkflowExecution,
  WorkflowExecutionMigrations,
  WorkflowExecutions
} from "@weft/workflowexecution"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Chunk, Context, Effect, Exit, Fiber, Layer, Option, Queue, Stream, TestClock } from "effect"

// ---------------------------------------------------------------------------------------
// The other app
// ---------------------------------------------------------------------------------------

/** What the app's runner was handed: every created execution, in order. */
class Handed extends Context.Tag("other-app/Handed")<Handed, Queue.Queue<WorkflowExecution.WorkflowExecution>>() {}

const HandedLive = Layer.effect(Handed, Queue.unbounded<WorkflowExecution.WorkflowExecution>())

/** The app's runner: it queues the execution for its worker, and records it. */
const RunnerLive = Layer.effect(
  ExecutionRunner.ExecutionRunner,
  Effect.map(Handed, (handed) =>
    ExecutionRunner.ExecutionRunner.of({
      start: (execution) => Queue.offer(handed, execution)
    }))
).pipe(Layer.provideMerge(HandedLive))

/** The app's own database. */
const SqlLive = SqliteClient.layer({ filename: ":memory:" })

/** weft's services, over whatever SqlClient and runner the app provides. */
const WeftLive = WorkflowExecutions.Default.pipe(
  Layer.provideMerge(WorkflowInstances.Default),
  Layer.provideMerge(Workflows.Default),
  Layer.provideMerge(DefaultInstanceProvisionerLive),
  Layer.provideMerge(ExecutionEvents.layerInProcess),
  Layer.provideMerge(ResourceStore.layer),
  // The key secret values (`envSpec`, `runtimeEnv`) are sealed with.
  Layer.provideMerge(SecretBox.layer({ current: Buffer.from(SecretBox.generateKey(), "base64") })),
  // weft's tables, migrated once, before the services are built.
  Layer.provideMerge(Migrations.layer([WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations]))
)

const AppLive = WeftLive.pipe(
  Layer.provideMerge(RunnerLive),
  Layer.provideMerge(SqlLive)
)

const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.provide(effect, AppLive) as Effect.Effect<A, E, never>

const workflowBody = {
  metadata: { name: "Nightly Report", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "reports", name: "nightly", version: "1.0.0" },
    tasks: [
      { name: "collect", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { from: "db" } } },
      { name: "send", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { method: "POST", endpoint: { uri: "https://mail" } } }
    ]
  }
}

const executionBody = (workflowId: string, name?: string) => ({
  metadata: { ownerScope: "organization", org: "acme", ...(name === undefined ? {} : { name }) },
  spec: { workflowId, triggerMessage: "run the nightly report", runtimeEnv: { SMTP_HOST: { value: "mail" } } }
})

/**
 * The app's worker: takes what the runner was handed and reports progress through
 * `updateStatus`, task by task, to COMPLETED.
 */
const work = (execution: WorkflowExecution.WorkflowExecution) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const id = execution.metadata.id
    yield* executions.updateStatus(id, {
      phase: "EXECUTION_IN_PROGRESS",
      temporalWorkflowId: `worker-${id}`,
      tasks: [{ taskId: "collect", taskName: "collect", status: "WORKFLOW_TASK_IN_PROGRESS" }]
    })
    yield* executions.updateStatus(id, {
      tasks: [
        { taskId: "collect", taskName: "collect", status: "WORKFLOW_TASK_COMPLETED", output: { rows: 42 } },
        { taskId: "send", taskName: "send", status: "WORKFLOW_TASK_IN_PROGRESS" }
      ]
    })
    return yield* executions.updateStatus(id, {
      phase: "EXECUTION_COMPLETED",
      tasks: [
        { taskId: "collect", taskName: "collect", status: "WORKFLOW_TASK_COMPLETED", output: { rows: 42 } },
        { taskId: "send", taskName: "send", status: "WORKFLOW_TASK_COMPLETED" }
      ],
      output: { sent: true, rows: 42 }
    })
  })

// ---------------------------------------------------------------------------------------

describe("weft composed in-process by another app (own SqlClient, own runner, no HTTP)", () => {
  it.effect("create → the runner is handed the PENDING execution → IN_PROGRESS → COMPLETED", () =>
    run(Effect.gen(function*() {
      const workflows = yield* Workflows
      const executions = yield* WorkflowExecutions
      const handed = yield* Handed
      yield* TestClock.setTime(Date.UTC(2025, 5, 1, 2, 0, 0))

      const workflow = yield* workflows.createUnknown(workflowBody)
      const created = yield* executions.createUnknown(executionBody(workflow.metadata.id))
      assert.strictEqual(created.metadata.name, "nightly-report-default-20250601-020000")
      assert.strictEqual(created.status.phase, "EXECUTION_PENDING")
      assert.strictEqual(created.spec.workflowInstanceId, workflow.status.defaultInstanceId)

      // The runner was handed exactly the persisted execution, once.
      const given = yield* Queue.takeAll(handed)
      assert.deepStrictEqual(Chunk.toReadonlyArray(given), [created])

      yield* TestClock.adjust("1 second")
      const done = yield* work(created)
      assert.strictEqual(done.status.phase, "EXECUTION_COMPLETED")
      assert.strictEqual(done.metadata.version, 4)
      assert.strictEqual(done.status.startedAt, "2025-06-01T02:00:01.000Z")
      assert.strictEqual(done.status.completedAt, "2025-06-01T02:00:01.000Z")
      assert.strictEqual(done.status.temporalWorkflowId, `worker-${created.metadata.id}`)
      assert.deepStrictEqual(done.status.output, { sent: true, rows: 42 })
      assert.deepStrictEqual(done.status.tasks?.map((t) => t.status), [
        "WORKFLOW_TASK_COMPLETED",
        "WORKFLOW_TASK_COMPLETED"
      ])
      assert.strictEqual(done.status.audit.statusAudit.event, "status_updated")
      assert.deepStrictEqual(done.spec, created.spec)

      // What the services answer is what the app's database holds.
      assert.deepStrictEqual(yield* executions.get(created.metadata.id), done)
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ phase: string; version: number }>`
        SELECT phase, version FROM workflow_executions WHERE id = ${created.metadata.id}`
      assert.deepStrictEqual(rows.map((r) => [r.phase, Number(r.version)]), [["EXECUTION_COMPLETED", 4]])
      const page = yield* executions.list({ pageSize: 10, phase: ["EXECUTION_COMPLETED"] })
      assert.deepStrictEqual(page.entries.map((e) => e.metadata.id), [created.metadata.id])

      // Finished is final.
      const error = yield* Effect.flip(executions.updateStatus(created.metadata.id, { phase: "EXECUTION_IN_PROGRESS" }))
      assert.strictEqual(error._tag, "FailedPrecondition")
      assert.strictEqual(yield* Queue.size(handed), 0)
    })))

  it.effect("a worker fiber drives what the runner queues while the app watches the feed", () =>
    run(Effect.gen(function*() {
      const workflows = yield* Workflows
      const executions = yield* WorkflowExecutions
      const handed = yield* Handed
      const events = yield* ExecutionEvents.ExecutionEvents

      const workflow = yield* workflows.createUnknown(workflowBody)
      const created = yield* executions.createUnknown(executionBody(workflow.metadata.id, "tonight"))

      // Watch first (and wait until subscribed), then let the worker run.
      const watcher = yield* Effect.fork(
        Effect.flatMap(executions.watch(created.metadata.id), Stream.runCollect)
      )
      while ((yield* events.stats).watchers === 0) yield* Effect.yieldNow()
      const worker = yield* Effect.fork(Effect.flatMap(Queue.take(handed), work))

      const done = yield* Fiber.join(worker)
      const feed: ReadonlyArray<WatchEvent> = Chunk.toReadonlyArray(yield* Fiber.join(watcher))
      assert.deepStrictEqual(
        feed.map((e) => [e._tag, e.execution.metadata.version, e.execution.status.phase]),
        [
          ["Updated", 1, "EXECUTION_PENDING"],
          ["Updated", 2, "EXECUTION_IN_PROGRESS"],
          ["Updated", 3, "EXECUTION_IN_PROGRESS"],
          ["Updated", 4, "EXECUTION_COMPLETED"]
        ]
      )
      assert.deepStrictEqual(feed[3].execution, done)
      assert.deepStrictEqual(yield* events.stats, { executions: 0, watchers: 0 })
    })))

  it.effect("the app's own transaction around create: when the app's own step fails, weft keeps nothing", () =>
    run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const workflows = yield* Workflows
      const instances = yield* WorkflowInstances
      const executions = yield* WorkflowExecutions
      const handed = yield* Handed
      yield* sql`CREATE TABLE app_jobs (execution_id TEXT PRIMARY KEY, note TEXT NOT NULL)`

      const workflow = yield* workflows.createUnknown(workflowBody)
      // No default instance: create will make one, inside the app's transaction.
      yield* instances.delete(workflow.status.defaultInstanceId!)
      const bare = yield* workflows.get(workflow.metadata.id)

      const enqueue = (note: string | null) =>
        sql.withTransaction(Effect.gen(function*() {
          const execution = yield* executions.createUnknown(executionBody(workflow.metadata.id, "job"))
          yield* sql`INSERT INTO app_jobs ${sql.insert({ execution_id: execution.metadata.id, note })}`
          return execution
        }))

      // NOT NULL violation in the app's own insert: everything rolls back.
      const failed = yield* Effect.exit(enqueue(null))
      assert.isTrue(Exit.isFailure(failed))
      assert.deepStrictEqual((yield* executions.list({ pageSize: 10 })).entries, [])
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), bare)
      const defaults = yield* instances.list({ pageSize: 10, workflowId: workflow.metadata.id })
      assert.deepStrictEqual(defaults.entries, [])
      // (The runner was handed it inside the transaction: an in-memory runner sees
      // executions that may be rolled back, so real runners read the execution back.)
      const phantom = Chunk.toReadonlyArray(yield* Queue.takeAll(handed))
      assert.strictEqual(phantom.length, 1)
      assert.isTrue(Option.isNone(yield* Effect.option(executions.get(phantom[0].metadata.id))))

      // The same with a note commits all of it.
      const ok = yield* enqueue("from the app")
      const jobs = yield* sql<{ execution_id: string }>`SELECT execution_id FROM app_jobs`
      assert.deepStrictEqual(jobs.map((j) => j.execution_id), [ok.metadata.id])
      assert.strictEqual((yield* workflows.get(workflow.metadata.id)).status.defaultInstanceId, ok.spec.workflowInstanceId)
    })))
})
