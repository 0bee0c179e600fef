/** Environments: the list, and one environment's keys. Secret values are never shown (the API never sends them). */
import { useLocation } from "preact-iso"
import { get } from "../api/Api.js"
import type { Environment } from "../api/types.js"
import { ago, createdAt, dateTime } from "../lib/format.js"
import { useLoad, useNow, useTitle } from "../lib/hooks.js"
import { usePaged } from "../lib/usePaged.js"
import { Document, Facts, More, Status } from "./Workflows.js"

const counts = (environment: Environment) => {
  const values = Object.values(environment.spec.data ?? {})
  return { keys: values.length, secrets: values.filter((v) => v.isSecret === true).length }
}

export const EnvironmentsPage = () => {
  const list = usePaged<Environment>("/v1/environments", {})
  const now = useNow(false)
  useTitle("Environments")
  return (
    <section aria-labelledby="environments-title">
      <header class="page-head">
        <h1 id="environments-title">Environments</h1>
      </header>
      <Status list={list} empty="No environments." />
      {list.entries.length > 0 && (
        <table class="table" aria-label="Environments">
          <thead>
            <tr>
              <th scope="col">Environment</th>
              <th scope="col">Org</th>
              <th scope="col">Keys</th>
              <th scope="col">Secrets</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.entries.map((e) => (
              <tr key={e.metadata.id} data-id={e.metadata.id}>
                <td>
                  <a class="strong" href={`/environments/${e.metadata.id}`}>{e.metadata.name}</a>
                  <div class="sub">{e.spec.description ?? e.metadata.slug}</div>
                </td>
                <td>{e.metadata.org ?? "–"}</td>
                <td>{counts(e).keys}</td>
                <td>{counts(e).secrets}</td>
                <td title={dateTime(createdAt(e))}>{ago(createdAt(e), now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <More list={list} />
    </section>
  )
}

/** `/environments/:id`, or `/environments/by-slug/:slug?org=` (how instances link to theirs). */
export const EnvironmentPage = ({ id, slug }: { readonly id?: string; readonly slug?: string }) => {
  const { query } = useLocation()
  const org = new URLSearchParams(query).get("org") ?? undefined
  const [loaded] = useLoad(
    (signal) =>
      slug !== undefined
        ? get<Environment>(`/v1/environments/by-slug/${encodeURIComponent(slug)}`, { org }, signal)
        : get<Environment>(`/v1/environments/${id}`, undefined, signal),
    [id, slug, org]
  )
  useTitle(loaded.state === "ready" ? loaded.value.metadata.name : "Environment")
  if (loaded.state !== "ready") {
    return (
      <section>
        <p class="crumbs"><a href="/environments">Environments</a> / <span class="mono">{id ?? slug}</span></p>
        {loaded.state === "error" ? <p class="error" role="alert">{loaded.error}</p> : <p class="empty">Loading…</p>}
      </section>
    )
  }
  const environment = loaded.value
  const entries = Object.entries(environment.spec.data ?? {}).sort(([a], [b]) => a.localeCompare(b))
  return (
    <section aria-labelledby="environment-title">
      <p class="crumbs"><a href="/environments">Environments</a> / <span class="mono">{environment.metadata.slug}</span></p>
      <header class="page-head">
        <h1 id="environment-title">{environment.metadata.name}</h1>
      </header>
      {environment.spec.description !== undefined && <p class="lead">{environment.spec.description}</p>}
      <Facts resource={environment} />
      <section class="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        {entries.length === 0 ? <p class="empty">No keys.</p> : (
          <table class="table" aria-label="Keys">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {entries.map(([key, entry]) => (
                <tr key={key}>
                  <td class="mono">{key}</td>
                  <td class="mono">{entry.isSecret === true ? <span class="sub">secret (write-only)</span> : entry.value ?? "–"}</td>
                  <td>{entry.description ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" aria-labelledby="document-title">
        <h2 id="document-title">Document</h2>
        <Document value={environment} />
      </section>
    </section>
  )
}
