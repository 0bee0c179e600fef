/**
 * `weft list executions --watch`: the list, kept up to date from the feed of every
 * change.
 *
 * The feed is opened first and the list read once it is connected (and again after a
 * `Reset`), so no change falls between the two. On a terminal the table is redrawn in
 * place at each change (rows added, updated, removed; newest first, at most a page) and
 * its clocks tick every second. When stdout is not a terminal, the table is printed
 * once, then every change is appended as one row of the same columns (a deleted run with
 * phase `DELETED`), so the output can be read line by line by another program.
 */
import { type FeedEvent, WeftClient } from "@weft/client"
import type { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Option, Stream } from "effect"
import * as Kind from "./Kind.js"
import * as Output from "./Output.js"
import * as Stdio from "./Stdio.js"

type Execution = WorkflowExecution.WorkflowExecution

const kind = "WorkflowExecution"

/** The rows a live table shows: the newest `limit` executions (ids are ULIDs: newest sort last). */
export const newest = (rows: ReadonlyMap<string, Execution>, limit: number): ReadonlyArray<Execution> =>
  [...rows.values()].sort((a, b) => a.metadata.id < b.metadata.id ? 1 : a.metadata.id > b.metadata.id ? -1 : 0)
    .slice(0, limit)

const inPhases = (execution: Execution, phases: ReadonlyArray<WorkflowExecution.ExecutionPhase>) =>
  phases.length === 0 || (execution.status.phase !== undefined && phases.includes(execution.status.phase))

/**
 * What a change does to the rows: a state in the phases is put in (or replaces the old
 * one), a state out of them or a deletion takes the row out. Answers whether the change
 * is one to show: a state put in, or the deletion of a run that was (or would be) shown.
 */
export const apply = (
  rows: Map<string, Execution>,
  event: FeedEvent.Execution | FeedEvent.Deleted,
  phases: ReadonlyArray<WorkflowExecution.ExecutionPhase>
): boolean => {
  const execution = event.execution
  const id = execution.metadata.id
  if (event._tag === "Execution" && inPhases(execution, phases)) {
    rows.set(id, execution)
    return true
  }
  const shown = rows.delete(id)
  return event._tag === "Deleted" && (shown || inPhases(execution, phases))
}

/** The row a change appends in line mode: the execution's row, with phase `DELETED` for a deletion. */
export const changeRow = (
  event: FeedEvent.Execution | FeedEvent.Deleted,
  now: number,
  slugs: Output.Slugs
): ReadonlyArray<string> => {
  const cells = [...Output.resourceRow(kind, event.execution, now, slugs)]
  if (event._tag === "Deleted") cells[Output.resourceHeader(kind).indexOf("PHASE")] = "DELETED"
  return cells
}

type Tick = Option.Option<FeedEvent.FeedEvent>

/** Follows the executions `filters` select until interrupted (Ctrl-C). */
export const follow = (filters: Kind.ListFilters, options: { readonly live?: boolean } = {}) =>
  Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const live = options.live ?? process.stdout.isTTY === true
    const { instanceId, workflowId } = yield* Kind.resolveRefs(filters)
    const header = Output.resourceHeader(kind)
    const rows = new Map<string, Execution>()
    const slugs = new Map<string, string>()
    let widths: ReadonlyArray<number> = header.map((h) => h.length)
    let drawn = 0

    /** Slugs of the instances rows refer to, looked up once each. */
    const learnSlugs = (executions: ReadonlyArray<Execution>) =>
      Effect.gen(function*() {
        const unknown = Output.referencedIds(kind, executions).filter((id) => !slugs.has(id))
        if (unknown.length === 0) return
        for (const [id, slug] of yield* Kind.slugsOf(unknown)) slugs.set(id, slug)
      })

    /** A page, and on a terminal no more rows than fit (the header and the cursor's line aside). */
    const limit = () => {
      const height = live ? process.stdout.rows ?? 0 : 0
      return height > 2 ? Math.min(filters.pageSize, height - 2) : filters.pageSize
    }

    /** The whole table, in place of the one drawn before (live), or once (lines). */
    const draw = Effect.suspend(() => {
      const now = Date.now()
      const cells = newest(rows, limit()).map((execution) => Output.resourceRow(kind, execution, now, slugs))
      widths = Output.columnWidths(header, cells)
      const text = [header, ...cells].map((row) => Output.tableLine(row, widths))
      // Cursor to the start of the previous table, clear to the end of the screen.
      const clear = live && drawn > 0 ? `\x1b[${drawn}F\x1b[0J` : ""
      drawn = text.length
      return Stdio.write(`${clear}${text.join("\n")}\n`)
    })

    const listAgain = Effect.gen(function*() {
      const page = yield* Kind.list(kind, { ...filters, pageToken: undefined })
      const entries = page.entries as ReadonlyArray<Execution>
      rows.clear()
      for (const execution of entries) rows.set(execution.metadata.id, execution)
      yield* learnSlugs(entries)
      yield* draw
    })

    const onChange = (event: FeedEvent.Execution | FeedEvent.Deleted) =>
      Effect.gen(function*() {
        const shown = apply(rows, event, filters.phases)
        yield* learnSlugs([event.execution])
        if (live) return yield* draw
        if (shown) yield* Stdio.out(Output.tableLine(changeRow(event, Date.now(), slugs), widths))
      })

    const onEvent = (tick: Tick) => {
      if (Option.isNone(tick)) return drawn > 0 ? draw : Effect.void
      const event = tick.value
      switch (event._tag) {
        case "Connected":
          return event.after === undefined ? listAgain : Effect.void
        case "Reset":
          return Effect.zipRight(Stdio.err("(changes were missed: listing again)"), listAgain)
        default:
          return onChange(event)
      }
    }

    yield* Stdio.err("(following changes; Ctrl-C to stop)")
    const events: Stream.Stream<Tick, WeftClient.ClientError> = weft.feed({
      org: filters.org,
      workflowId,
      workflowInstanceId: instanceId
    }).pipe(Stream.map(Option.some))
    const ticks = Stream.tick("1 second").pipe(Stream.drop(1), Stream.as(Option.none()))
    yield* (live ? Stream.merge(events, ticks, { haltStrategy: "left" }) : events).pipe(Stream.runForEach(onEvent))
  })
