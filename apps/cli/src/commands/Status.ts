/**
 * `weft status EXECUTION`: what a runner script calls to report progress
 * (`PATCH /v1/workflow-executions/:id/status`).
 *
 *     weft status "$EXEC" --phase IN_PROGRESS --task validate_email=IN_PROGRESS
 *     weft status "$EXEC" --task validate_email=COMPLETED --task create_account=IN_PROGRESS
 *     weft status "$EXEC" --phase COMPLETED --output @result.json
 *     weft status "$EXEC" --phase FAILED --error "SMTP timeout"
 *
 * The server replaces the whole task list when tasks are sent, so `--task` merges:
 * it reads the execution, changes (or adds) the named tasks, and sends the list with
 * `If-Match`, retrying when another update came in between. The first `--task` on an
 * execution without tasks lists every task of its workflow as PENDING. A task gets its
 * `startedAt` when it becomes IN_PROGRESS and its `completedAt` when it ends (COMPLETED,
 * FAILED, SKIPPED), unless it already has them. A `--task` name must be a task of the
 * workflow (at any depth) or already in the execution's list, unless `--allow-new-tasks`.
 *
 * The token is `--token`, else `$WEFT_RUNNER_TOKEN`, else `$WEFT_TOKEN`.
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { WeftClient } from "@weft/client"
import { InvalidArgument } from "@weft/resource"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Option, Predicate } from "effect"
import { fileError } from "../CliError.js"
import * as Kind from "../Kind.js"
import * as Stdio from "../Stdio.js"
import * as Output from "../Output.js"
import { parsePhase, parseTaskStatus } from "../Phase.js"
import { org, runnerConnection, withClient } from "../Shared.js"

type TaskStatus = NonNullable<WorkflowExecution.TaskEntry["status"]>

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** `--output '{"a":1}'` or `--output @file.json` → a JSON object. */
const parseOutput = (value: string) =>
  Effect.gen(function*() {
    const text = value.startsWith("@")
      ? yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(value.slice(1))).pipe(
        Effect.mapError((error) => new InvalidArgument({ message: `--output: cannot read ${value.slice(1)}: ${fileError(error)}` }))
      )
      : value
    const parsed = yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => new InvalidArgument({ message: `--output: not valid JSON: ${(error as Error).message}` })
    })
    if (!isRecord(parsed)) return yield* new InvalidArgument({ message: "--output: must be a JSON object" })
    return parsed
  })

/** `name=STATUS` pairs, in order. */
const parseTasks = (pairs: ReadonlyArray<string>) =>
  Effect.forEach(pairs, (pair) => {
    const eq = pair.lastIndexOf("=")
    if (eq <= 0) return Effect.fail(new InvalidArgument({ message: `--task: expected NAME=STATUS, got "${pair}"` }))
    return Effect.map(parseTaskStatus(pair.slice(eq + 1)), (status) => ({ name: pair.slice(0, eq), status }))
  })

const ended: ReadonlySet<TaskStatus> = new Set(["WORKFLOW_TASK_COMPLETED", "WORKFLOW_TASK_FAILED", "WORKFLOW_TASK_SKIPPED"])

/** The task list with `changes` applied. */
export const mergeTasks = (
  tasks: ReadonlyArray<WorkflowExecution.TaskEntry>,
  changes: ReadonlyArray<{ readonly name: string; readonly status: TaskStatus }>,
  now: string
): ReadonlyArray<WorkflowExecution.TaskEntry> => {
  const out = [...tasks]
  for (const change of changes) {
    const index = out.findIndex((t) => t.taskName === change.name || (t.taskName === undefined && t.taskId === change.name))
    const before: WorkflowExecution.TaskEntry = index >= 0 ? out[index] : { taskId: change.name, taskName: change.name }
    const entry: WorkflowExecution.TaskEntry = {
      ...before,
      status: change.status,
      startedAt: before.startedAt ?? (change.status === "WORKFLOW_TASK_IN_PROGRESS" ? now : undefined),
      completedAt: ended.has(change.status) ? before.completedAt ?? now : undefined
    }
    if (index >= 0) out[index] = entry
    else out.push(entry)
  }
  return out
}

/**
 * Every task name of a workflow: its tasks, and the tasks nested in their configs (the
 * bodies of FOR, FORK and TRY are task lists too).
 */
export const taskNames = (tasks: ReadonlyArray<unknown>): ReadonlySet<string> => {
  const names = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isRecord(value)) return
    if (typeof value.name === "string" && typeof value.kind === "string") names.add(value.name)
    Object.values(value).forEach(visit)
  }
  visit(tasks)
  return names
}

/**
 * The changes whose task the execution does not know: not in its task list, not a task
 * of its workflow. `known` is undefined when the workflow is gone.
 */
export const unknownTasks = (
  changes: ReadonlyArray<{ readonly name: string }>,
  current: ReadonlyArray<WorkflowExecution.TaskEntry>,
  known: ReadonlySet<string>
): ReadonlyArray<string> =>
  changes.map((c) => c.name).filter((name) =>
    !known.has(name) && !current.some((t) => t.taskName === name || t.taskId === name)
  )

const maxAttempts = 5

export const status = Command.make(
  "status",
  {
    ...runnerConnection,
    org,
    execution: Args.text({ name: "EXECUTION" }).pipe(Args.withDescription("Execution id or slug")),
    phase: Options.text("phase").pipe(Options.withPseudoName("PHASE"), 
      Options.optional,
      Options.withDescription("PENDING, IN_PROGRESS, COMPLETED, FAILED or CANCELLED")
    ),
    output: Options.text("output").pipe(Options.withPseudoName("JSON|@FILE"), 
      Options.optional,
      Options.withDescription("status.output: a JSON object, or @FILE to read it from a file")
    ),
    error: Options.text("error").pipe(Options.withPseudoName("MESSAGE"), Options.optional, Options.withDescription("status.error")),
    task: Options.text("task").pipe(Options.withPseudoName("NAME=STATUS"), 
      Options.repeated,
      Options.withDescription(
        "Task status: PENDING, IN_PROGRESS, COMPLETED, FAILED or SKIPPED; NAME must be a task of the workflow; repeatable"
      )
    ),
    allowNewTasks: Options.boolean("allow-new-tasks").pipe(
      Options.withDescription("Accept --task names the workflow does not have (they are added to the list)")
    )
  },
  (options) =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const phase = Option.isSome(options.phase) ? yield* parsePhase(options.phase.value) : undefined
      const output = Option.isSome(options.output) ? yield* parseOutput(options.output.value) : undefined
      const changes = yield* parseTasks(options.task)
      const error = Option.getOrUndefined(options.error)
      if (phase === undefined && output === undefined && error === undefined && changes.length === 0) {
        return yield* new InvalidArgument({ message: "nothing to update: give --phase, --task, --output or --error" })
      }
      let current = yield* Kind.findExecution(options.execution, Option.getOrUndefined(options.org))
      // The workflow's tasks: to check the names, and to list them all when the execution has none yet.
      const workflowId = current.spec.workflowId
      const workflow = changes.length === 0 || workflowId === undefined
        ? undefined
        : yield* weft.workflows.get({ path: { id: workflowId } }).pipe(
          Effect.catchIf((e) => Predicate.isTagged(e, "NotFound"), () => Effect.succeed(undefined))
        )
      if (!options.allowNewTasks && changes.length > 0) {
        const unknown = unknownTasks(changes, current.status.tasks ?? [], taskNames(workflow?.spec.tasks ?? []))
        if (unknown.length > 0) {
          const names = [...taskNames(workflow?.spec.tasks ?? [])]
          return yield* new InvalidArgument({
            message: `--task: ${unknown.map((n) => JSON.stringify(n)).join(", ")} ${unknown.length === 1 ? "is" : "are"} not ` +
              (workflow === undefined
                ? `a task of this execution (its workflow ${workflowId ?? ""} no longer exists)`
                : `a task of workflow ${workflow.metadata.slug} (${names.join(", ")})`) +
              "; pass --allow-new-tasks to add it anyway"
          })
        }
      }
      const seed = changes.length > 0 && (current.status.tasks ?? []).length === 0 && workflow !== undefined
        ? workflow.spec.tasks.map(
          (task): WorkflowExecution.TaskEntry => ({ taskId: task.name, taskName: task.name, status: "WORKFLOW_TASK_PENDING" })
        )
        : []
      for (let attempt = 1;; attempt++) {
        const existing = current.status.tasks ?? []
        const tasks = changes.length === 0
          ? undefined
          : mergeTasks(existing.length === 0 ? seed : existing, changes, new Date().toISOString())
        const result = yield* weft.workflowExecutions.updateStatus({
          path: { id: current.metadata.id },
          payload: { phase, output, error, tasks },
          // Only a read-modify-write of the task list needs the version it read.
          headers: { "if-match": tasks === undefined ? undefined : WeftClient.ifMatch(current) }
        }).pipe(
          Effect.map(Option.some),
          Effect.catchIf(
            (e) => Predicate.isTagged(e, "Aborted") && attempt < maxAttempts,
            () => Effect.succeedNone
          )
        )
        if (Option.isSome(result)) {
          const updated = result.value
          return yield* Stdio.out(
            `${Kind.label(updated)} ${Output.short(updated.status.phase)} (version ${updated.metadata.version})`
          )
        }
        current = yield* weft.workflowExecutions.get({ path: { id: current.metadata.id } })
      }
    }).pipe((effect) => withClient(options, effect))
).pipe(Command.withDescription("Report the status of an execution (phase, tasks, output, error), as a runner does"))
