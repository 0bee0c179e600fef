/**
 * What the commands print: resources as JSON, YAML or a table, phases and task
 * statuses by their short names, durations and ages.
 */
import type { WorkflowExecution } from "@weft/workflowexecution"
import * as YAML from "yaml"
import type { Kind, Resource } from "./Kind.js"

export type Format = "table" | "json" | "yaml"
export const formats = ["table", "json", "yaml"] as const

export const json = (value: unknown) => JSON.stringify(value, null, 2)

export const yaml = (value: unknown) => YAML.stringify(value, { aliasDuplicateObjects: false }).trimEnd()

/** `EXECUTION_IN_PROGRESS` → `IN_PROGRESS`, `WORKFLOW_TASK_COMPLETED` → `COMPLETED`. */
export const short = (name: string | undefined): string =>
  name === undefined ? "-" : name.replace(/^EXECUTION_/, "").replace(/^WORKFLOW_TASK_/, "")

/** `850ms`, `4.2s`, `3m05s`, `2h10m`. */
export const duration = (millis: number): string => {
  if (!Number.isFinite(millis) || millis < 0) return "-"
  if (millis < 1000) return `${Math.round(millis)}ms`
  const seconds = millis / 1000
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const s = Math.floor(seconds)
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
}

/** Age of a timestamp, kubectl style: `12s`, `5m`, `3h`, `2d`. */
export const age = (timestamp: string | undefined, now = Date.now()): string => {
  if (timestamp === undefined) return "-"
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000))
  if (!Number.isFinite(seconds)) return "-"
  if (seconds < 60) return `${seconds}s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86400)}d`
}

/** Widest a table cell gets; longer values end with an ellipsis. */
export const maxCellWidth = 40

/** `text` cut to `width` characters, the last one an ellipsis. */
export const truncate = (text: string, width = maxCellWidth): string =>
  [...text].length <= width ? text : `${[...text].slice(0, width - 1).join("")}…`

/** The width of each column of a table: its widest cell (truncated), or its header. */
export const columnWidths = (header: ReadonlyArray<string>, cells: ReadonlyArray<ReadonlyArray<string>>) =>
  header.map((h, i) => Math.max(h.length, ...cells.map((row) => truncate(row[i] ?? "").length)))

/** One line of a table: cells padded to `widths`, three spaces apart, long ones truncated. */
export const tableLine = (cells: ReadonlyArray<string>, widths: ReadonlyArray<number>): string =>
  cells.map((cell, i) => (i === cells.length - 1 ? truncate(cell) : truncate(cell).padEnd(widths[i]))).join("   ")
    .trimEnd()

/** Left-aligned columns separated by three spaces, kubectl style; long cells are truncated. */
export const table = (header: ReadonlyArray<string>, cells: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = columnWidths(header, cells)
  return [header, ...cells].map((row) => tableLine(row, widths)).join("\n")
}

/** Elapsed time of an execution: from start (or creation) to completion (or now). */
export const executionElapsed = (execution: WorkflowExecution.WorkflowExecution, now = Date.now()): number => {
  const start = execution.status.startedAt ?? execution.status.audit.specAudit.createdAt
  const end = execution.status.completedAt === undefined ? now : Date.parse(execution.status.completedAt)
  return end - Date.parse(start)
}

/** Slugs of the resources a table refers to by id (an instance's workflow, an execution's instance). */
export type Slugs = ReadonlyMap<string, string>

const slugOf = (slugs: Slugs, id: string | undefined) => id === undefined ? "-" : slugs.get(id) ?? id

const columns: Record<Kind, {
  readonly header: ReadonlyArray<string>
  readonly row: (resource: any, now: number, slugs: Slugs) => ReadonlyArray<string>
}> = {
  Workflow: {
    header: ["SLUG", "ID", "ORG", "TASKS", "VERSION", "AGE"],
    row: (w: import("@weft/workflow").Workflow.Workflow, now) => [
      w.metadata.slug,
      w.metadata.id,
      w.metadata.org ?? "-",
      String(w.spec.tasks.length),
      String(w.metadata.version),
      age(w.status.audit.specAudit.createdAt, now)
    ]
  },
  WorkflowInstance: {
    header: ["SLUG", "ID", "WORKFLOW", "ORG", "VERSION", "AGE"],
    row: (i: import("@weft/workflowinstance").WorkflowInstance.WorkflowInstance, now, slugs) => [
      i.metadata.slug,
      i.metadata.id,
      slugOf(slugs, i.spec.workflowId),
      i.metadata.org ?? "-",
      String(i.metadata.version),
      age(i.status.audit.specAudit.createdAt, now)
    ]
  },
  Environment: {
    header: ["SLUG", "ID", "ORG", "KEYS", "SECRETS", "VERSION", "AGE"],
    row: (e: import("@weft/environment").Environment.Environment, now) => {
      const values = Object.values(e.spec.data ?? {})
      return [
        e.metadata.slug,
        e.metadata.id,
        e.metadata.org ?? "-",
        String(values.length),
        String(values.filter((v) => v.isSecret === true).length),
        String(e.metadata.version),
        age(e.status.audit.specAudit.createdAt, now)
      ]
    }
  },
  WorkflowExecution: {
    header: ["SLUG", "ID", "PHASE", "TASKS", "INSTANCE", "ELAPSED", "AGE"],
    row: (e: WorkflowExecution.WorkflowExecution, now, slugs) => {
      const tasks = e.status.tasks ?? []
      const done = tasks.filter((t) => t.status === "WORKFLOW_TASK_COMPLETED" || t.status === "WORKFLOW_TASK_SKIPPED")
      return [
        e.metadata.slug,
        e.metadata.id,
        short(e.status.phase),
        tasks.length === 0 ? "-" : `${done.length}/${tasks.length}`,
        slugOf(slugs, e.spec.workflowInstanceId),
        duration(executionElapsed(e, now)),
        age(e.status.audit.specAudit.createdAt, now)
      ]
    }
  }
}

/** The header of a kind's table. */
export const resourceHeader = (kind: Kind): ReadonlyArray<string> => columns[kind].header

/** The cells of a resource's row in its kind's table. */
export const resourceRow = (kind: Kind, resource: Resource, now = Date.now(), slugs: Slugs = new Map()) =>
  columns[kind].row(resource, now, slugs)

/** Resources of one kind as a table; ids they refer to are shown as slugs when `slugs` has them. */
export const resourceTable = (
  kind: Kind,
  resources: ReadonlyArray<Resource>,
  now = Date.now(),
  slugs: Slugs = new Map()
): string => table(columns[kind].header, resources.map((r) => resourceRow(kind, r, now, slugs)))

/** The ids a table of these resources shows in its reference column. */
export const referencedIds = (kind: Kind, resources: ReadonlyArray<Resource>): ReadonlyArray<string> => {
  const ids = new Set<string>()
  for (const r of resources) {
    const id = kind === "WorkflowInstance"
      ? (r as import("@weft/workflowinstance").WorkflowInstance.WorkflowInstance).spec.workflowId
      : kind === "WorkflowExecution"
      ? (r as WorkflowExecution.WorkflowExecution).spec.workflowInstanceId
      : undefined
    if (id !== undefined) ids.add(id)
  }
  return [...ids]
}

/** One resource or a page of them in `format`. */
export const render = (
  format: Format,
  kind: Kind,
  value: { readonly one: Resource } | { readonly entries: ReadonlyArray<Resource>; readonly nextPageToken?: string | undefined },
  slugs: Slugs = new Map()
): string => {
  const data = "one" in value ? value.one : value
  switch (format) {
    case "json":
      return json(data)
    case "yaml":
      return yaml(data)
    case "table":
      return resourceTable(kind, "one" in value ? [value.one] : value.entries, Date.now(), slugs)
  }
}
