/**
 * `weft run WORKFLOW`: creates an execution of a workflow (through its default
 * instance, or `--instance`), with `--input k=v` as `spec.triggerMetadata` and
 * `--message` as `spec.triggerMessage`; `--watch` then follows it like `weft watch`.
 *
 * The start carries an `Idempotency-Key` made for this invocation, so it is retried when
 * the connection fails (the server may or may not have started the run): a retry that
 * reaches the server after the first attempt did answers that run, never a second one.
 */
import { Args, Command, Options } from "@effect/cli"
import { WeftClient } from "@weft/client"
import { InvalidArgument } from "@weft/resource"
import { Duration, Effect, Option, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import { connection, orgOption, withClient } from "../Shared.js"
import * as WatchView from "../WatchView.js"

/** `k=v` pairs → a map; the first `=` separates, so values may contain `=`. */
export const parseInputs = (pairs: ReadonlyArray<string>) =>
  Effect.reduce(pairs, {} as Record<string, string>, (acc, pair) => {
    const eq = pair.indexOf("=")
    return eq <= 0
      ? Effect.fail(new InvalidArgument({ message: `--input: expected KEY=VALUE, got "${pair}"` }))
      : Effect.succeed({ ...acc, [pair.slice(0, eq)]: pair.slice(eq + 1) })
  })

/** How a start is retried after a connection error: 5 more attempts, 0.2 s doubling. */
export const startRetries = Schedule.intersect(Schedule.exponential(Duration.millis(200)), Schedule.recurs(5))

/** A request that never got an answer (refused, reset, timed out): safe to repeat with the same key. */
const isConnectionError = (error: unknown) =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "RequestError" &&
  (error as { reason?: unknown }).reason === "Transport"

export const run = Command.make(
  "run",
  {
    ...connection,
    workflow: Args.text({ name: "WORKFLOW" }).pipe(Args.withDescription("Workflow slug or id")),
    instance: Options.text("instance").pipe(Options.withPseudoName("INSTANCE"), 
      Options.optional,
      Options.withDescription("Run through this instance (slug or id) instead of the workflow's default instance")
    ),
    input: Options.text("input").pipe(Options.withPseudoName("KEY=VALUE"), 
      Options.withAlias("i"),
      Options.repeated,
      Options.withDescription("KEY=VALUE, stored in spec.triggerMetadata; repeatable")
    ),
    message: Options.text("message").pipe(Options.withPseudoName("TEXT"), 
      Options.withAlias("m"),
      Options.optional,
      Options.withDescription("Stored in spec.triggerMessage")
    ),
    name: Options.text("name").pipe(Options.withPseudoName("NAME"), 
      Options.optional,
      Options.withDescription("Name of the execution (default: <instance slug>-<UTC timestamp>)")
    ),
    org: orgOption(
      "Organization: the execution is owned by it (ownerScope organization; else identity_account), and slugs are looked up in it first"
    ),
    watch: Options.boolean("watch").pipe(
      Options.withAlias("w"),
      Options.withDescription("Follow the execution until it ends (exit code as for `weft watch`)")
    ),
    quiet: Options.boolean("quiet").pipe(
      Options.withAlias("q"),
      Options.withDescription("Print only the execution id")
    )
  },
  (options) =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const org = Option.getOrUndefined(options.org)
      const triggerMetadata = yield* parseInputs(options.input)
      const workflow = yield* Kind.findWorkflow(options.workflow, org, { fallback: true })
      let workflowInstanceId: string | undefined
      if (Option.isSome(options.instance)) {
        const instance = yield* Kind.findInstance(options.instance.value, org, { fallback: true })
        if (instance.spec.workflowId !== workflow.metadata.id) {
          return yield* new InvalidArgument({
            message: `instance ${instance.metadata.slug} is not an instance of workflow ${workflow.metadata.slug}`
          })
        }
        workflowInstanceId = instance.metadata.id
      }
      const idempotencyKey = `weft-cli-${randomUUID()}`
      const execution = yield* weft.workflowExecutions.create({
        headers: { "idempotency-key": idempotencyKey },
        payload: {
          metadata: {
            name: Option.getOrUndefined(options.name),
            org,
            ownerScope: org === undefined ? "identity_account" : "organization"
          },
          spec: {
            workflowId: workflow.metadata.id,
            workflowInstanceId,
            triggerMessage: Option.getOrUndefined(options.message),
            triggerMetadata: options.input.length === 0 ? undefined : triggerMetadata
          }
        }
      }).pipe(Effect.retry({ while: isConnectionError, schedule: startRetries }))
      yield* Stdio.out(
        options.quiet ? execution.metadata.id : `${Kind.label(execution)} created (${execution.metadata.id})`
      )
      if (options.watch) yield* WatchView.watch(execution)
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Start an execution of a workflow"))
