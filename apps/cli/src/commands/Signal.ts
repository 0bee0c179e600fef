/**
 * `weft signal EXECUTION ID [--data JSON|@FILE]`: sends a signal to a run
 * (`POST /v1/workflow-executions/:id/signals`). A LISTEN waiting for ID takes it, with
 * the data as its output; until one does, it is kept. A finished run is refused with
 * FAILED_PRECONDITION.
 */
import { Args, Command, Options } from "@effect/cli"
import { WeftClient } from "@weft/client"
import { InvalidArgument } from "@weft/resource"
import { Effect, Option } from "effect"
import { read } from "../Files.js"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import { connection, org, withClient } from "../Shared.js"

/** The data of `--data`: JSON text, or `@FILE` for a file of JSON (`@-` reads stdin). */
export const parseData = (option: string) =>
  Effect.gen(function*() {
    const from = option.startsWith("@") ? option.slice(1) : undefined
    const text = from === undefined ? option : yield* read(from)
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (error) =>
        new InvalidArgument({
          message: `--data${from === undefined ? "" : ` (${from})`}: not JSON: ${(error as Error).message}`
        })
    })
  })

export const signal = Command.make(
  "signal",
  {
    ...connection,
    org,
    execution: Args.text({ name: "EXECUTION" }).pipe(Args.withDescription("Execution id or slug")),
    id: Args.text({ name: "ID" }).pipe(Args.withDescription("The signal's id, as a LISTEN task names it")),
    data: Options.text("data").pipe(
      Options.withPseudoName("JSON|@FILE"),
      Options.withAlias("d"),
      Options.optional,
      Options.withDescription("The signal's data: JSON, or @FILE to read it from a file (@- reads stdin)")
    )
  },
  (options) =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const data = Option.isSome(options.data) ? yield* parseData(options.data.value) : undefined
      const execution = yield* Kind.findExecution(options.execution, Option.getOrUndefined(options.org))
      yield* weft.workflowExecutions.signal({
        path: { id: execution.metadata.id },
        payload: data === undefined ? { id: options.id } : { id: options.id, data }
      })
      yield* Stdio.out(`${Kind.label(execution)} signal ${JSON.stringify(options.id)} accepted`)
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Send a signal to a run: a LISTEN waiting for its id takes it; kept until one does"))
