/**
 * LISTEN on the durable engine with the real interpreter: signals sent after and before
 * the LISTEN waits, each taken once and oldest first, `all` mode, the timeout, and
 * restarts between the signal and the LISTEN (neither the signal nor the wait is lost).
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Schedule } from "effect"
import { tempDatabase, withEngine, withoutEngine } from "./support/Layers.js"
import { awaitRunning, awaitState, ended, realInterpreter, startRun, t, taskStatus } from "./support/RealEngine.js"

const listen = (
  name: string,
  mode: "one" | "all",
  ids: ReadonlyArray<string>,
  config: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => t(name, "LISTEN", { to: { mode, signals: ids.map((id) => ({ id, type: "signal" })) }, ...config }, extra)

const send = (executionId: string, id: string, data?: unknown) =>
  Effect.flatMap(WorkflowExecutions, (executions) => executions.signal(executionId, { id, data }))

/** The attempt the LISTEN at `key` waits in (the n of its deferred `<key>/signal/<n>`), 0 when it does not wait. */
const waitingAttempt = (key: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly deferred: string }>`SELECT deferred FROM engine_waits WHERE waiter = ${key}`).pipe(
      Effect.map((rows) => rows.length === 0 ? 0 : Number(rows[0].deferred.split("/").at(-1))),
      Effect.orDie
    )

/**
 * Waits until the LISTEN at `key` has looked again since now and waits again. SQLite
 * runs one transaction at a time, so a look registered after this call started began
 * after everything committed before it.
 */
const awaitLookedAgain = (key: string) =>
  Effect.flatMap(waitingAttempt(key), (before) =>
    waitingAttempt(key).pipe(Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (n) => n > before })))

describe.each(TestDatabase.backends)("the durable engine on %s", (backend) => {
  describe("LISTEN and signals on the durable engine", () => {
    it.live("a signal sent while the LISTEN waits is its output; one sent before the LISTEN is kept for it", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([
            listen("approval", "one", ["approved", "rejected"]),
            t("note", "SET", { variables: { by: "${ .by }" } }),
            listen("second", "one", ["later"]),
            t("done", "SET", { variables: { second: "${ . }" } })
          ])
          const id = created.metadata.id
          yield* awaitRunning(id, "approval")
          // "later" is sent before the LISTEN that wants it runs: it is kept.
          assert.deepStrictEqual(yield* send(id, "later", "kept"), { accepted: true })
          yield* send(id, "approved", { by: "ada" })
          return yield* awaitState(id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        const approval = result.status.tasks?.find((e) => e.taskId === "approval")
        assert.strictEqual(approval?.taskType, "WORKFLOW_TASK_APPROVAL")
        assert.deepStrictEqual(approval?.output, { by: "ada" })
        assert.deepStrictEqual(result.status.tasks?.find((e) => e.taskId === "second")?.output, { value: "kept" })
        assert.deepStrictEqual(result.status.output, { second: "kept" })
      })), 120_000)

    it.live("each signal is taken once, oldest first: two LISTENs on one id take two signals in the order sent", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([
            t("gate", "LISTEN", { to: { mode: "one", signals: [{ id: "go" }] } }),
            listen("a", "one", ["n"], {}, { export: { as: "${ {first: .} }" } }),
            listen("b", "one", ["n"]),
            t("both", "SET", { variables: { first: "${ $context.first }", second: "${ . }" } })
          ])
          const id = created.metadata.id
          yield* awaitRunning(id, "gate")
          yield* send(id, "n", 1)
          yield* send(id, "n", 2)
          yield* send(id, "go")
          return yield* awaitState(id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.tasks?.find((e) => e.taskId === "gate")?.output, { value: null })
        assert.deepStrictEqual(result.status.output, { first: 1, second: 2 })
      })), 120_000)

    it.live("`all` waits for one signal of each id and answers {id: data}", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([listen("both", "all", ["legal", "finance"])])
          const id = created.metadata.id
          yield* awaitRunning(id, "both")
          yield* send(id, "finance", { ok: 1 })
          // Woken by "finance", the LISTEN looks, finds "legal" missing, takes nothing and waits again.
          yield* awaitLookedAgain("both")
          const sql = yield* SqlClient.SqlClient
          const kept = yield* sql<{ readonly taken_by: string | null }>`SELECT taken_by FROM workflow_execution_signals`
          assert.deepStrictEqual(kept.map((row) => row.taken_by), [null])
          const executions = yield* WorkflowExecutions
          assert.strictEqual(taskStatus(yield* executions.get(id), "both"), "WORKFLOW_TASK_IN_PROGRESS")
          yield* send(id, "legal", { ok: 2 })
          return yield* awaitState(id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { legal: { ok: 2 }, finance: { ok: 1 } })
      })), 120_000)

    it.live("a LISTEN with timeoutSeconds and no signal fails with type timeout", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([listen("wait", "one", ["never"], { timeoutSeconds: 1 }), t("after", "SET", { variables: {} })])
          return yield* awaitState(created.metadata.id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_FAILED")
        assert.strictEqual(result.status.error, "timeout: no signal \"never\" within 1s")
        assert.strictEqual(taskStatus(result, "wait"), "WORKFLOW_TASK_FAILED")
        assert.strictEqual(taskStatus(result, "after"), "WORKFLOW_TASK_SKIPPED")
      })), 120_000)

    it.live("a signal that comes before the timeout wins over it", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const result = yield* Effect.gen(function*() {
          const created = yield* startRun([listen("wait", "one", ["go"], { timeoutSeconds: 3600 })])
          yield* awaitRunning(created.metadata.id, "wait")
          yield* send(created.metadata.id, "go", { in: "time" })
          return yield* awaitState(created.metadata.id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { in: "time" })
      })), 120_000)

    it.live("restarts: a signal sent while no engine runs reaches the LISTEN that waited before the stop", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const id = yield* Effect.gen(function*() {
          const created = yield* startRun([listen("approval", "one", ["approved"]), t("after", "SET", { variables: { done: true } })])
          yield* awaitRunning(created.metadata.id, "approval")
          return created.metadata.id
        }).pipe(Effect.provide(withEngine(database, interpret)))
        // The engine is stopped; the signal is stored by a server without it.
        yield* send(id, "approved", { by: "bob" }).pipe(Effect.provide(withoutEngine(database)))
        const result = yield* awaitState(id, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { by: "bob", done: true })
      })), 120_000)

    it.live("restarts: a signal sent before the run started is taken by its LISTEN after the restart", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        // Created and signalled by a server without the engine: the run is PENDING, the signal kept.
        const id = yield* Effect.gen(function*() {
          const created = yield* startRun([listen("approval", "one", ["approved"])])
          yield* send(created.metadata.id, "approved", "early")
          return created.metadata.id
        }).pipe(Effect.provide(withoutEngine(database)))
        const result = yield* awaitState(id, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { value: "early" })
      })), 120_000)

    it.live("a finished run takes no signal (409), and its waits and kept signals do not outlive it", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        yield* Effect.gen(function*() {
          const executions = yield* WorkflowExecutions
          const created = yield* startRun([listen("approval", "one", ["approved"])])
          const id = created.metadata.id
          yield* awaitRunning(id, "approval")
          yield* send(id, "other", "never taken")
          const cancelled = yield* executions.cancel(id)
          assert.strictEqual(taskStatus(cancelled, "approval"), "WORKFLOW_TASK_FAILED")
          const refused = yield* Effect.flip(send(id, "approved"))
          assert.strictEqual(refused._tag, "FailedPrecondition")
          assert.include(refused.message, "EXECUTION_CANCELLED")
          const sql = yield* SqlClient.SqlClient
          yield* sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM engine_waits`.pipe(
            Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (rows) => Number(rows[0].n) === 0 })
          )
          yield* executions.delete(id)
          const kept = yield* sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM workflow_execution_signals`
          assert.strictEqual(Number(kept[0].n), 0)
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)
  })
})
