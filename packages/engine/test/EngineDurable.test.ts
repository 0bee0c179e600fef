/**
 * The durable runtime in process, over a stand-in interpreter (the real one is tested
 * on its own and end to end in the server): runs start after create and complete,
 * reports reach the status path, pinning, cancel, resume at start-up, secrets, and the
 * journal removed once a run ended.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Environments } from "@weft/environment"
import { TestDatabase } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { type WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { WorkflowInstances } from "@weft/workflowinstance"
import { Chunk, Deferred, Effect, Option, Schedule, Stream } from "effect"
import * as StubInterpreter from "./support/StubInterpreter.js"
import { client, storedText, tempDatabase, withEngine, withoutEngine } from "./support/Layers.js"

const workflowBody = (tasks: ReadonlyArray<Record<string, unknown>>, envSpec?: unknown) => ({
  metadata: { name: "Durable", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "durable", version: "1.0.0" },
    tasks,
    ...(envSpec === undefined ? {} : { envSpec })
  }
})

const set = (name: string, variables: Record<string, unknown>) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_SET",
  taskConfig: { variables }
})
const wait = (name: string, seconds: number) => ({ name, kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds } })
const call = (name: string) => ({ name, kind: "WORKFLOW_TASK_KIND_CALL_ACTIVITY", taskConfig: { activity: name } })

const createRun = (workflowId: string, spec: Record<string, unknown> = {}) =>
  Effect.flatMap(WorkflowExecutions, (executions) =>
    executions.create({
      metadata: { ownerScope: "organization", org: "acme" },
      spec: { workflowId, triggerMessage: "go", ...spec }
    }))

/** The last event of the execution's watch: its terminal state. */
const awaitEnd = (id: string) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const last = yield* Stream.runLast(yield* executions.watch(id))
    return Option.getOrThrow(last).execution
  })

/** Waits until the execution's watch shows a state matching `predicate`. */
const awaitState = (id: string, predicate: (execution: WorkflowExecution.WorkflowExecution) => boolean) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const found = yield* Stream.runHead(
      Stream.filter(yield* executions.watch(id), (event) => predicate(event.execution))
    )
    return Option.getOrThrow(found).execution
  })

const journalRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly n: number }>`SELECT COUNT(*) AS n FROM cluster_messages`.pipe(Effect.map((rows) => Number(rows[0].n))))

/** Waits (polling the table) until the journal holds no row. */
const awaitJournalEmpty = journalRows.pipe(
  Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (n) => n === 0 }),
  Effect.orDie
)

const noEffects: StubInterpreter.Hooks = { effect: () => Effect.succeed({}) }

/** Runs `effect` with the engine over `hooks`, on a fresh database of `backend`. */
const inEngineOn = (backend: TestDatabase.Backend) =>
<A, E>(effect: Effect.Effect<A, E, any>, hooks: StubInterpreter.Hooks = noEffects) =>
  Effect.scoped(Effect.gen(function*() {
    const database = yield* tempDatabase(backend)
    return yield* Effect.provide(effect, withEngine(database, StubInterpreter.run(hooks)))
  })) as Effect.Effect<A, E, never>

describe.each(TestDatabase.backends)("durable runtime on %s", (backend) => {
  const inEngine = inEngineOn(backend)

  describe("durable runtime", () => {
    it.live("a created run completes: IN_PROGRESS, each task, COMPLETED with the output; the journal is then removed", () =>
      inEngine(Effect.gen(function*() {
        const workflows = yield* Workflows
        const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 }), set("b", { y: 2 })]))
        const created = yield* createRun(workflow.metadata.id, { triggerMetadata: { who: "ada" } })
        assert.strictEqual(created.status.phase, "EXECUTION_PENDING")
        const ended = yield* awaitEnd(created.metadata.id)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED")
        assert.deepStrictEqual(ended.status.output, { who: "ada", message: "go", env: {}, x: 1, y: 2 })
        assert.deepStrictEqual(ended.status.tasks?.map((t) => [t.taskName, t.status]), [
          ["a", "WORKFLOW_TASK_COMPLETED"],
          ["b", "WORKFLOW_TASK_COMPLETED"]
        ])
        assert.isString(ended.status.startedAt)
        assert.isString(ended.status.completedAt)
        yield* awaitJournalEmpty
      })), 60_000)

    it.live("100 concurrent runs all complete, each activity once", () => {
      const calls = new Map<string, number>()
      return inEngine(
        Effect.gen(function*() {
          const workflows = yield* Workflows
          const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 }), call("fetch"), set("b", { y: 2 })]))
          const created = yield* Effect.forEach(
            Array.from({ length: 100 }, (_, i) => i),
            (i) => createRun(workflow.metadata.id, { triggerMetadata: { n: String(i) } }),
            { concurrency: 20 }
          )
          const ended = yield* Effect.forEach(created, (e) => awaitEnd(e.metadata.id), { concurrency: "unbounded" })
          assert.deepStrictEqual(new Set<string | undefined>(ended.map((e) => e.status.phase)), new Set(["EXECUTION_COMPLETED"]))
          for (const e of ended) assert.strictEqual(e.status.output?.fetched, e.status.output?.n)
          assert.strictEqual(calls.size, 100)
          assert.deepStrictEqual(new Set(calls.values()), new Set([1]))
          yield* awaitJournalEmpty
        }),
        {
          effect: (_, input) =>
            Effect.sync(() => {
              const key = String(input.n)
              calls.set(key, (calls.get(key) ?? 0) + 1)
              return { ...input, fetched: input.n }
            })
        }
      )
    }, 120_000)

    it.live("pinning: the run executes the workflow as it was at its start, though it is updated and deleted meanwhile", () => {
      const reached = Deferred.unsafeMake<void>(undefined as never)
      const release = Deferred.unsafeMake<void>(undefined as never)
      return inEngine(
        Effect.gen(function*() {
          const workflows = yield* Workflows
          const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 }), call("gate"), set("b", { y: 2 })]))
          const created = yield* createRun(workflow.metadata.id)
          yield* Deferred.await(reached)
          // Replace every task, then delete the workflow, while the run is inside "gate".
          yield* workflows.updateUnknown(workflow.metadata.id, workflowBody([set("other", { z: 3 })]))
          yield* workflows.delete(workflow.metadata.id)
          yield* Deferred.succeed(release, undefined)
          const ended = yield* awaitEnd(created.metadata.id)
          assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED")
          assert.deepStrictEqual(ended.status.tasks?.map((t) => t.taskName), ["a", "gate", "b"])
          assert.strictEqual(ended.status.output?.y, 2)
          assert.isUndefined(ended.status.output?.z)
        }),
        {
          effect: (_, input) =>
            Effect.zipRight(Deferred.succeed(reached, undefined), Effect.as(Deferred.await(release), input))
        }
      )
    }, 60_000)

    it.live("cancel during a WAIT: CANCELLED at once, the WAIT FAILED (cancelled), later tasks SKIPPED and never run", () => {
      let laterRan = 0
      return inEngine(
        Effect.gen(function*() {
          const workflows = yield* Workflows
          const executions = yield* WorkflowExecutions
          const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 }), wait("pause", 3600), call("later")]))
          const created = yield* createRun(workflow.metadata.id)
          const id = created.metadata.id
          yield* awaitState(id, (e) => e.status.tasks?.[1]?.status === "WORKFLOW_TASK_IN_PROGRESS")
          const cancelled = yield* executions.cancel(id)
          assert.strictEqual(cancelled.status.phase, "EXECUTION_CANCELLED")
          assert.deepStrictEqual(cancelled.status.tasks?.map((t) => [t.taskName, t.status, t.error]), [
            ["a", "WORKFLOW_TASK_COMPLETED", undefined],
            ["pause", "WORKFLOW_TASK_FAILED", "cancelled"],
            ["later", "WORKFLOW_TASK_SKIPPED", undefined]
          ])
          // The run is interrupted and its journal removed: it is over for the engine too.
          yield* awaitJournalEmpty
          assert.strictEqual(laterRan, 0)
          const after = yield* executions.get(id)
          assert.strictEqual(after.metadata.version, cancelled.metadata.version, "nothing reported after the cancel")
        }),
        { effect: (_, input) => Effect.sync(() => (laterRan++, input)) }
      )
    }, 60_000)

    it.live("a run woken from its WAIT replays its start without showing watchers a step back, and keeps its times", () =>
      inEngine(Effect.gen(function*() {
        const workflows = yield* Workflows
        const executions = yield* WorkflowExecutions
        const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 }), wait("pause", 1), set("b", { y: 2 })]))
        const created = yield* createRun(workflow.metadata.id)
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(yield* executions.watch(created.metadata.id)))
        const states = events.map((e) => e.execution)
        assert.strictEqual(states.at(-1)?.status.phase, "EXECUTION_COMPLETED")
        const rank = (status: string | undefined) =>
          status === undefined || status === "WORKFLOW_TASK_PENDING" ? 0 : status === "WORKFLOW_TASK_IN_PROGRESS" ? 1 : 2
        for (const name of ["a", "pause", "b"]) {
          const ranks = states.map((e) => rank(e.status.tasks?.find((t) => t.taskName === name)?.status))
          assert.deepStrictEqual(ranks, [...ranks].sort(), `task ${name} went back: ${ranks.join(",")}`)
        }
        // "a" was stamped once: the replay after the WAIT did not move its times.
        const stamped = new Set(states.flatMap((e) => {
          const a = e.status.tasks?.find((t) => t.taskName === "a")
          return a?.completedAt === undefined ? [] : [`${a.startedAt}/${a.completedAt}`]
        }))
        assert.strictEqual(stamped.size, 1)
        const pause = states.at(-1)!.status.tasks!.find((t) => t.taskName === "pause")!
        assert.isAtLeast(Date.parse(pause.completedAt!) - Date.parse(pause.startedAt!), 1000)
      })), 60_000)

    it.live("resume at start-up: runs left PENDING by a server without the engine are run by the next one", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const ids = yield* Effect.gen(function*() {
          const workflows = yield* Workflows
          const workflow = yield* workflows.createUnknown(workflowBody([set("a", { x: 1 })]))
          return yield* Effect.forEach([1, 2, 3], () => Effect.map(createRun(workflow.metadata.id), (e) => e.metadata.id))
        }).pipe(Effect.provide(withoutEngine(database)))
        const ended = yield* Effect.forEach(ids, awaitEnd).pipe(
          Effect.provide(withEngine(database, StubInterpreter.run(noEffects)))
        )
        assert.deepStrictEqual(ended.map((e) => e.status.phase), [
          "EXECUTION_COMPLETED",
          "EXECUTION_COMPLETED",
          "EXECUTION_COMPLETED"
        ])
      })), 60_000)

    it.live("secret values never reach the stored status, not even inside longer strings", () =>
      inEngine(Effect.gen(function*() {
        const workflows = yield* Workflows
        const executions = yield* WorkflowExecutions
        const workflow = yield* workflows.createUnknown(workflowBody([set("a", { note: "public" })], {
          data: { API_KEY: { value: "k-very-secret-1", isSecret: true }, REGION: { value: "eu" } }
        }))
        const created = yield* createRun(workflow.metadata.id, {
          runtimeEnv: { TOKEN: { value: "t-hidden-2", isSecret: true } },
          triggerMetadata: { header: "Bearer t-hidden-2" }
        })
        const ended = yield* awaitEnd(created.metadata.id)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED")
        const stored = JSON.stringify(yield* executions.get(created.metadata.id)).replace(
          JSON.stringify(created.spec),
          ""
        )
        assert.notInclude(stored, "k-very-secret-1")
        assert.notInclude(stored, "t-hidden-2")
        assert.deepStrictEqual(ended.status.output?.env, { API_KEY: "[secret]", REGION: "eu", TOKEN: "[secret]" })
        assert.strictEqual(ended.status.output?.header, "Bearer [secret]")
      })), 60_000)

    it.live("$env: the workflow's envSpec, then the instance's environments in envRefs order, then runtimeEnv", () =>
      inEngine(Effect.gen(function*() {
        const workflows = yield* Workflows
        const environments = yield* Environments
        const instances = yield* WorkflowInstances
        const workflow = yield* workflows.createUnknown(workflowBody([set("a", {})], {
          data: { A: { value: "wf" }, B: { value: "wf" }, C: { value: "wf" }, D: { value: "wf" }, E: {} }
        }))
        yield* environments.createUnknown(environmentBody("first", { B: { value: "e1" }, C: { value: "e1" }, S: { value: "s-hidden-3", isSecret: true } }))
        yield* environments.createUnknown(environmentBody("second", { C: { value: "e2" }, D: { value: "e2" } }))
        const instance = yield* instances.create({
          metadata: { name: "bound", ownerScope: "organization", org: "acme" },
          spec: {
            workflowId: workflow.metadata.id,
            envRefs: [{ kind: "Environment", org: "acme", slug: "first" }, { kind: "Environment", org: "acme", slug: "second" }]
          }
        })
        const created = yield* createRun(workflow.metadata.id, {
          workflowInstanceId: instance.metadata.id,
          runtimeEnv: { D: { value: "run" } }
        })
        const ended = yield* awaitEnd(created.metadata.id)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", ended.status.error)
        assert.deepStrictEqual(ended.status.output?.env, { A: "wf", B: "e1", C: "e2", D: "run", S: "[secret]" })
      })), 60_000)

    it.live("the environment is pinned at start, journaled sealed: a later change or delete does not reach the run", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const entered = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const hooks: StubInterpreter.Hooks = {
          // What the run sees of its environment once released (the task's result is journaled: no secret in it).
          effect: (_, input) =>
            Effect.zipRight(
              Deferred.succeed(entered, undefined),
              Effect.as(Deferred.await(release), { region: (input.env as Record<string, string>).REGION })
            )
        }
        yield* Effect.gen(function*() {
          const workflows = yield* Workflows
          const environments = yield* Environments
          const instances = yield* WorkflowInstances
          const workflow = yield* workflows.createUnknown(workflowBody([call("hold")]))
          const env = yield* environments.createUnknown(environmentBody("pinned", {
            REGION: { value: "eu" },
            TOKEN: { value: "p-hidden-4", isSecret: true }
          }))
          const instance = yield* instances.create({
            metadata: { name: "pinned", ownerScope: "organization", org: "acme" },
            spec: { workflowId: workflow.metadata.id, envRefs: [{ org: "acme", slug: "pinned" }] }
          })
          const created = yield* createRun(workflow.metadata.id, { workflowInstanceId: instance.metadata.id })
          yield* Deferred.await(entered)
          // The journal holds the pinned environment now; nothing on disk shows the secret.
          assert.isAbove(yield* journalRows, 0)
          assert.notInclude(yield* storedText(database), "p-hidden-4")
          yield* environments.updateUnknown(env.metadata.id, environmentBody("pinned", { REGION: { value: "us" } }))
          yield* environments.delete(env.metadata.id)
          yield* Deferred.succeed(release, undefined)
          const ended = yield* awaitEnd(created.metadata.id)
          assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", ended.status.error)
          assert.deepStrictEqual(ended.status.output, { region: "eu" })
          assert.deepStrictEqual((ended.status.tasks?.[0].input as { env?: unknown } | undefined)?.env, { REGION: "eu", TOKEN: "[secret]" })
          assert.notInclude(yield* storedText(database), "p-hidden-4")
        }).pipe(Effect.provide(withEngine(database, StubInterpreter.run(hooks))))
      })), 60_000)

    it.live("secrets of envSpec and runtimeEnv: sealed at rest, opened at start, and opened from the journal after a restart", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const stored = storedText(database).pipe(Effect.provide(client(database)))
        const seen: Array<Record<string, unknown>> = []
        const hooks: StubInterpreter.Hooks = {
          // Whether the run saw each secret, never the secret itself.
          effect: (_, input) =>
            Effect.sync(() => {
              const env = input.env as Record<string, string>
              seen.push(env)
              return { apiKey: env.API_KEY === "k-sealed-5", token: env.TOKEN === "t-sealed-6" }
            })
        }
        const tasks = [wait("pause", 2), call("use")]
        const { execution, workflow } = yield* Effect.gen(function*() {
          const workflow = yield* (yield* Workflows).createUnknown(workflowBody(tasks, {
            data: { API_KEY: { value: "k-sealed-5", isSecret: true } }
          }))
          const execution = yield* createRun(workflow.metadata.id, {
            runtimeEnv: { TOKEN: { value: "t-sealed-6", isSecret: true } }
          })
          return { execution, workflow }
        }).pipe(Effect.provide(withoutEngine(database)))
        const assertSealed = Effect.gen(function*() {
          const text = yield* stored
          assert.notInclude(text, "k-sealed-5")
          assert.notInclude(text, "t-sealed-6")
        })
        yield* assertSealed
        const id = execution.metadata.id

        // The first engine pins the run and stops during its WAIT.
        yield* awaitState(id, (e) => e.status.tasks?.[0]?.status === "WORKFLOW_TASK_IN_PROGRESS").pipe(
          Effect.provide(withEngine(database, StubInterpreter.run(hooks))),
          Effect.scoped
        )
        yield* assertSealed
        const ended = yield* Effect.gen(function*() {
          // Changed after the run started: the run keeps what it pinned.
          yield* (yield* Workflows).updateUnknown(workflow.metadata.id, workflowBody(tasks, {
            data: { API_KEY: { value: "k-changed-7", isSecret: true } }
          }))
          return yield* awaitEnd(id)
        }).pipe(Effect.provide(withEngine(database, StubInterpreter.run(hooks))), Effect.scoped)
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", ended.status.error)
        assert.deepStrictEqual(ended.status.output, { apiKey: true, token: true })
        assert.isAbove(seen.length, 0)
        yield* assertSealed
      })), 90_000)

    it.live("a task result carrying a secret is journaled sealed, and replayed opened after a restart", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const stored = storedText(database).pipe(Effect.provide(client(database)))
        const hooks: StubInterpreter.Hooks = {
          effect: (name, input) =>
            Effect.succeed(
              name === "leak"
                // A response that echoes the token, as some APIs do.
                ? { echo: `Bearer ${(input.env as Record<string, string>).TOKEN}` }
                : { same: input.echo === "Bearer j-sealed-8" }
            )
        }
        const id = yield* Effect.gen(function*() {
          const workflow = yield* (yield* Workflows).createUnknown(workflowBody([call("leak"), wait("pause", 2), call("check")]))
          const execution = yield* createRun(workflow.metadata.id, {
            runtimeEnv: { TOKEN: { value: "j-sealed-8", isSecret: true } }
          })
          return execution.metadata.id
        }).pipe(Effect.provide(withoutEngine(database)))

        // The first engine runs "leak" (its result journaled) and stops during the WAIT.
        yield* Effect.gen(function*() {
          yield* awaitState(id, (e) => e.status.tasks?.[1]?.status === "WORKFLOW_TASK_IN_PROGRESS")
          assert.isAbove(yield* journalRows, 0)
        }).pipe(Effect.provide(withEngine(database, StubInterpreter.run(hooks))), Effect.scoped)
        assert.notInclude(yield* stored, "j-sealed-8")
        // The next one replays "leak" from the journal: "check" gets its result as it was.
        const ended = yield* awaitEnd(id).pipe(
          Effect.provide(withEngine(database, StubInterpreter.run(hooks))),
          Effect.scoped
        )
        assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", ended.status.error)
        assert.deepStrictEqual(ended.status.output, { same: true })
        assert.deepStrictEqual(ended.status.tasks?.[0].output, { echo: "Bearer [secret]" })
        assert.notInclude(yield* stored, "j-sealed-8")
      })), 90_000)

    it.live("a run whose instance names an environment that is gone fails at start, naming it", () =>
      inEngine(Effect.gen(function*() {
        const workflows = yield* Workflows
        const environments = yield* Environments
        const instances = yield* WorkflowInstances
        const workflow = yield* workflows.createUnknown(workflowBody([set("a", {})]))
        const env = yield* environments.createUnknown(environmentBody("short-lived", { A: { value: "1" } }))
        const instance = yield* instances.create({
          metadata: { name: "orphan", ownerScope: "organization", org: "acme" },
          spec: { workflowId: workflow.metadata.id, envRefs: [{ org: "acme", slug: "short-lived" }] }
        })
        yield* environments.delete(env.metadata.id)
        const created = yield* createRun(workflow.metadata.id, { workflowInstanceId: instance.metadata.id })
        const ended = yield* awaitEnd(created.metadata.id)
        assert.strictEqual(ended.status.phase, "EXECUTION_FAILED")
        assert.include(ended.status.error, "Environment not found: acme/short-lived")
        assert.deepStrictEqual(ended.status.tasks ?? [], [])
      })), 60_000)
  })

  const environmentBody = (name: string, data: Record<string, unknown>) => ({
    metadata: { name, ownerScope: "organization", org: "acme" },
    spec: { data }
  })
})
