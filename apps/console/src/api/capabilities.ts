/**
 * What this server's API offers, read once from its OpenAPI document: which query
 * parameters the execution list takes (the others are filtered in the browser), and
 * whether runs can be cancelled and signalled. The document is served without a token.
 */
export interface Capabilities {
  readonly listParams: ReadonlySet<string>
  readonly cancel: boolean
  readonly signals: boolean
}

const executions = "/v1/workflow-executions"

/** A console that could not read the document offers only what every weft server has. */
export const minimal: Capabilities = {
  listParams: new Set(["workflowId", "workflowInstanceId", "phase", "pageSize", "pageToken"]),
  cancel: false,
  signals: false
}

interface OpenApi {
  readonly paths?: Record<string, Record<string, { readonly parameters?: ReadonlyArray<{ readonly name?: string; readonly in?: string }> }>>
}

export const fromOpenApi = (document: OpenApi): Capabilities => {
  const paths = document.paths ?? {}
  const list = paths[executions]?.["get"]?.parameters ?? []
  const operation = (suffix: string) => paths[`${executions}/{id}/${suffix}`]?.["post"] !== undefined
  return {
    listParams: new Set(list.filter((p) => p.in === "query" && typeof p.name === "string").map((p) => p.name!)),
    cancel: operation("cancel"),
    signals: operation("signals")
  }
}

let loaded: Promise<Capabilities> | undefined

export const capabilities = (): Promise<Capabilities> =>
  loaded ??= fetch("/openapi.json")
    .then((response) => response.ok ? response.json() as Promise<OpenApi> : Promise.reject(new Error(String(response.status))))
    .then(fromOpenApi, () => minimal)
