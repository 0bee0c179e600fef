/** Starts a run of a workflow (on one of its instances) with input key/values and a message. */
import { useLocation } from "preact-iso"
import { useState } from "preact/hooks"
import { message, post } from "../api/Api.js"
import type { Execution, Instance, Workflow } from "../api/types.js"

export interface StartRunFormProps {
  readonly workflow: Workflow
  readonly instances: ReadonlyArray<Instance>
  /** Runs on this instance only (an instance's page). */
  readonly instance?: Instance
}

interface Row {
  readonly key: string
  readonly value: string
}

/** The execution to create, or an error message. */
export const startBody = (
  workflow: Workflow,
  instance: Instance | undefined,
  rows: ReadonlyArray<Row>,
  text: string
): { readonly body: unknown } | { readonly error: string } => {
  const metadata: Record<string, string> = {}
  const seen = new Set<string>()
  for (const row of rows) {
    const key = row.key.trim()
    if (key === "" && row.value === "") continue
    if (key === "") return { error: "every input value needs a key" }
    if (seen.has(key)) return { error: `input key "${key}" is given twice` }
    seen.add(key)
    metadata[key] = row.value
  }
  const org = instance?.metadata.org ?? workflow.metadata.org
  return {
    body: {
      metadata: { ownerScope: org === undefined ? "identity_account" : "organization", ...(org === undefined ? {} : { org }) },
      spec: {
        ...(instance === undefined ? { workflowId: workflow.metadata.id } : { workflowInstanceId: instance.metadata.id }),
        ...(Object.keys(metadata).length === 0 ? {} : { triggerMetadata: metadata }),
        ...(text.trim() === "" ? {} : { triggerMessage: text })
      }
    }
  }
}

export const StartRunForm = ({ workflow, instances, instance }: StartRunFormProps) => {
  const { route } = useLocation()
  const [instanceId, setInstanceId] = useState(instance?.metadata.id ?? "")
  const [rows, setRows] = useState<ReadonlyArray<Row>>([{ key: "", value: "" }])
  const [text, setText] = useState("")
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const chosen = instance ?? instances.find((i) => i.metadata.id === instanceId)

  const submit = async (event: Event) => {
    event.preventDefault()
    const built = startBody(workflow, chosen, rows, text)
    if ("error" in built) return setError(built.error)
    setBusy(true)
    setError(undefined)
    try {
      const run = await post<Execution>("/v1/workflow-executions", built.body)
      route(`/runs/${run.metadata.id}`)
    } catch (e) {
      setError(message(e))
      setBusy(false)
    }
  }
  const setRow = (index: number, row: Row) => setRows(rows.map((r, i) => (i === index ? row : r)))

  return (
    <form class="form start-run" onSubmit={submit} aria-label="Start a run">
      {instance === undefined && (
        <label class="field">
          <span>Instance</span>
          <select value={instanceId} onChange={(e) => setInstanceId(e.currentTarget.value)} name="instance">
            <option value="">default instance</option>
            {instances.map((i) => <option value={i.metadata.id}>{i.metadata.name}</option>)}
          </select>
        </label>
      )}
      <fieldset class="field">
        <legend>Input</legend>
        {rows.map((row, index) => (
          <div class="kv" key={index}>
            <input
              aria-label={`Input key ${index + 1}`}
              placeholder="key"
              value={row.key}
              onInput={(e) => setRow(index, { ...row, key: e.currentTarget.value })}
            />
            <input
              aria-label={`Input value ${index + 1}`}
              placeholder="value"
              value={row.value}
              onInput={(e) => setRow(index, { ...row, value: e.currentTarget.value })}
            />
            <button
              type="button"
              class="ghost"
              aria-label={`Remove input ${index + 1}`}
              onClick={() => setRows(rows.length === 1 ? [{ key: "", value: "" }] : rows.filter((_, i) => i !== index))}
            >
              ✕
            </button>
          </div>
        ))}
        <button type="button" class="ghost" onClick={() => setRows([...rows, { key: "", value: "" }])}>
          + Add input
        </button>
      </fieldset>
      <label class="field">
        <span>Message</span>
        <textarea rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} name="message" />
      </label>
      {error !== undefined && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? "Starting…" : "Start run"}</button>
      </div>
    </form>
  )
}
