/**
 * A runner of one's own, for a server started with `WEFT_RUNNER=none`: it follows the
 * feed of every change for PENDING runs, claims one by moving it to IN_PROGRESS at the
 * version it saw (`If-Match`: of several runners, one wins, the others get 412 and let
 * it go), reports each task, and finishes the run. Start as many copies as you like.
 *
 *   WEFT_SERVER=http://127.0.0.1:8080 WEFT_TOKEN=<runner token> pnpm --filter @weft/example-runner start
 *
 * It prints one line per decision: `following the feed`, `claimed <id>`, `lost <id>`
 * (another runner has it), `completed <id>`, `failed <id>`, `gone <id>` (cancelled or
 * deleted meanwhile). The work of a task is this example's own: a SET task merges its
 * `variables` into the data (as literals), any other kind passes the data on.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { type FeedEvent, WeftClient } from "@weft/client"
import { Chunk, Console, Effect, Option, Stream } from "effect"

type Execution = FeedEvent.Execution["execution"]
type Task = Execution["status"]["tasks"] extends ReadonlyArray<infer T> | undefined ? T : never

const runnerName = process.env["RUNNER_NAME"] ?? `runner-${process.pid}`
const pending = ["EXECUTION_PENDING"] as const

/** Moves the run to IN_PROGRESS if it is still at the version seen; `none` when another runner was first. */
const claim = (weft: WeftClient.WeftClientShape, execution: Execution) =>
  weft.workflowExecutions.updateStatus({
    path: { id: execution.metadata.id },
    payload: { phase: "EXECUTION_IN_PROGRESS" },
    headers: { "if-match": WeftClient.ifMatch(execution) }
  }).pipe(
    Effect.asSome,
    Effect.catchTag("Aborted", () => Effect.as(Console.log(`lost ${execution.metadata.id}`), Option.none()))
  )

/** The work of one task: what it outputs, given the data so far. */
const work = (kind: string, config: Record<string, unknown>, data: Record<string, unknown>) =>
  Effect.succeed(
    kind === "WORKFLOW_TASK_KIND_SET" ? { ...data, ...(config["variables"] as Record<string, unknown>) } : data
  )

/** Runs a claimed execution: each task IN_PROGRESS, then COMPLETED with its output; then the run. */
const execute = (weft: WeftClient.WeftClientShape, execution: Execution) =>
  Effect.gen(function*() {
    const id = execution.metadata.id
    const report = (status: Parameters<typeof weft.workflowExecutions.updateStatus>[0]["payload"]) =>
      weft.workflowExecutions.updateStatus({ path: { id }, payload: status, headers: {} })
    // The server stores both ids, whichever the run was started with.
    const workflow = yield* weft.workflows.get({ path: { id: execution.spec.workflowId! } })
    const tasks: Array<Task> = workflow.spec.tasks.map((task) => ({
      taskId: task.name,
      taskName: task.name,
      taskType: "WORKFLOW_TASK_CUSTOM",
      status: "WORKFLOW_TASK_PENDING"
    }))
    let data: Record<string, unknown> = { ...execution.spec.triggerMetadata }
    for (const [index, task] of workflow.spec.tasks.entries()) {
      tasks[index] = { ...tasks[index], status: "WORKFLOW_TASK_IN_PROGRESS", input: data, startedAt: new Date().toISOString() }
      yield* report({ tasks })
      data = yield* work(task.kind, task.taskConfig as Record<string, unknown>, data)
      tasks[index] = { ...tasks[index], status: "WORKFLOW_TASK_COMPLETED", output: data, completedAt: new Date().toISOString() }
    }
    yield* report({ tasks, phase: "EXECUTION_COMPLETED", output: { ...data, runner: runnerName } })
    yield* Console.log(`completed ${id}`)
  }).pipe(
    // Cancelled (a terminal phase cannot be left) or deleted while it ran: nothing left to do.
    Effect.catchTags({
      FailedPrecondition: () => Console.log(`gone ${execution.metadata.id}`),
      NotFound: () => Console.log(`gone ${execution.metadata.id}`)
    }),
    Effect.catchAll((error) =>
      Effect.zipRight(
        Console.log(`failed ${execution.metadata.id}: ${error.message}`),
        weft.workflowExecutions.updateStatus({
          path: { id: execution.metadata.id },
          payload: { phase: "EXECUTION_FAILED", error: `runner: ${error.message}` },
          headers: {}
        }).pipe(Effect.ignore)
      )
    )
  )

const run = (weft: WeftClient.WeftClientShape, execution: Execution) =>
  Effect.flatMap(claim(weft, execution), (claimed) =>
    Option.match(claimed, {
      onNone: () => Effect.void,
      onSome: (running) => Effect.zipRight(Console.log(`claimed ${running.metadata.id}`), execute(weft, running))
    }))

/** The PENDING runs that exist now, page by page. */
const listPending = (weft: WeftClient.WeftClientShape) =>
  Stream.paginateChunkEffect(undefined as string | undefined, (pageToken) =>
    Effect.map(
      weft.workflowExecutions.list({ urlParams: { pageSize: 100, pageToken, phase: pending } }),
      (page) => [Chunk.fromIterable(page.entries), Option.fromNullable(page.nextPageToken)] as const
    ))

/**
 * The runs to try: each PENDING state the feed shows, and the PENDING runs a list shows
 * when the feed first connects (runs created before the runner started) or had to reset
 * (changes it missed).
 */
const candidates = (weft: WeftClient.WeftClientShape) =>
  weft.feed({ phase: pending }).pipe(
    Stream.tap((event) => event._tag === "Connected" ? Console.log("following the feed") : Effect.void),
    Stream.flatMap((event) =>
      event._tag === "Execution"
        ? Stream.make(event.execution)
        : (event._tag === "Connected" && event.after === undefined) || event._tag === "Reset"
        ? listPending(weft)
        : Stream.empty
    )
  )

const program = Effect.gen(function*() {
  const weft = yield* WeftClient.WeftClient
  yield* candidates(weft).pipe(
    Stream.mapEffect((execution) => run(weft, execution), { concurrency: 4, unordered: true }),
    Stream.runDrain
  )
}).pipe(Effect.provide(WeftClient.layerConfig()))

NodeRuntime.runMain(program)
