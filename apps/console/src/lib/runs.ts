/**
 * The runs list's filters: how they travel in the page's URL, which of them the API
 * takes as query parameters, and the same filters applied in the browser, for those this
 * server's API does not take (and to place a live change in or out of the list).
 */
import type { Capabilities } from "../api/capabilities.js"
import { type Execution, type Phase, phases } from "../api/types.js"
import { createdAt } from "./format.js"
import { matches, parseSelector } from "./labels.js"

export interface RunFilters {
  readonly phases: ReadonlyArray<Phase>
  readonly workflowId?: string
  readonly workflowInstanceId?: string
  readonly org?: string
  readonly labelSelector?: string
  /** RFC 3339. */
  readonly createdAfter?: string
  readonly createdBefore?: string
}

const text = ["workflowId", "workflowInstanceId", "org", "labelSelector", "createdAfter", "createdBefore"] as const
type TextFilter = typeof text[number]

export const fromSearch = (search: URLSearchParams): RunFilters => {
  const out: { -readonly [K in keyof RunFilters]: RunFilters[K] } = {
    phases: search.getAll("phase").filter((p): p is Phase => (phases as ReadonlyArray<string>).includes(p))
  }
  for (const key of text) {
    const value = search.get(key)?.trim()
    if (value !== undefined && value !== "") out[key] = value
  }
  return out
}

export const toSearch = (filters: RunFilters): string => {
  const params = new URLSearchParams()
  for (const phase of filters.phases) params.append("phase", phase)
  for (const key of text) if (filters[key] !== undefined) params.set(key, filters[key]!)
  const search = params.toString()
  return search === "" ? "" : `?${search}`
}

/** The list's query parameters: each filter this API takes. */
export const toQuery = (filters: RunFilters, capabilities: Capabilities): Record<string, string | ReadonlyArray<string>> => {
  const query: Record<string, string | ReadonlyArray<string>> = {}
  if (filters.phases.length > 0 && capabilities.listParams.has("phase")) query["phase"] = filters.phases
  for (const key of text) {
    if (filters[key] !== undefined && capabilities.listParams.has(key)) query[key] = filters[key]!
  }
  return query
}

/** The filters the API does not take, applied here; all of them for live changes. */
export const clientFilters = (filters: RunFilters, capabilities: Capabilities | undefined): RunFilters => {
  const supported = (key: string) => capabilities !== undefined && capabilities.listParams.has(key)
  const out: { -readonly [K in keyof RunFilters]: RunFilters[K] } = { phases: supported("phase") ? [] : filters.phases }
  for (const key of text) if (!supported(key)) out[key] = filters[key]
  return out
}

/** A malformed filter the list cannot be asked for, by field, or undefined. */
export const invalid = (filters: RunFilters): Partial<Record<TextFilter, string>> | undefined => {
  const errors: Partial<Record<TextFilter, string>> = {}
  if (filters.labelSelector !== undefined) {
    const parsed = parseSelector(filters.labelSelector)
    if (typeof parsed === "string") errors.labelSelector = parsed
  }
  for (const key of ["createdAfter", "createdBefore"] as const) {
    if (filters[key] !== undefined && Number.isNaN(Date.parse(filters[key]!))) errors[key] = "not a date and time"
  }
  return Object.keys(errors).length === 0 ? undefined : errors
}

export const matchesFilters = (filters: RunFilters) => {
  const parsed = filters.labelSelector === undefined ? [] : parseSelector(filters.labelSelector)
  const selector = typeof parsed === "string" ? [] : parsed
  const after = filters.createdAfter === undefined ? undefined : Date.parse(filters.createdAfter)
  const before = filters.createdBefore === undefined ? undefined : Date.parse(filters.createdBefore)
  return (execution: Execution): boolean => {
    if (filters.phases.length > 0 && !filters.phases.includes(execution.status.phase!)) return false
    if (filters.workflowId !== undefined && execution.spec.workflowId !== filters.workflowId) return false
    if (filters.workflowInstanceId !== undefined && execution.spec.workflowInstanceId !== filters.workflowInstanceId) {
      return false
    }
    if (filters.org !== undefined && execution.metadata.org !== filters.org) return false
    if (!matches(selector, execution.metadata.labels)) return false
    const created = Date.parse(createdAt(execution) ?? "")
    if (after !== undefined && !(created > after)) return false
    if (before !== undefined && !(created < before)) return false
    return true
  }
}

/** Newest first: by creation time, then by id (ids are time-ordered ULIDs). */
export const newestFirst = (a: Execution, b: Execution): number => {
  const ta = createdAt(a) ?? ""
  const tb = createdAt(b) ?? ""
  if (ta !== tb) return ta < tb ? 1 : -1
  return a.metadata.id < b.metadata.id ? 1 : a.metadata.id > b.metadata.id ? -1 : 0
}

/**
 * Applies one live change to a loaded list: a newer state replaces the old one in place,
 * a run that no longer matches leaves, a new matching run is inserted where it sorts, as
 * long as it falls inside the loaded window (later pages will show the rest).
 */
export const applyChange = (
  entries: ReadonlyArray<Execution>,
  execution: Execution,
  keep: (execution: Execution) => boolean,
  complete: boolean
): ReadonlyArray<Execution> => {
  const index = entries.findIndex((e) => e.metadata.id === execution.metadata.id)
  if (index >= 0) {
    if ((execution.metadata.version ?? 0) < (entries[index].metadata.version ?? 0)) return entries
    if (!keep(execution)) return entries.filter((_, i) => i !== index)
    const next = entries.slice()
    next[index] = execution
    return next
  }
  if (!keep(execution)) return entries
  const last = entries[entries.length - 1]
  if (!complete && last !== undefined && newestFirst(execution, last) > 0) return entries
  const next = [...entries, execution]
  next.sort(newestFirst)
  return next
}

export const removeRun = (entries: ReadonlyArray<Execution>, id: string) => {
  const next = entries.filter((e) => e.metadata.id !== id)
  return next.length === entries.length ? entries : next
}
