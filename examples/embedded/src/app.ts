/**
 * An application that embeds weft: no HTTP server, no separate process. It composes the
 * same Layers the weft server does (the services of every kind, the engine running
 * executions durably over SQLite, the interpreter's jq and HTTP) and adds its own
 * activity, `quote`, which workflows call with CALL_ACTIVITY.
 *
 * Two workflows: `price-order` quotes an order with the activity; `checkout` runs
 * `price-order` as a child run (RUN) and adds the shipping to its total.
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Activities, EngineConfig, Interpreter, Weft } from "@weft/engine"
import { SecretBox } from "@weft/resource"
import { type Workflow, Workflows } from "@weft/workflow"
import { type WorkflowExecution, WorkflowExecutions } from "@weft/workflowexecution"
import { Context, Effect, Layer, Option, Schema, Stream } from "effect"
import { randomBytes } from "node:crypto"

// ---------------------------------------------------------------------------------------
// The application's own service, and the activity that uses it
// ---------------------------------------------------------------------------------------

/** The shop's price list (a database or another service in a real application). */
export class PriceList extends Context.Tag("embedded/PriceList")<PriceList, {
  readonly unitPrice: (sku: string) => Effect.Effect<number, UnknownSku>
  /** How many quotes were made (the example's test counts them). */
  readonly quotes: () => number
}>() {}

export class UnknownSku extends Schema.TaggedError<UnknownSku>()("UnknownSku", { sku: Schema.String }) {
  override get message() {
    return `no price for ${this.sku}`
  }
}

export const PriceListLive = Layer.sync(PriceList, () => {
  const prices: Record<string, number> = { tea: 4.5, cups: 12 }
  let quotes = 0
  return {
    unitPrice: (sku) =>
      Effect.suspend(() => {
        quotes++
        return sku in prices ? Effect.succeed(prices[sku]!) : Effect.fail(new UnknownSku({ sku }))
      }),
    quotes: () => quotes
  }
})

/** `quote`: the total of `quantity` units of `sku`. Its input arrives as JSON, decoded by `input`. */
export const quote = Activities.make({
  name: "quote",
  input: Schema.Struct({ sku: Schema.String, quantity: Schema.NumberFromString.pipe(Schema.int(), Schema.positive()) }),
  output: Schema.Struct({ sku: Schema.String, quantity: Schema.Number, total: Schema.Number }),
  execute: ({ quantity, sku }) =>
    Effect.map(PriceList.pipe(Effect.flatMap((prices) => prices.unitPrice(sku))), (unit) => ({
      sku,
      quantity,
      total: unit * quantity
    }))
})

// ---------------------------------------------------------------------------------------
// weft, composed in-process
// ---------------------------------------------------------------------------------------

/**
 * weft's services with the engine (the composition the server uses: executions created
 * here are run here), and the application's activities registered.
 */
const EngineLive = Weft.layerWithEngine(Interpreter.run).pipe(
  Layer.provide(Interpreter.layerServices),
  Layer.provide(Activities.layer([quote])),
  Layer.provide(EngineConfig.layer())
)

/**
 * The whole application over the SQLite database `filename` (`:memory:` by default).
 * Secret values (of environments, workflows' envSpec, runs' runtimeEnv) are sealed with a
 * key made for this process: a file database
 * meant to outlive it needs a key kept elsewhere (`SecretBox.layer({current})`).
 */
export const appLayer = (filename = ":memory:") =>
  EngineLive.pipe(
    Layer.provideMerge(PriceListLive),
    Layer.provideMerge(SecretBox.layer({ current: randomBytes(32) })),
    Layer.provideMerge(SqliteClient.layer({ filename }))
  )

// ---------------------------------------------------------------------------------------
// The workflows, and a checkout
// ---------------------------------------------------------------------------------------

const document = (name: string) => ({ dsl: "1.0.0" as const, namespace: "shop", name, version: "1.0.0" })
const org = "shop"

export const priceOrder: Workflow.WorkflowInput = {
  metadata: { name: "price-order", ownerScope: "organization", org },
  spec: {
    document: document("price-order"),
    tasks: [
      {
        name: "quote",
        kind: "WORKFLOW_TASK_KIND_CALL_ACTIVITY",
        taskConfig: { activity: "quote", input: { sku: "${ $input.sku }", quantity: "${ $input.quantity }" } }
      }
    ]
  }
}

export const checkout: Workflow.WorkflowInput = {
  metadata: { name: "checkout", ownerScope: "organization", org },
  spec: {
    document: document("checkout"),
    tasks: [
      {
        name: "price",
        kind: "WORKFLOW_TASK_KIND_RUN",
        taskConfig: { workflow: "price-order", input: { sku: "${ $input.sku }", quantity: "${ $input.quantity }" } }
      },
      {
        name: "ship",
        kind: "WORKFLOW_TASK_KIND_SET",
        taskConfig: { variables: { shipping: 5, due: "${ .total + 5 }" } }
      }
    ]
  }
}

/** Creates the two workflows. */
export const setUp = Effect.gen(function*() {
  const workflows = yield* Workflows
  yield* workflows.create(priceOrder)
  return yield* workflows.create(checkout)
})

/** Checks out `quantity` of `sku`: starts a `checkout` run and answers it once it has ended. */
export const checkOut = (workflowId: string, order: { readonly sku: string; readonly quantity: number }) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const started = yield* executions.create({
      metadata: { ownerScope: "organization", org },
      spec: { workflowId, triggerMetadata: { sku: order.sku, quantity: String(order.quantity) } }
    })
    const last = yield* Stream.runLast(yield* executions.watch(started.metadata.id))
    return Option.getOrThrow(last).execution as WorkflowExecution.WorkflowExecution
  })
