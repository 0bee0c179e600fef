/** One run, live through its watch stream: facts, input, output, error, tasks, graph, actions. */
import { useLocation } from "preact-iso"
import { useState } from "preact/hooks"
import { get, message, post } from "../api/Api.js"
import { type Capabilities, minimal } from "../api/capabilities.js"
import { type Execution, type Instance, isTerminal, type Workflow } from "../api/types.js"
import { Live, PhaseBadge, TaskBadge } from "../components/Badges.js"
import { Json } from "../components/Json.js"
import { TaskGraph } from "../components/TaskGraph.js"
import { Timeline } from "../components/Timeline.js"
import { createdAt, dateTime, duration, runDuration } from "../lib/format.js"
import { useCapabilities, useLoad, useNow, useTitle } from "../lib/hooks.js"
import { useExecution } from "../live/useExecution.js"

const liveTitle = {
  connecting: "opening the run's watch stream",
  live: "live: following the run's watch stream",
  ended: "the run has ended: nothing more will change",
  reconnecting: "the watch stream was cut; reconnecting"
}

/** The workflow a run belongs to: from its spec, else through its instance. */
interface Related {
  readonly workflow?: Workflow | undefined
  readonly instance?: Instance | undefined
}

const loadWorkflow = async (execution: Execution, signal: AbortSignal): Promise<Related> => {
  const instanceId = execution.spec.workflowInstanceId
  const instance = instanceId === undefined
    ? undefined
    : await get<Instance>(`/v1/workflow-instances/${instanceId}`, undefined, signal).catch(() => undefined)
  const workflowId = execution.spec.workflowId ?? instance?.spec.workflowId
  const workflow = workflowId === undefined
    ? undefined
    : await get<Workflow>(`/v1/workflows/${workflowId}`, undefined, signal).catch(() => undefined)
  return { workflow, instance }
}

/** The body that starts the same run again: same instance, input, labels, org and plain environment. */
export const againBody = (execution: Execution) => {
  const env = Object.entries(execution.spec.runtimeEnv ?? {}).filter(([, v]) => v.isSecret !== true && v.value !== undefined)
  const { org, ownerScope, labels } = execution.metadata
  return {
    metadata: {
      ...(ownerScope === undefined ? {} : { ownerScope }),
      ...(org === undefined ? {} : { org }),
      ...(labels === undefined ? {} : { labels })
    },
    spec: {
      ...(execution.spec.workflowInstanceId !== undefined
        ? { workflowInstanceId: execution.spec.workflowInstanceId }
        : { workflowId: execution.spec.workflowId }),
      ...(execution.spec.triggerMetadata === undefined ? {} : { triggerMetadata: execution.spec.triggerMetadata }),
      ...(execution.spec.triggerMessage === undefined ? {} : { triggerMessage: execution.spec.triggerMessage }),
      ...(env.length === 0 ? {} : { runtimeEnv: Object.fromEntries(env) })
    }
  }
}

const hasSecrets = (execution: Execution) => Object.values(execution.spec.runtimeEnv ?? {}).some((v) => v.isSecret === true)

const Actions = ({ execution, capabilities, onChange }: {
  readonly execution: Execution
  readonly capabilities: Capabilities
  readonly onChange: (execution: Execution) => void
}) => {
  const { route } = useLocation()
  const [confirming, setConfirming] = useState(false)
  const [signalOpen, setSignalOpen] = useState(false)
  const [signalId, setSignalId] = useState("")
  const [signalData, setSignalData] = useState("{}")
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<{ readonly error: boolean; readonly text: string } | undefined>()
  const terminal = isTerminal(execution.status.phase)
  const id = execution.metadata.id
  const act = async (work: () => Promise<void>) => {
    setBusy(true)
    setNotice(undefined)
    try {
      await work()
    } catch (e) {
      setNotice({ error: true, text: message(e) })
    } finally {
      setBusy(false)
    }
  }
  const cancel = () =>
    act(async () => {
      onChange(await post<Execution>(`/v1/workflow-executions/${id}/cancel`, {}))
      setConfirming(false)
    })
  const signal = (event: Event) => {
    event.preventDefault()
    let data: unknown
    try {
      data = signalData.trim() === "" ? undefined : JSON.parse(signalData)
    } catch (e) {
      setNotice({ error: true, text: `data is not JSON: ${(e as Error).message}` })
      return
    }
    act(async () => {
      await post(`/v1/workflow-executions/${id}/signals`, data === undefined ? { id: signalId.trim() } : { id: signalId.trim(), data })
      setNotice({ error: false, text: `Signal "${signalId.trim()}" sent.` })
      setSignalOpen(false)
    })
  }
  const again = () =>
    act(async () => {
      const run = await post<Execution>("/v1/workflow-executions", againBody(execution))
      route(`/runs/${run.metadata.id}`)
    })
  const unsupported = (what: string) => `this server does not offer ${what}`
  const waiting = (execution.status.tasks ?? []).some((t) =>
    t.taskType === "WORKFLOW_TASK_APPROVAL" && t.status === "WORKFLOW_TASK_IN_PROGRESS"
  )

  return (
    <div class="run-actions">
      <div class="actions">
        {confirming
          ? (
            <span class="confirm" role="group" aria-label="Confirm cancel">
              Cancel this run?
              <button type="button" class="danger" onClick={cancel} disabled={busy}>Yes, cancel run</button>
              <button type="button" class="ghost" onClick={() => setConfirming(false)}>Keep running</button>
            </span>
          )
          : (
            <button
              type="button"
              class="danger"
              disabled={terminal || !capabilities.cancel || busy}
              title={!capabilities.cancel ? unsupported("cancelling runs") : terminal ? "the run has ended" : "stop this run"}
              onClick={() => setConfirming(true)}
            >
              Cancel run
            </button>
          )}
        <button
          type="button"
          disabled={terminal || !capabilities.signals || busy}
          aria-expanded={signalOpen}
          title={!capabilities.signals
            ? unsupported("signals")
            : terminal
            ? "the run has ended"
            : waiting
            ? "a LISTEN task is waiting for a signal"
            : "send a signal; it is kept until a LISTEN task takes it"}
          onClick={() => setSignalOpen(!signalOpen)}
        >
          Send signal{waiting ? " (waiting)" : ""}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={again}
          title={hasSecrets(execution)
            ? "start a new run with the same input; secret runtime values cannot be read back and are left out"
            : "start a new run with the same input"}
        >
          Run again
        </button>
      </div>
      {signalOpen && (
        <form class="form signal" onSubmit={signal} aria-label="Send a signal">
          <label class="field">
            <span>Signal id</span>
            <input name="signalId" required value={signalId} onInput={(e) => setSignalId(e.currentTarget.value)} />
          </label>
          <label class="field">
            <span>Data (JSON)</span>
            <textarea name="signalData" rows={4} class="mono" value={signalData} onInput={(e) => setSignalData(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>Send</button>
          </div>
        </form>
      )}
      {notice !== undefined && <p class={notice.error ? "error" : "notice"} role={notice.error ? "alert" : "status"}>{notice.text}</p>}
    </div>
  )
}

const TaskDetail = ({ execution, taskId, onClose }: { readonly execution: Execution; readonly taskId: string; readonly onClose: () => void }) => {
  const entry = (execution.status.tasks ?? []).find((t) => (t.taskId ?? t.taskName) === taskId)
  if (entry === undefined) return null
  const started = entry.startedAt === undefined ? undefined : Date.parse(entry.startedAt)
  const ended = entry.completedAt === undefined ? undefined : Date.parse(entry.completedAt)
  // A RUN's entry names the child execution it started.
  const childId = entry.metadata?.["childExecutionId"]
  return (
    <section class="card task-detail" aria-labelledby="task-title">
      <header class="card-head">
        <h3 id="task-title">
          <span class="mono">{taskId}</span> <TaskBadge status={entry.status} />
        </h3>
        <button type="button" class="ghost" onClick={onClose} aria-label="Close task details">✕</button>
      </header>
      <dl class="facts">
        <dt>Type</dt>
        <dd>{entry.taskType ?? "–"}</dd>
        <dt>Started</dt>
        <dd>{dateTime(entry.startedAt)}</dd>
        <dt>Completed</dt>
        <dd>{dateTime(entry.completedAt)}</dd>
        <dt>Duration</dt>
        <dd>{started !== undefined && ended !== undefined ? duration(ended - started) : "–"}</dd>
        {childId !== undefined && (
          <>
            <dt>Child run</dt>
            <dd><a class="mono" href={`/runs/${childId}`}>{childId}</a></dd>
          </>
        )}
        {entry.metadata !== undefined && Object.keys(entry.metadata).length > 0 && (
          <>
            <dt>Metadata</dt>
            <dd class="mono">{Object.entries(entry.metadata).map(([k, v]) => `${k}=${v}`).join(", ")}</dd>
          </>
        )}
      </dl>
      {entry.error !== undefined && <pre class="error-box">{entry.error}</pre>}
      <div class="io">
        <div>
          <h4>Input</h4>
          <Json value={entry.input} label={`Input of ${taskId}`} />
        </div>
        <div>
          <h4>Output</h4>
          <Json value={entry.output} label={`Output of ${taskId}`} />
        </div>
      </div>
    </section>
  )
}

export const RunPage = ({ id }: { readonly id: string }) => {
  const [state, apply] = useExecution(id)
  const capabilities = useCapabilities() ?? minimal
  const [selected, setSelected] = useState<string | undefined>()
  const execution = state.execution
  const now = useNow(execution !== undefined && !isTerminal(execution.status.phase))
  const workflowKey = execution === undefined ? undefined : `${execution.spec.workflowId}|${execution.spec.workflowInstanceId}`
  const [related] = useLoad(
    (signal) => execution === undefined ? Promise.resolve<Related>({}) : loadWorkflow(execution, signal),
    [workflowKey]
  )
  useTitle(execution?.metadata.name ?? id)

  if (execution === undefined) {
    return (
      <section>
        <p class="crumbs"><a href="/runs">Runs</a> / <span class="mono">{id}</span></p>
        {state.notFound
          ? <p class="error" role="alert">{state.error}</p>
          : <p class="empty">{state.error ?? "Loading…"}</p>}
      </section>
    )
  }
  const { workflow, instance }: Related = related.state === "ready" ? related.value : {}
  const took = runDuration(execution, now)
  const input = execution.spec.triggerMetadata
  // A child run started by a RUN task names its parent.
  const parentId = execution.metadata.annotations?.["weft/parent-execution"]
  return (
    <section aria-labelledby="run-title" data-phase={execution.status.phase}>
      <p class="crumbs"><a href="/runs">Runs</a> / <span class="mono">{execution.metadata.id}</span></p>
      <header class="page-head">
        <h1 id="run-title">{execution.metadata.name}</h1>
        <PhaseBadge phase={execution.status.phase} />
        <Live state={state.connection} title={liveTitle[state.connection]} />
      </header>
      {state.deleted && <p class="error" role="alert">This run was deleted.</p>}
      <Actions execution={execution} capabilities={capabilities} onChange={apply} />
      <dl class="facts grid">
        <dt>Workflow</dt>
        <dd>
          {workflow !== undefined
            ? <a href={`/workflows/${workflow.metadata.id}`}>{workflow.metadata.name}</a>
            : execution.spec.workflowId ?? "–"}
        </dd>
        <dt>Instance</dt>
        <dd>
          {execution.spec.workflowInstanceId === undefined
            ? "–"
            : <a href={`/instances/${execution.spec.workflowInstanceId}`}>{instance?.metadata.name ?? execution.spec.workflowInstanceId}</a>}
        </dd>
        {parentId !== undefined && (
          <>
            <dt>Parent run</dt>
            <dd><a class="mono" href={`/runs/${parentId}`}>{parentId}</a></dd>
          </>
        )}
        <dt>Org</dt>
        <dd>{execution.metadata.org ?? "–"}</dd>
        <dt>Created</dt>
        <dd>{dateTime(createdAt(execution))}</dd>
        <dt>Started</dt>
        <dd>{dateTime(execution.status.startedAt)}</dd>
        <dt>Completed</dt>
        <dd>{dateTime(execution.status.completedAt)}</dd>
        <dt>Duration</dt>
        <dd data-testid="duration">{took === undefined ? "–" : duration(took)}</dd>
        <dt>Version</dt>
        <dd>{execution.metadata.version ?? "–"}</dd>
        {execution.metadata.labels !== undefined && Object.keys(execution.metadata.labels).length > 0 && (
          <>
            <dt>Labels</dt>
            <dd>{Object.entries(execution.metadata.labels).map(([k, v]) => <span class="tag">{k}={v}</span>)}</dd>
          </>
        )}
      </dl>
      {execution.status.error !== undefined && (
        <section class="card" aria-labelledby="error-title">
          <h2 id="error-title">Error</h2>
          <pre class="error-box">{execution.status.error}</pre>
        </section>
      )}
      <div class="io">
        <section class="card" aria-labelledby="input-title">
          <h2 id="input-title">Input</h2>
          {execution.spec.triggerMessage !== undefined && (
            <>
              <h4>Message</h4>
              <pre class="message">{execution.spec.triggerMessage}</pre>
            </>
          )}
          <h4>Metadata</h4>
          <Json value={input ?? {}} label="Trigger metadata" />
        </section>
        <section class="card" aria-labelledby="output-title">
          <h2 id="output-title">Output</h2>
          <Json value={execution.status.output} label="Run output" />
        </section>
      </div>
      <section class="card" aria-labelledby="tasks-title">
        <h2 id="tasks-title">Tasks</h2>
        <Timeline execution={execution} now={now} selected={selected} onSelect={(t) => setSelected(t === selected ? undefined : t)} />
      </section>
      {selected !== undefined && <TaskDetail execution={execution} taskId={selected} onClose={() => setSelected(undefined)} />}
      <section class="card" aria-labelledby="graph-title">
        <h2 id="graph-title">Graph</h2>
        {related.state === "loading" && <p class="muted">Loading the workflow…</p>}
        {workflow === undefined && related.state === "ready" && <p class="muted">The workflow of this run is not available.</p>}
        {workflow !== undefined && (
          <TaskGraph tasks={workflow.spec.tasks ?? []} entries={execution.status.tasks ?? []} onSelect={setSelected} />
        )}
      </section>
    </section>
  )
}
