/**
 * Retention and the journal: when retention deletes executions, the engine's runner
 * (`ExecutionRunner.forget`, called in the deleting transaction) deletes what the
 * journal still keeps of their runs, and nothing of other runs.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase, Transaction } from "@weft/resource"
import { Workflows } from "@weft/workflow"
import { ExecutionRunner, WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Option, Schedule, Stream } from "effect"
import * as Engine from "../src/Engine.js"
import { RunWorkflow } from "../src/internal/durableWorkflow.js"
import * as StubInterpreter from "./support/StubInterpreter.js"
import { tempDatabase, withEngine } from "./support/Layers.js"

const workflowBody = {
  metadata: { name: "Forget", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "forget", version: "1.0.0" },
    tasks: [
      { name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { x: 1 } } },
      { name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 3600 } }
    ]
  }
}

/** The journal rows of the run of `executionId`. */
const journalOf = (executionId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const engineId = yield* RunWorkflow.executionId({ executionId })
    const rows = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM cluster_messages WHERE entity_id = ${engineId}`
    return Number(rows[0].n)
  }).pipe(Effect.orDie)

/** A run started and waiting in its hour-long WAIT, suspended (no longer active in the engine). */
const waitingRun = (workflowId: string) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const created = yield* executions.create({
      metadata: { ownerScope: "organization", org: "acme" },
      spec: { workflowId, triggerMessage: "go" }
    })
    const waiting = yield* Stream.runHead(Stream.filter(
      yield* executions.watch(created.metadata.id),
      (event) => event.execution.status.tasks?.[1]?.status === "WORKFLOW_TASK_IN_PROGRESS"
    ))
    return Option.getOrThrow(waiting).execution
  })

describe.each(TestDatabase.backends)("forgetting runs on %s", (backend) => {
  it.live("forget deletes the journal of the runs it is given, in the caller's transaction, and no other", () =>
    Effect.scoped(Effect.gen(function*() {
      const database = yield* tempDatabase(backend)
      yield* Effect.gen(function*() {
        const workflows = yield* Workflows
        const runner = yield* ExecutionRunner.ExecutionRunner
        const engine = yield* Engine.Engine
        const workflow = yield* workflows.createUnknown(workflowBody)
        const forgotten = yield* waitingRun(workflow.metadata.id)
        const kept = yield* waitingRun(workflow.metadata.id)
        // Both suspended in their WAIT: nothing writes their journals now.
        yield* engine.activeRuns.pipe(Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (n) => n === 0 }))
        assert.isAbove(yield* journalOf(forgotten.metadata.id), 0)
        const keptRows = yield* journalOf(kept.metadata.id)
        assert.isAbove(keptRows, 0)

        // A transaction that fails after it forgets nothing.
        const failed = yield* Effect.exit(Transaction.run(
          Effect.zipRight(runner.forget!([forgotten]), Effect.fail("rolled back"))
        ))
        assert.isTrue(failed._tag === "Failure")
        assert.isAbove(yield* journalOf(forgotten.metadata.id), 0)

        yield* Transaction.run(runner.forget!([forgotten]))
        assert.strictEqual(yield* journalOf(forgotten.metadata.id), 0)
        assert.strictEqual(yield* journalOf(kept.metadata.id), keptRows)
      }).pipe(Effect.provide(withEngine(database, StubInterpreter.run({ effect: () => Effect.succeed({}) }))))
    })), 60_000)
})
