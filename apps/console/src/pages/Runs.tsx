/** The runs list: newest first, filtered, paged, live. */
import { useLocation } from "preact-iso"
import { useMemo } from "preact/hooks"
import { type Capabilities, minimal } from "../api/capabilities.js"
import { type Phase, phases } from "../api/types.js"
import { Live } from "../components/Badges.js"
import { RunsTable } from "../components/RunsTable.js"
import { useDirectory } from "../lib/directory.js"
import { phaseClass, phaseLabel } from "../lib/format.js"
import { useCapabilities, useNow, useTitle } from "../lib/hooks.js"
import { fromSearch, invalid, type RunFilters, toSearch } from "../lib/runs.js"
import { pollMillis, useRuns } from "../live/useRuns.js"

const where = (capabilities: Capabilities, param: string, what: string) =>
  capabilities.listParams.has(param)
    ? `${what}: filtered by the server`
    : `${what}: this server's list does not take "${param}", so the loaded rows are filtered in the browser`

/** `2026-11-30T17:05:00.000Z` ↔ the `datetime-local` input's local `2026-11-30T18:05`. */
const toLocalInput = (iso: string | undefined) => {
  if (iso === undefined) return ""
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ""
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16)
}
const fromLocalInput = (value: string) => value === "" ? undefined : new Date(value).toISOString()

const liveTitle = {
  connecting: "connecting to the server",
  live: "live: following the feed of every change",
  polling: `polling: this server has no feed of changes, the list is refreshed every ${pollMillis / 1000} s`,
  reconnecting: "the feed was cut; reconnecting"
}

export const RunsPage = () => {
  const { url, route } = useLocation()
  const filters = useMemo(() => fromSearch(new URL(url, location.origin).searchParams), [url])
  const known = useCapabilities()
  const capabilities = known ?? minimal
  const directory = useDirectory()
  const errors = invalid(filters)
  const runs = useRuns(errors === undefined ? filters : { phases: [] }, known)
  const running = runs.entries.some((e) => e.status.phase === "EXECUTION_IN_PROGRESS")
  const now = useNow(running)
  useTitle("Runs")

  const set = (change: Partial<RunFilters>) => {
    const next = { ...filters, ...change }
    for (const key of Object.keys(next) as Array<keyof RunFilters>) {
      if (next[key] === undefined || next[key] === "") delete next[key]
    }
    // The instance list follows the workflow: drop an instance of another workflow.
    if (change.workflowId !== undefined && next.workflowInstanceId !== undefined) {
      const instance = directory.instance(next.workflowInstanceId)
      if (instance !== undefined && instance.spec.workflowId !== change.workflowId) delete next.workflowInstanceId
    }
    route(`/runs${toSearch(next)}`, true)
  }
  const togglePhase = (phase: Phase) =>
    set({ phases: filters.phases.includes(phase) ? filters.phases.filter((p) => p !== phase) : [...filters.phases, phase] })
  const instances = directory.instances.filter((i) => filters.workflowId === undefined || i.spec.workflowId === filters.workflowId)
  const text = (value: string) => value.trim() === "" ? undefined : value.trim()

  return (
    <section aria-labelledby="runs-title">
      <header class="page-head">
        <h1 id="runs-title">Runs</h1>
        <Live state={runs.mode} title={liveTitle[runs.mode]} />
      </header>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="phases" title={where(capabilities, "phase", "Phase")}>
          <legend>Phase</legend>
          {phases.map((phase) => (
            <label class={`chip phase-${phaseClass(phase)}`}>
              <input type="checkbox" name="phase" value={phase} checked={filters.phases.includes(phase)} onChange={() => togglePhase(phase)} />
              {phaseLabel(phase)}
            </label>
          ))}
        </fieldset>
        <label class="field" title={where(capabilities, "workflowId", "Workflow")}>
          <span>Workflow</span>
          <select name="workflowId" value={filters.workflowId ?? ""} onChange={(e) => set({ workflowId: text(e.currentTarget.value) })}>
            <option value="">all</option>
            {filters.workflowId !== undefined && directory.workflow(filters.workflowId) === undefined && (
              <option value={filters.workflowId}>{filters.workflowId}</option>
            )}
            {directory.workflows.map((w) => <option value={w.metadata.id}>{w.metadata.name}</option>)}
          </select>
        </label>
        <label class="field" title={where(capabilities, "workflowInstanceId", "Instance")}>
          <span>Instance</span>
          <select
            name="workflowInstanceId"
            value={filters.workflowInstanceId ?? ""}
            onChange={(e) => set({ workflowInstanceId: text(e.currentTarget.value) })}
          >
            <option value="">all</option>
            {filters.workflowInstanceId !== undefined && directory.instance(filters.workflowInstanceId) === undefined && (
              <option value={filters.workflowInstanceId}>{filters.workflowInstanceId}</option>
            )}
            {instances.map((i) => <option value={i.metadata.id}>{i.metadata.name}</option>)}
          </select>
        </label>
        <label class="field" title={where(capabilities, "org", "Org")}>
          <span>Org {!capabilities.listParams.has("org") && <small class="muted">(in browser)</small>}</span>
          <input name="org" value={filters.org ?? ""} placeholder="any" onChange={(e) => set({ org: text(e.currentTarget.value) })} />
        </label>
        <label class="field" title={where(capabilities, "labelSelector", "Labels (k=v, k!=v, k, !k; comma = and)")}>
          <span>Labels {!capabilities.listParams.has("labelSelector") && <small class="muted">(in browser)</small>}</span>
          <input
            name="labelSelector"
            value={filters.labelSelector ?? ""}
            placeholder="env=prod,!draft"
            aria-invalid={errors?.labelSelector !== undefined}
            onChange={(e) => set({ labelSelector: text(e.currentTarget.value) })}
          />
        </label>
        <label class="field" title={where(capabilities, "createdAfter", "Created after")}>
          <span>Created after {!capabilities.listParams.has("createdAfter") && <small class="muted">(in browser)</small>}</span>
          <input
            type="datetime-local"
            name="createdAfter"
            value={toLocalInput(filters.createdAfter)}
            onChange={(e) => set({ createdAfter: fromLocalInput(e.currentTarget.value) })}
          />
        </label>
        <label class="field" title={where(capabilities, "createdBefore", "Created before")}>
          <span>Created before {!capabilities.listParams.has("createdBefore") && <small class="muted">(in browser)</small>}</span>
          <input
            type="datetime-local"
            name="createdBefore"
            value={toLocalInput(filters.createdBefore)}
            onChange={(e) => set({ createdBefore: fromLocalInput(e.currentTarget.value) })}
          />
        </label>
        {toSearch(filters) !== "" && (
          <button type="button" class="ghost" onClick={() => route("/runs", true)}>Clear filters</button>
        )}
      </form>
      {errors !== undefined && (
        <p class="error" role="alert">{Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ")}</p>
      )}
      {runs.error !== undefined && <p class="error" role="alert">{runs.error}</p>}
      {runs.entries.length === 0
        ? <p class="empty">{runs.loading ? "Loading…" : "No runs match."}</p>
        : <RunsTable entries={runs.entries} now={now} directory={directory} caption="Runs" />}
      {runs.nextPageToken !== undefined && (
        <div class="more">
          <button type="button" onClick={runs.loadMore} disabled={runs.loading}>
            {runs.loading ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  )
}
