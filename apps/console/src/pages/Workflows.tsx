/** Workflows and instances: lists and detail pages. */
import { useState } from "preact/hooks"
import { stringify } from "yaml"
import { get } from "../api/Api.js"
import type { Instance, InstanceSpec, Resource, Workflow } from "../api/types.js"
import { Json } from "../components/Json.js"
import { RunsTable } from "../components/RunsTable.js"
import { StartRunForm } from "../components/StartRunForm.js"
import { TaskGraph } from "../components/TaskGraph.js"
import { useDirectory } from "../lib/directory.js"
import { ago, createdAt, dateTime } from "../lib/format.js"
import { useCapabilities, useLoad, useNow, useTitle } from "../lib/hooks.js"
import { type Paged, usePaged } from "../lib/usePaged.js"
import { type RunFilters, toSearch } from "../lib/runs.js"
import { useRuns } from "../live/useRuns.js"

interface Listing {
  readonly entries: ReadonlyArray<unknown>
  readonly nextPageToken: string | undefined
  readonly loading: boolean
  readonly error: string | undefined
  readonly loadMore: () => void
}

export const More = ({ list }: { readonly list: Listing }) =>
  list.nextPageToken === undefined ? null : (
    <div class="more">
      <button type="button" onClick={list.loadMore} disabled={list.loading}>{list.loading ? "Loading…" : "Load more"}</button>
    </div>
  )

export const Status = ({ list, empty }: { readonly list: Listing; readonly empty: string }) => (
  <>
    {list.error !== undefined && <p class="error" role="alert">{list.error}</p>}
    {list.entries.length === 0 && list.error === undefined && <p class="empty">{list.loading ? "Loading…" : empty}</p>}
  </>
)

export const WorkflowsPage = () => {
  const list = usePaged<Workflow>("/v1/workflows", {})
  const now = useNow(false)
  useTitle("Workflows")
  return (
    <section aria-labelledby="workflows-title">
      <header class="page-head">
        <h1 id="workflows-title">Workflows</h1>
      </header>
      <Status list={list} empty="No workflows yet. Create one with the API or `weft apply`." />
      {list.entries.length > 0 && (
        <table class="table" aria-label="Workflows">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Org</th>
              <th scope="col">Document</th>
              <th scope="col" class="num">Tasks</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.entries.map((w) => (
              <tr key={w.metadata.id} data-id={w.metadata.id}>
                <td>
                  <a class="strong" href={`/workflows/${w.metadata.id}`}>{w.metadata.name}</a>
                  <div class="sub">{w.spec.description ?? w.metadata.slug}</div>
                </td>
                <td>{w.metadata.org ?? "–"}</td>
                <td class="mono">{[w.spec.document?.namespace, w.spec.document?.name, w.spec.document?.version].filter(Boolean).join(" / ")}</td>
                <td class="num">{w.spec.tasks?.length ?? 0}</td>
                <td title={dateTime(createdAt(w))}>{ago(createdAt(w), now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More list={list} />
    </section>
  )
}

/** The resource as the API returns it, as YAML or JSON. */
export const Document = ({ value }: { readonly value: unknown }) => {
  const [format, setFormat] = useState<"yaml" | "json">("yaml")
  return (
    <div>
      <div class="tabs" role="tablist" aria-label="Document format">
        {(["yaml", "json"] as const).map((f) => (
          <button type="button" role="tab" aria-selected={format === f} class={format === f ? "tab active" : "tab"} onClick={() => setFormat(f)}>
            {f.toUpperCase()}
          </button>
        ))}
      </div>
      {format === "yaml"
        ? <pre class="json" tabIndex={0} aria-label="Document as YAML">{stringify(value)}</pre>
        : <Json value={value} label="Document as JSON" />}
    </div>
  )
}

/** A workflow's or an instance's runs, live like the runs page. */
const RecentRuns = ({ filters, title }: { readonly filters: RunFilters; readonly title: string }) => {
  const runs = useRuns(filters, useCapabilities())
  const directory = useDirectory()
  const running = runs.entries.some((e) => e.status.phase === "EXECUTION_IN_PROGRESS")
  const now = useNow(running)
  return (
    <section class="card" aria-labelledby="recent-title">
      <header class="card-head">
        <h2 id="recent-title">{title}</h2>
        <a href={`/runs${toSearch(filters)}`}>All runs with filters →</a>
      </header>
      <Status list={runs} empty="No runs yet." />
      {runs.entries.length > 0 && <RunsTable entries={runs.entries} now={now} directory={directory} caption={title} showWorkflow={false} />}
      <More list={runs} />
    </section>
  )
}

export const Facts = ({ resource, children }: { readonly resource: Resource<unknown, unknown>; readonly children?: preact.ComponentChildren }) => (
  <dl class="facts grid">
    <dt>ID</dt>
    <dd class="mono">{resource.metadata.id}</dd>
    <dt>Slug</dt>
    <dd class="mono">{resource.metadata.slug}</dd>
    <dt>Org</dt>
    <dd>{resource.metadata.org ?? "–"}</dd>
    <dt>Version</dt>
    <dd>{resource.metadata.version ?? "–"}</dd>
    <dt>Created</dt>
    <dd>{dateTime(createdAt(resource))}</dd>
    <dt>Updated</dt>
    <dd>{dateTime(resource.status.audit?.specAudit?.updatedAt)}</dd>
    {children}
  </dl>
)

export const WorkflowPage = ({ id }: { readonly id: string }) => {
  const [loaded] = useLoad((signal) => get<Workflow>(`/v1/workflows/${id}`, undefined, signal), [id])
  const instances = usePaged<Instance>("/v1/workflow-instances", { workflowId: id }, 100)
  const [starting, setStarting] = useState(false)
  useTitle(loaded.state === "ready" ? loaded.value.metadata.name : "Workflow")
  if (loaded.state !== "ready") {
    return (
      <section>
        <p class="crumbs"><a href="/workflows">Workflows</a> / <span class="mono">{id}</span></p>
        {loaded.state === "error" ? <p class="error" role="alert">{loaded.error}</p> : <p class="empty">Loading…</p>}
      </section>
    )
  }
  const workflow = loaded.value
  return (
    <section aria-labelledby="workflow-title">
      <p class="crumbs"><a href="/workflows">Workflows</a> / <span class="mono">{workflow.metadata.slug}</span></p>
      <header class="page-head">
        <h1 id="workflow-title">{workflow.metadata.name}</h1>
        <button type="button" class="primary" aria-expanded={starting} onClick={() => setStarting(!starting)}>Start a run</button>
      </header>
      {workflow.spec.description !== undefined && <p class="lead">{workflow.spec.description}</p>}
      {starting && (
        <section class="card">
          <h2>Start a run</h2>
          <StartRunForm workflow={workflow} instances={instances.entries} />
        </section>
      )}
      <Facts resource={workflow}>
        <dt>Document</dt>
        <dd class="mono">
          {[workflow.spec.document?.namespace, workflow.spec.document?.name, workflow.spec.document?.version].filter(Boolean).join(" / ")}
        </dd>
        <dt>Default instance</dt>
        <dd>
          {workflow.status.defaultInstanceId === undefined
            ? "–"
            : <a href={`/instances/${workflow.status.defaultInstanceId}`}>{workflow.status.defaultInstanceId}</a>}
        </dd>
      </Facts>
      <section class="card" aria-labelledby="graph-title">
        <h2 id="graph-title">Graph</h2>
        <TaskGraph tasks={workflow.spec.tasks ?? []} />
      </section>
      <RecentRuns filters={{ phases: [], workflowId: workflow.metadata.id }} title="Runs" />
      <section class="card" aria-labelledby="instances-title">
        <h2 id="instances-title">Instances</h2>
        <InstancesTable list={instances} showWorkflow={false} />
      </section>
      <section class="card" aria-labelledby="document-title">
        <h2 id="document-title">Document</h2>
        <Document value={workflow} />
      </section>
    </section>
  )
}

const InstancesTable = ({ list, showWorkflow }: { readonly list: Paged<Instance>; readonly showWorkflow: boolean }) => {
  const directory = useDirectory()
  const now = useNow(false)
  return (
    <>
      <Status list={list} empty="No instances." />
      {list.entries.length > 0 && (
        <table class="table" aria-label="Instances">
          <thead>
            <tr>
              <th scope="col">Instance</th>
              {showWorkflow && <th scope="col">Workflow</th>}
              <th scope="col">Org</th>
              <th scope="col">Environments</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.entries.map((i) => (
              <tr key={i.metadata.id} data-id={i.metadata.id}>
                <td>
                  <a class="strong" href={`/instances/${i.metadata.id}`}>{i.metadata.name}</a>
                  <div class="sub">{i.spec.description ?? i.metadata.slug}</div>
                </td>
                {showWorkflow && (
                  <td>
                    <a href={`/workflows/${i.spec.workflowId}`}>{directory.workflow(i.spec.workflowId)?.metadata.name ?? i.spec.workflowId}</a>
                  </td>
                )}
                <td>{i.metadata.org ?? "–"}</td>
                <td><EnvRefs refs={i.spec.envRefs} /></td>
                <td title={dateTime(createdAt(i))}>{ago(createdAt(i), now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More list={list} />
    </>
  )
}

/** An instance's environments, each a link to its page (by slug in its org). */
const EnvRefs = ({ refs }: { readonly refs: InstanceSpec["envRefs"] }) =>
  (refs ?? []).length === 0 ? <>–</> : (
    <>
      {(refs ?? []).filter((r) => r["slug"] !== undefined).map((r, i) => (
        <>
          {i > 0 && ", "}
          <a href={`/environments/by-slug/${r["slug"]}${r["org"] ? `?org=${encodeURIComponent(r["org"])}` : ""}`}>{r["slug"]}</a>
        </>
      ))}
    </>
  )

export const InstancesPage = () => {
  const list = usePaged<Instance>("/v1/workflow-instances", {})
  useTitle("Instances")
  return (
    <section aria-labelledby="instances-title">
      <header class="page-head">
        <h1 id="instances-title">Instances</h1>
      </header>
      <InstancesTable list={list} showWorkflow={true} />
    </section>
  )
}

export const InstancePage = ({ id }: { readonly id: string }) => {
  const [loaded] = useLoad(async (signal) => {
    const instance = await get<Instance>(`/v1/workflow-instances/${id}`, undefined, signal)
    const workflow = await get<Workflow>(`/v1/workflows/${instance.spec.workflowId}`, undefined, signal).catch(() => undefined)
    return { instance, workflow }
  }, [id])
  const [starting, setStarting] = useState(false)
  useTitle(loaded.state === "ready" ? loaded.value.instance.metadata.name : "Instance")
  if (loaded.state !== "ready") {
    return (
      <section>
        <p class="crumbs"><a href="/instances">Instances</a> / <span class="mono">{id}</span></p>
        {loaded.state === "error" ? <p class="error" role="alert">{loaded.error}</p> : <p class="empty">Loading…</p>}
      </section>
    )
  }
  const { instance, workflow } = loaded.value
  return (
    <section aria-labelledby="instance-title">
      <p class="crumbs"><a href="/instances">Instances</a> / <span class="mono">{instance.metadata.slug}</span></p>
      <header class="page-head">
        <h1 id="instance-title">{instance.metadata.name}</h1>
        {workflow !== undefined && (
          <button type="button" class="primary" aria-expanded={starting} onClick={() => setStarting(!starting)}>Start a run</button>
        )}
      </header>
      {instance.spec.description !== undefined && <p class="lead">{instance.spec.description}</p>}
      {starting && workflow !== undefined && (
        <section class="card">
          <h2>Start a run</h2>
          <StartRunForm workflow={workflow} instances={[instance]} instance={instance} />
        </section>
      )}
      <Facts resource={instance}>
        <dt>Workflow</dt>
        <dd>
          <a href={`/workflows/${instance.spec.workflowId}`}>{workflow?.metadata.name ?? instance.spec.workflowId}</a>
        </dd>
      </Facts>
      {(instance.spec.envRefs ?? []).length > 0 && (
        <section class="card">
          <h2>Environments</h2>
          <p>In this order, each over the workflow's values and the ones before it: <EnvRefs refs={instance.spec.envRefs} /></p>
        </section>
      )}
      {workflow !== undefined && (
        <section class="card" aria-labelledby="graph-title">
          <h2 id="graph-title">Graph</h2>
          <TaskGraph tasks={workflow.spec.tasks ?? []} />
        </section>
      )}
      <RecentRuns filters={{ phases: [], workflowInstanceId: instance.metadata.id }} title="Runs" />
      <section class="card" aria-labelledby="document-title">
        <h2 id="document-title">Document</h2>
        <Document value={instance} />
      </section>
    </section>
  )
}
