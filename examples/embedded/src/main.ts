/**
 * Checks out an order in-process and prints how the run ended:
 *
 *   pnpm --filter @weft/example-embedded start [sku] [quantity]     # default: tea 3
 *
 * prints `<execution id> EXECUTION_COMPLETED <output as JSON>`, or
 * `<execution id> EXECUTION_FAILED <error>` (e.g. for an sku without a price), and exits.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"
import { appLayer, checkOut, setUp } from "./app.js"

const [sku = "tea", quantity = "3"] = process.argv.slice(2)

const main = Effect.gen(function*() {
  const workflow = yield* setUp
  const run = yield* checkOut(workflow.metadata.id, { sku, quantity: Number(quantity) })
  const { error, output, phase } = run.status
  yield* Console.log(`${run.metadata.id} ${phase} ${phase === "EXECUTION_COMPLETED" ? JSON.stringify(output) : error}`)
})

NodeRuntime.runMain(main.pipe(Effect.provide(appLayer())))
