/**
 * The live view of `weft watch` (and `weft run --watch`): the phase, each task's status
 * with its elapsed time, and finally the end phase.
 *
 * On a terminal the view is redrawn in place, and its clocks tick every second. When
 * stdout is not a terminal (a pipe, a file, CI logs), every change is appended as a new
 * block instead, so the history stays readable.
 */
import { WatchEvent, WeftClient } from "@weft/client"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Option, Stream } from "effect"
import { SilentExit } from "./CliError.js"
import * as Kind from "./Kind.js"
import { duration, executionElapsed, short, table } from "./Output.js"

/** A task's clock stops when it ends, or when its execution does. */
const taskElapsed = (task: WorkflowExecution.TaskEntry, execution: WorkflowExecution.WorkflowExecution, now: number) => {
  if (task.startedAt === undefined) return ""
  const end = task.completedAt ?? execution.status.completedAt
  return duration((end === undefined ? now : Date.parse(end)) - Date.parse(task.startedAt))
}

/** The lines of one state: `[v3] IN_PROGRESS  2.1s`, then one line per task. */
export const lines = (event: WatchEvent.WatchEvent, now = Date.now()): ReadonlyArray<string> => {
  const execution = event.execution
  const version = event._tag === "Execution" ? event.version : execution.metadata.version
  const head = `[v${version}] ${short(execution.status.phase)}  ${duration(executionElapsed(execution, now))}`
  const tasks = execution.status.tasks ?? []
  if (tasks.length === 0) return [head]
  const rows = tasks.map((task, i) => [
    task.taskName ?? task.taskId ?? `#${i + 1}`,
    short(task.status),
    [taskElapsed(task, execution, now), task.error === undefined ? "" : task.error].filter((s) => s !== "").join("  ")
  ])
  const body = table(["TASK", "STATUS", "ELAPSED"], rows).split("\n")
  return [head, ...body.map((line) => `  ${line}`)]
}

/** The closing line: `workflowexecution/x COMPLETED in 3.4s` (with the error when it failed). */
export const finalLine = (event: WatchEvent.WatchEvent): string => {
  const execution = event.execution
  if (event._tag === "Deleted") return `${Kind.label(execution)} deleted`
  const error = execution.status.error === undefined ? "" : `: ${execution.status.error}`
  return `${Kind.label(execution)} ${short(execution.status.phase)} in ${duration(executionElapsed(execution))}${error}`
}

/** Exit code of the last event: 0 for COMPLETED, 1 otherwise (FAILED, CANCELLED, deleted). */
export const exitCode = (event: WatchEvent.WatchEvent): number =>
  event._tag === "Execution" && event.execution.status.phase === "EXECUTION_COMPLETED" ? 0 : 1

const write = (text: string) => Effect.sync(() => void process.stdout.write(text))

/**
 * Watches `execution` until it ends; fails with `SilentExit` (after printing the last
 * line) unless it completed.
 */
export const watch = (execution: { readonly metadata: { readonly id: string; readonly slug: string }; readonly kind: string }, options: {
  readonly live?: boolean
} = {}) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const live = options.live ?? process.stdout.isTTY === true
    yield* write(`watching ${Kind.label(execution)} (${execution.metadata.id})\n`)
    let last: WatchEvent.WatchEvent | undefined
    let drawn = 0
    const draw = (event: WatchEvent.WatchEvent) => {
      const text = lines(event)
      // Cursor to the start of the previous block, clear to the end of the screen.
      const clear = live && drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : ""
      drawn = text.length
      return write(`${clear}${text.join("\n")}\n`)
    }
    const events = weft.watch(execution.metadata.id).pipe(Stream.map(Option.some))
    const ticks = Stream.tick("1 second").pipe(Stream.drop(1), Stream.as(Option.none<WatchEvent.WatchEvent>()))
    yield* (live ? Stream.merge(events, ticks, { haltStrategy: "left" }) : events).pipe(
      Stream.runForEach((tick) => {
        if (Option.isSome(tick)) last = tick.value
        return last === undefined || (Option.isNone(tick) && WatchEvent.isFinal(last)) ? Effect.void : draw(last)
      })
    )
    if (last === undefined) return
    yield* write(`${finalLine(last)}\n`)
    const code = exitCode(last)
    if (code !== 0) return yield* new SilentExit({ exitCode: code })
  })
