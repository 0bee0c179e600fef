/**
 * A run's tasks as timeline rows: each nested entry (`loop/2/notify`) under its nearest
 * listed ancestor (`loop`), siblings in the order they started, top-level tasks in the
 * order the run lists them; bars placed on one scale from the run's start to its end
 * (or to now while it runs).
 */
import type { Execution, TaskEntry } from "../api/types.js"
import { millisOf } from "./format.js"

export interface TimelineRow {
  readonly entry: TaskEntry
  readonly id: string
  /** Nesting depth: 0 for a top-level task. */
  readonly depth: number
  /** The id's segments under its parent's id (`2 / notify`), or the name. */
  readonly label: string
  readonly start: number | undefined
  readonly end: number | undefined
  /** Bar position and width, as fractions of the scale (0..1); undefined: never started. */
  readonly offset: number | undefined
  readonly width: number | undefined
}

export interface Timeline {
  readonly rows: ReadonlyArray<TimelineRow>
  readonly start: number | undefined
  readonly span: number
}

const idOf = (entry: TaskEntry, index: number) => entry.taskId ?? entry.taskName ?? `#${index}`

export const timeline = (execution: Execution, now: number): Timeline => {
  const entries = execution.status.tasks ?? []
  const ids = entries.map(idOf)
  const known = new Set(ids)
  const parentOf = (id: string): string | undefined => {
    let cut = id.lastIndexOf("/")
    while (cut > 0) {
      const candidate = id.slice(0, cut)
      if (known.has(candidate)) return candidate
      cut = candidate.lastIndexOf("/")
    }
    return undefined
  }
  const running = (entry: TaskEntry) => entry.status === "WORKFLOW_TASK_IN_PROGRESS"
  const runEnd = millisOf(execution.status.completedAt)
  const endOf = (entry: TaskEntry) =>
    millisOf(entry.completedAt) ?? (running(entry) ? runEnd ?? now : millisOf(entry.startedAt))

  const starts = entries.map((e) => millisOf(e.startedAt)).filter((t): t is number => t !== undefined)
  const runStart = millisOf(execution.status.startedAt)
  const start = runStart !== undefined || starts.length > 0 ? Math.min(runStart ?? Infinity, ...starts) : undefined
  const ends = entries.map(endOf).filter((t): t is number => t !== undefined)
  const finish = runEnd ?? (execution.status.phase === "EXECUTION_IN_PROGRESS" ? now : undefined)
  const last = Math.max(finish ?? -Infinity, ...ends)
  const span = start === undefined || !Number.isFinite(last) ? 0 : Math.max(1, last - start)

  const children = new Map<string | undefined, Array<number>>()
  ids.forEach((id, index) => {
    const parent = parentOf(id)
    const list = children.get(parent) ?? []
    list.push(index)
    children.set(parent, list)
  })
  const byStart = (a: number, b: number) =>
    (millisOf(entries[a].startedAt) ?? Infinity) - (millisOf(entries[b].startedAt) ?? Infinity) || a - b

  const rows: Array<TimelineRow> = []
  const visit = (parent: string | undefined, depth: number) => {
    const list = children.get(parent) ?? []
    if (parent !== undefined) list.sort(byStart)
    for (const index of list) {
      const entry = entries[index]
      const id = ids[index]
      const s = millisOf(entry.startedAt)
      const e = endOf(entry)
      const placed = start !== undefined && s !== undefined && span > 0
      rows.push({
        entry,
        id,
        depth,
        label: parent === undefined ? (entry.taskName ?? id) : id.slice(parent.length + 1).split("/").join(" / "),
        start: s,
        end: e,
        offset: placed ? (s - start) / span : undefined,
        width: placed ? Math.max(0, ((e ?? s) - s) / span) : undefined
      })
      visit(id, depth + 1)
    }
  }
  visit(undefined, 0)
  return { rows, start, span }
}
