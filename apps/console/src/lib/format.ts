/** Durations, times and names as the console shows them. */
import type { Execution, Phase, TaskStatus } from "../api/types.js"

/** `850 ms`, `4.2 s`, `3 m 04 s`, `2 h 05 m`, `3 d 4 h`. */
export const duration = (millis: number): string => {
  if (!Number.isFinite(millis) || millis < 0) return "–"
  if (millis < 1000) return `${Math.round(millis)} ms`
  const seconds = millis / 1000
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.floor(seconds)} s`
  const s = Math.floor(seconds)
  const pad = (n: number) => String(n).padStart(2, "0")
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
}

const parse = (timestamp: string | undefined): number | undefined => {
  if (timestamp === undefined) return undefined
  const millis = Date.parse(timestamp)
  return Number.isNaN(millis) ? undefined : millis
}

export const millisOf = parse

/** How long a run took, or has been running for (`now` for one still running). */
export const runDuration = (execution: Execution, now: number): number | undefined => {
  const started = parse(execution.status.startedAt)
  if (started === undefined) return undefined
  const ended = parse(execution.status.completedAt)
  return (ended ?? now) - started
}

export const createdAt = (resource: { readonly status: { readonly audit?: { readonly specAudit?: { readonly createdAt?: string } } } }) =>
  resource.status.audit?.specAudit?.createdAt

/** `12 s ago`, `5 m ago`, `3 h ago`, else the date. */
export const ago = (timestamp: string | undefined, now: number): string => {
  const millis = parse(timestamp)
  if (millis === undefined) return "–"
  const delta = Math.max(0, now - millis)
  if (delta < 5_000) return "just now"
  if (delta < 60_000) return `${Math.floor(delta / 1000)} s ago`
  if (delta < 3_600_000) return `${Math.floor(delta / 60_000)} m ago`
  if (delta < 86_400_000) return `${Math.floor(delta / 3_600_000)} h ago`
  return new Date(millis).toISOString().slice(0, 10)
}

/** A timestamp in the reader's time zone, to the second. */
export const dateTime = (timestamp: string | undefined): string => {
  const millis = parse(timestamp)
  if (millis === undefined) return "–"
  const d = new Date(millis)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${
    pad(d.getSeconds())
  }`
}

const words = (value: string, prefix: string) =>
  value.startsWith(prefix)
    ? value.slice(prefix.length).toLowerCase().replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase())
    : value

export const phaseLabel = (phase: Phase | undefined) => phase === undefined ? "Unknown" : words(phase, "EXECUTION_")
export const phaseClass = (phase: Phase | undefined) =>
  phase === undefined ? "unknown" : phase.slice("EXECUTION_".length).toLowerCase().replace(/_/g, "-")

export const taskStatusLabel = (status: TaskStatus | undefined) =>
  status === undefined ? "Unknown" : words(status, "WORKFLOW_TASK_")
export const taskStatusClass = (status: TaskStatus | undefined) =>
  status === undefined ? "unknown" : status.slice("WORKFLOW_TASK_".length).toLowerCase().replace(/_/g, "-")

/** `WORKFLOW_TASK_KIND_HTTP_CALL` → `HTTP_CALL`. */
export const kindLabel = (kind: string) => kind.replace(/^WORKFLOW_TASK_KIND_/, "")
