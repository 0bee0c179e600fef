/**
 * RUN on the durable engine with the real interpreter: the child is an ordinary
 * execution (annotated and labelled with its parent, in its org), the parent waits for
 * it and takes its output or its error; cancelling the parent cancels its children and
 * theirs; restarts lose neither the child nor the wait, and start no second child.
 */
import { assert, describe, it } from "@effect/vitest"
import { LabelSelector, TestDatabase } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { type WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { Effect } from "effect"
import { tempDatabase, withEngine, withoutEngine } from "./support/Layers.js"
import { awaitState, ended, realInterpreter, startRun, t, taskStatus, workflowBody } from "./support/RealEngine.js"

const gate = t("gate", "LISTEN", { to: { mode: "one", signals: [{ id: "go" }] } })

const createWorkflow = (name: string, tasks: ReadonlyArray<unknown>) =>
  Effect.flatMap(Workflows, (workflows) => workflows.createUnknown(workflowBody(tasks, name)))

const childOf = (e: WorkflowExecution.WorkflowExecution, taskId: string) =>
  e.status.tasks?.find((x) => x.taskId === taskId)?.metadata?.childExecutionId

/** Waits until the RUN at `taskId` has started its child; answers the child's id. */
const awaitChild = (id: string, taskId: string) =>
  Effect.map(
    awaitState(id, (e) => taskStatus(e, taskId) === "WORKFLOW_TASK_IN_PROGRESS" && childOf(e, taskId) !== undefined),
    (e) => childOf(e, taskId)!
  )

const send = (executionId: string, id: string, data?: unknown) =>
  Effect.flatMap(WorkflowExecutions, (executions) => executions.signal(executionId, { id, data }))

const childrenOf = (parentId: string) =>
  Effect.flatMap(WorkflowExecutions, (executions) =>
    executions.list({
      pageSize: 100,
      labelSelector: LabelSelector.parse(`weft/parent-execution=${parentId}`) as LabelSelector.LabelSelector
    }))

/** A parent whose RUN waits for its child, itself waiting in a LISTEN; answers both ids. */
const parentWaiting = Effect.gen(function*() {
  yield* createWorkflow("Waiter", [gate])
  const parent = yield* startRun([t("wait", "RUN", { workflow: "waiter" })])
  const childId = yield* awaitChild(parent.metadata.id, "wait")
  yield* awaitState(childId, (e) => taskStatus(e, "gate") === "WORKFLOW_TASK_IN_PROGRESS")
  return { childId, parentId: parent.metadata.id }
})

describe.each(TestDatabase.backends)("the durable engine on %s", (backend) => {
  describe("RUN on the durable engine", () => {
    it.live("the child is a run of the named workflow in the parent's org, annotated with it; its output is the task's", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        yield* Effect.gen(function*() {
          const executions = yield* WorkflowExecutions
          const child = yield* createWorkflow("Doubler", [gate, t("answer", "SET", { variables: { total: "${ ($input.n | tonumber) * 2 }" } })])
          const parent = yield* startRun([
            t("double", "RUN", { workflow: "doubler", input: { n: "${ $input.n }", extra: { x: 1 } } }),
            t("after", "SET", { variables: { doubled: "${ .total }" } })
          ], { n: "21" })
          const parentId = parent.metadata.id
          const childId = yield* awaitChild(parentId, "double")
          const started = yield* executions.get(childId)
          assert.strictEqual(started.spec.workflowId, child.metadata.id)
          assert.deepStrictEqual(started.spec.triggerMetadata, { n: "21", extra: "{\"x\":1}" })
          assert.strictEqual(started.metadata.annotations?.["weft/parent-execution"], parentId)
          assert.strictEqual(started.metadata.org, "acme")
          assert.strictEqual(started.metadata.ownerScope, "organization")
          assert.deepStrictEqual((yield* childrenOf(parentId)).entries.map((e) => e.metadata.id), [childId])
          yield* awaitState(childId, (e) => taskStatus(e, "gate") === "WORKFLOW_TASK_IN_PROGRESS")
          yield* send(childId, "go", { by: "ada" })
          const result = yield* awaitState(parentId, ended)
          assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
          assert.deepStrictEqual(result.status.tasks?.find((e) => e.taskId === "double")?.output, { by: "ada", total: 42 })
          assert.deepStrictEqual(result.status.output, { by: "ada", total: 42, doubled: 42 })
          assert.strictEqual((yield* executions.get(childId)).status.phase, "EXECUTION_COMPLETED")
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)

    it.live("a child that fails fails the task and the parent with the child's error (workflow named by id)", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        yield* Effect.gen(function*() {
          const child = yield* createWorkflow("Refuser", [t("no", "RAISE", { error: "denied", message: "out of stock" })])
          const parent = yield* startRun([t("order", "RUN", { workflow: child.metadata.id }), t("never", "SET", { variables: {} })])
          const result = yield* awaitState(parent.metadata.id, ended)
          assert.strictEqual(result.status.phase, "EXECUTION_FAILED")
          assert.strictEqual(result.status.error, "denied: out of stock")
          const order = result.status.tasks?.find((e) => e.taskId === "order")
          assert.strictEqual(order?.status, "WORKFLOW_TASK_FAILED")
          assert.strictEqual(order?.error, "denied: out of stock")
          const childId = order?.metadata?.childExecutionId
          assert.isString(childId)
          assert.strictEqual((yield* Effect.flatMap(WorkflowExecutions, (e) => e.get(childId!))).status.phase, "EXECUTION_FAILED")
          assert.strictEqual(taskStatus(result, "never"), "WORKFLOW_TASK_SKIPPED")
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)

    it.live("a RUN of a workflow that does not exist fails its task, naming it; no child is created", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        yield* Effect.gen(function*() {
          const parent = yield* startRun([t("missing", "RUN", { workflow: "nope" })])
          const result = yield* awaitState(parent.metadata.id, ended)
          assert.strictEqual(result.status.phase, "EXECUTION_FAILED")
          assert.strictEqual(result.status.error, "validation: Workflow not found: nope (in org acme)")
          assert.strictEqual(result.status.tasks?.find((e) => e.taskId === "missing")?.error, result.status.error)
          assert.lengthOf((yield* childrenOf(parent.metadata.id)).entries, 0)
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)

    it.live("cancelling the parent cancels its child and the child's child", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        yield* Effect.gen(function*() {
          const executions = yield* WorkflowExecutions
          yield* createWorkflow("Leaf", [gate])
          yield* createWorkflow("Middle", [t("leaf", "RUN", { workflow: "leaf" })])
          const parent = yield* startRun([t("middle", "RUN", { workflow: "middle" })])
          const middleId = yield* awaitChild(parent.metadata.id, "middle")
          const leafId = yield* awaitChild(middleId, "leaf")
          yield* awaitState(leafId, (e) => taskStatus(e, "gate") === "WORKFLOW_TASK_IN_PROGRESS")
          const cancelled = yield* executions.cancel(parent.metadata.id)
          assert.strictEqual(cancelled.status.phase, "EXECUTION_CANCELLED")
          const middle = yield* awaitState(middleId, ended)
          const leaf = yield* awaitState(leafId, ended)
          assert.strictEqual(middle.status.phase, "EXECUTION_CANCELLED")
          assert.strictEqual(leaf.status.phase, "EXECUTION_CANCELLED")
          assert.strictEqual(taskStatus(leaf, "gate"), "WORKFLOW_TASK_FAILED")
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)

    it.live("restart while the child runs: the parent waits again and completes; there is one child only", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const { childId, parentId } = yield* parentWaiting.pipe(Effect.provide(withEngine(database, interpret)))
        // The engine is stopped; the child's signal is stored by a server without it.
        yield* send(childId, "go", { n: 1 }).pipe(Effect.provide(withoutEngine(database)))
        yield* Effect.gen(function*() {
          const result = yield* awaitState(parentId, ended)
          assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
          assert.deepStrictEqual(result.status.output, { n: 1 })
          assert.deepStrictEqual((yield* childrenOf(parentId)).entries.map((e) => e.metadata.id), [childId])
        }).pipe(Effect.provide(withEngine(database, interpret)))
      })), 120_000)

    it.live("a child that ended while no engine ran (an outside runner's report) wakes its parent at the next start", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const { childId, parentId } = yield* parentWaiting.pipe(Effect.provide(withEngine(database, interpret)))
        yield* Effect.flatMap(WorkflowExecutions, (executions) =>
          executions.updateStatus(childId, { phase: "EXECUTION_COMPLETED", output: { from: "outside" } })).pipe(
            Effect.provide(withoutEngine(database))
          )
        const result = yield* awaitState(parentId, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
        assert.deepStrictEqual(result.status.output, { from: "outside" })
      })), 120_000)

    it.live("a parent cancelled while no engine ran: at the next start its child is cancelled, not resumed", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const { childId, parentId } = yield* parentWaiting.pipe(Effect.provide(withEngine(database, interpret)))
        yield* Effect.flatMap(WorkflowExecutions, (executions) => executions.cancel(parentId)).pipe(
          Effect.provide(withoutEngine(database))
        )
        const child = yield* awaitState(childId, ended).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(child.status.phase, "EXECUTION_CANCELLED")
      })), 120_000)

    // The race of a cancel with a RUN creating its child: the cancel lists the parent's
    // children before the child is committed, so only the child's start can catch it. Here
    // the parent ends by a report (nothing lists its children), once the engine is well past
    // its start-up resume (which checks PENDING children too), then its child is created.
    it.live("a child created for a parent that has already ended is cancelled when it would start", () =>
      Effect.scoped(Effect.gen(function*() {
        const database = yield* tempDatabase(backend)
        const interpret = yield* realInterpreter
        const child = yield* Effect.gen(function*() {
          const executions = yield* WorkflowExecutions
          const quick = yield* createWorkflow("Quick", [t("done", "SET", { variables: { done: true } })])
          const parent = yield* startRun([gate])
          yield* awaitState(parent.metadata.id, (e) => taskStatus(e, "gate") === "WORKFLOW_TASK_IN_PROGRESS")
          yield* executions.updateStatus(parent.metadata.id, { phase: "EXECUTION_FAILED", error: "ended elsewhere" })
          const child = yield* executions.create({
            metadata: {
              ownerScope: "organization",
              org: "acme",
              labels: { "weft/parent-execution": parent.metadata.id },
              annotations: { "weft/parent-execution": parent.metadata.id }
            },
            spec: { workflowId: quick.metadata.id }
          })
          return yield* awaitState(child.metadata.id, ended)
        }).pipe(Effect.provide(withEngine(database, interpret)))
        assert.strictEqual(child.status.phase, "EXECUTION_CANCELLED")
      })), 120_000)
  })
})
