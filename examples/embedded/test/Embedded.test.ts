/**
 * The embedded example: in-process, a checkout runs to COMPLETED through its child run
 * and the application's activity (called once); an sku without a price fails the run
 * with the activity's error; and `src/main.ts`, run as a program, prints the run's end.
 */
import { assert, describe, it } from "@effect/vitest"
import { ServerProcess } from "@weft/testing"
import { WorkflowExecutions } from "@weft/workflowexecution"
import { Effect } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { appLayer, checkOut, PriceList, setUp } from "../src/app.js"

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

describe("embedded weft", () => {
  it.live("a checkout completes: the child run quotes with the application's activity, the parent adds shipping", () =>
    Effect.gen(function*() {
      const workflow = yield* setUp
      const run = yield* checkOut(workflow.metadata.id, { sku: "cups", quantity: 2 })
      assert.strictEqual(run.status.phase, "EXECUTION_COMPLETED", run.status.error)
      assert.deepStrictEqual(run.status.output, { sku: "cups", quantity: 2, total: 24, shipping: 5, due: 29 })
      const childId = run.status.tasks?.find((task) => task.taskId === "price")?.metadata?.childExecutionId
      assert.isString(childId)
      const child = yield* Effect.flatMap(WorkflowExecutions, (executions) => executions.get(childId!))
      assert.strictEqual(child.metadata.annotations?.["weft/parent-execution"], run.metadata.id)
      assert.deepStrictEqual(child.status.output, { sku: "cups", quantity: 2, total: 24 })
      assert.strictEqual((yield* PriceList).quotes(), 1)
    }).pipe(Effect.provide(appLayer())), 60_000)

  it.live("an sku without a price fails the child's activity, and with it the checkout", () =>
    Effect.gen(function*() {
      const workflow = yield* setUp
      const run = yield* checkOut(workflow.metadata.id, { sku: "coffee", quantity: 1 })
      assert.strictEqual(run.status.phase, "EXECUTION_FAILED")
      assert.strictEqual(run.status.error, "activity: activity quote failed: no price for coffee")
    }).pipe(Effect.provide(appLayer())), 60_000)

  it.live("the program prints the completed run's output and exits", () =>
    Effect.gen(function*() {
      const program = yield* ServerProcess.spawn({
        command: process.execPath,
        args: ["--import", ServerProcess.tsxLoader, "src/main.ts", "tea", "4"],
        cwd: exampleDir
      })
      const { code } = yield* program.waitExit("60 seconds")
      const stdout = program.stdout()
      assert.strictEqual(code, 0, `${stdout}${program.stderr()}`)
      const [id, phase, output] = stdout.trim().split(" ")
      assert.match(id!, /^wex-[0-9a-z]{26}$/)
      assert.strictEqual(phase, "EXECUTION_COMPLETED")
      assert.deepStrictEqual(JSON.parse(output!), { sku: "tea", quantity: 4, total: 18, shipping: 5, due: 23 })
    }).pipe(Effect.scoped), 90_000)
})
