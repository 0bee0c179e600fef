/**
 * `weft get KIND [NAME]` and `weft list KIND`: one resource (by id or slug) or a page
 * of them, as a table, JSON or YAML.
 */
import { Args, Command, Options } from "@effect/cli"
import { InvalidArgument } from "@weft/resource"
import { Effect, Option } from "effect"
import * as Kind from "../Kind.js"
import * as ListView from "../ListView.js"
import * as Stdio from "../Stdio.js"
import * as Output from "../Output.js"
import { parsePhases } from "../Phase.js"
import { connection, org, output, withClient } from "../Shared.js"

const kindArg = Args.text({ name: "KIND" }).pipe(
  Args.withDescription(`${Kind.kindHelp}; also KIND/NAME`)
)

const filters = {
  workflow: Options.text("workflow").pipe(Options.withPseudoName("WORKFLOW"), 
    Options.optional,
    Options.withDescription("Only instances or executions of this workflow (slug or id)")
  ),
  instance: Options.text("instance").pipe(Options.withPseudoName("INSTANCE"), 
    Options.optional,
    Options.withDescription("Only executions of this instance (slug or id)")
  ),
  phase: Options.text("phase").pipe(Options.withPseudoName("PHASE"), 
    Options.repeated,
    Options.withDescription("Only executions in this phase (PENDING, IN_PROGRESS, COMPLETED, FAILED, CANCELLED); repeatable")
  ),
  pageSize: Options.integer("page-size").pipe(Options.withPseudoName("N"), 
    Options.withDefault(50),
    Options.withDescription("Entries per page (1..1000)")
  ),
  pageToken: Options.text("page-token").pipe(Options.withPseudoName("TOKEN"), 
    Options.optional,
    Options.withDescription("Continue a previous list from this token")
  )
}

interface ListOptions {
  readonly org: Option.Option<string>
  readonly workflow: Option.Option<string>
  readonly instance: Option.Option<string>
  readonly phase: ReadonlyArray<string>
  readonly pageSize: number
  readonly pageToken: Option.Option<string>
  readonly output: Output.Format
}

const listing = (kind: Kind.Kind, options: ListOptions) =>
  Effect.gen(function*() {
    const page = yield* Kind.list(kind, {
      org: Option.getOrUndefined(options.org),
      workflow: Option.getOrUndefined(options.workflow),
      instance: Option.getOrUndefined(options.instance),
      phases: yield* parsePhases(options.phase),
      pageSize: options.pageSize,
      pageToken: Option.getOrUndefined(options.pageToken)
    })
    if (options.output === "table" && page.entries.length === 0) {
      return yield* Stdio.err(`No ${kind} resources found.`)
    }
    const slugs = options.output === "table" ? yield* Kind.slugsOf(Output.referencedIds(kind, page.entries)) : new Map()
    yield* Stdio.out(Output.render(options.output, kind, page, slugs))
    if (options.output === "table" && page.nextPageToken !== undefined) {
      yield* Stdio.err(`(more: --page-token ${page.nextPageToken})`)
    }
  })

const hasFilters = (options: ListOptions) =>
  Option.isSome(options.workflow) || Option.isSome(options.instance) || options.phase.length > 0 ||
  Option.isSome(options.pageToken)

export const get = Command.make(
  "get",
  {
    ...connection,
    kind: kindArg,
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("Id or slug; lists the kind when absent"), Args.optional),
    org,
    output,
    ...filters
  },
  (options) =>
    Effect.gen(function*() {
      const { kind, name } = yield* Kind.parseWithName(options.kind, Option.getOrUndefined(options.name))
      if (name === undefined) return yield* listing(kind, options)
      if (hasFilters(options)) {
        return yield* new InvalidArgument({ message: "--workflow, --instance, --phase and --page-token apply to lists only" })
      }
      const resource = yield* Kind.find(kind, name, Option.getOrUndefined(options.org))
      const slugs = options.output === "table" ? yield* Kind.slugsOf(Output.referencedIds(kind, [resource])) : new Map()
      yield* Stdio.out(Output.render(options.output, kind, { one: resource }, slugs))
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Show one resource by id or slug (or list the kind when no name is given)"))

const watch = Options.boolean("watch").pipe(
  Options.withAlias("w"),
  Options.withDescription(
    "Executions only: keep the table up to date as runs start, change and end (one line per change when stdout is not a terminal); Ctrl-C stops"
  )
)

/** `list executions --watch`: a table only, of executions, from the newest. */
const following = (kind: Kind.Kind, options: ListOptions) =>
  Effect.gen(function*() {
    if (kind !== "WorkflowExecution") return yield* new InvalidArgument({ message: "--watch: only executions can be watched" })
    if (options.output !== "table") return yield* new InvalidArgument({ message: "--watch: prints a table (no -o)" })
    if (Option.isSome(options.pageToken)) return yield* new InvalidArgument({ message: "--watch: starts from the newest (no --page-token)" })
    yield* ListView.follow({
      org: Option.getOrUndefined(options.org),
      workflow: Option.getOrUndefined(options.workflow),
      instance: Option.getOrUndefined(options.instance),
      phases: yield* parsePhases(options.phase),
      pageSize: options.pageSize
    })
  })

export const list = Command.make(
  "list",
  { ...connection, kind: kindArg, org, output, ...filters, watch },
  (options) =>
    Effect.gen(function*() {
      const { kind, name } = yield* Kind.parseWithName(options.kind, undefined)
      if (name !== undefined) return yield* new InvalidArgument({ message: `list takes a kind, not ${options.kind}` })
      yield* options.watch ? following(kind, options) : listing(kind, options)
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("List resources of a kind, newest first; with --watch, follow executions live"))
