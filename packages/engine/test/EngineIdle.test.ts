/**
 * A parked run does not stay in memory: once its workflow entity has been idle for the
 * cluster's `entityMaxIdleTime` (5 s) the runner drops it, and the wake-up (here a
 * signal) replays the run from its journal, its finished activity not run again. What
 * this saves is measured in the engine benchmark (10,000 parked runs); this checks that
 * the eviction happens and that a run survives it.
 */
import { ClusterMetrics } from "@effect/cluster"
import { assert, describe, it } from "@effect/vitest"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Effect, Metric, Schedule, Schema } from "effect"
import { Activities } from "../src/index.js"
import { RunWorkflow } from "../src/internal/durableWorkflow.js"
import { tempDatabase, withEngine } from "./support/Layers.js"
import { awaitRunning, awaitState, ended, realInterpreterWith, startRun, t } from "./support/RealEngine.js"

/** The runner's count of run entities in memory (the cluster updates it every second). */
const runsInMemory = Metric.value(ClusterMetrics.entities.pipe(Metric.tagged("type", `Workflow/${RunWorkflow.name}`))).pipe(
  Effect.map((state) => Number(state.value))
)

/** Waits until the count is `n` (the gauge is sampled each second). */
const awaitRunsInMemory = (n: number, otherwise: string) =>
  runsInMemory.pipe(
    Effect.repeat({ schedule: Schedule.spaced("250 millis"), until: (count) => count === n }),
    Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error(otherwise) })
  )

describe("idle runs", () => {
  it.live("a run parked in a LISTEN leaves memory after the idle time; the signal replays it, its activity not run again", () =>
    Effect.scoped(Effect.gen(function*() {
      let calls = 0
      const count = Activities.make({
        name: "count",
        input: Schema.Unknown,
        output: Schema.Struct({ calls: Schema.Number }),
        execute: () => Effect.sync(() => ({ calls: ++calls }))
      })
      const database = yield* tempDatabase("sqlite")
      const interpret = yield* realInterpreterWith(Activities.layer([count]))
      const result = yield* Effect.gen(function*() {
        const created = yield* startRun([
          t("counted", "CALL_ACTIVITY", { activity: "count" }),
          t("gate", "LISTEN", { to: { mode: "one", signals: [{ id: "go" }] } }, { export: { as: "${ . }" } }),
          t("after", "SET", { variables: { signal: "${ $context }" } })
        ])
        const id = created.metadata.id
        yield* awaitRunning(id, "gate")
        yield* awaitRunsInMemory(1, "the parked run was never counted in memory")
        // The reaper looks every 5 s: within about 11 s of parking the entity is gone.
        yield* awaitRunsInMemory(0, "the parked run stayed in memory")
        yield* Effect.flatMap(WorkflowExecutions, (executions) => executions.signal(id, { id: "go", data: "now" }))
        return yield* awaitState(id, ended)
      }).pipe(Effect.provide(withEngine(database, interpret)))
      assert.strictEqual(result.status.phase, "EXECUTION_COMPLETED", result.status.error)
      assert.strictEqual(calls, 1)
      assert.deepStrictEqual(result.status.tasks?.find((e) => e.taskId === "counted")?.output, { calls: 1 })
      assert.deepStrictEqual(result.status.output, { signal: "now" })
    })), 60_000)
})
