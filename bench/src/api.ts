/**
 * The HTTP calls the harness makes outside of load runs: setup (one workflow and its
 * default instance), pre-creating executions, and one checked request per measured
 * operation, so that a missing route or a wrong answer stops the run with a clear
 * message instead of producing numbers about 404s.
 */
import { BenchError, type ServerProcess } from "./processes.js"

export type TargetName = "weft" | "floor" | "baseline"

export interface Target {
  readonly name: TargetName
  readonly server: ServerProcess
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export const WORKFLOW_BODY = {
  metadata: { name: "bench", ownerScope: "organization", org: "bench" },
  spec: {
    document: { dsl: "1.0.0", namespace: "bench", name: "bench", version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
}

export const createExecutionBody = (instanceId: string) => ({
  metadata: { ownerScope: "organization", org: "bench" },
  spec: { workflowInstanceId: instanceId, triggerMessage: "go" }
})

export const PATCH_BODY = {
  phase: "EXECUTION_IN_PROGRESS",
  tasks: [{ taskName: "a", status: "WORKFLOW_TASK_IN_PROGRESS" }]
}

export const LIST_PATH = "/v1/workflow-executions?phase=EXECUTION_PENDING&pageSize=50"

export const EXECUTION_ID = /^wex-[0-9a-z]{26}$/

const snippet = (text: string) => (text.length > 400 ? `${text.slice(0, 400)}…` : text || "(empty body)")

export const call = async (
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Answer> => {
  let response: Response
  try {
    response = await fetch(`${target.server.url}${path}`, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000)
    })
  } catch (error) {
    const cause = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ""}` : String(error)
    const exited = target.server.exited() ? `\n${target.server.exitReport()}` : ""
    throw new BenchError(`${target.name}: ${method} ${path} failed: ${cause}${exited}`)
  }
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** Fails unless the answer has status `expected`; a 404 is explained as a missing route. */
export const expectStatus = (target: Target, answer: Answer, method: string, path: string, expected: number): void => {
  if (answer.status === expected) return
  if (answer.status === 404) {
    throw new BenchError(
      `${target.name} answered 404 for ${method} ${path}: ${snippet(answer.text)}\n` +
        `The route is not implemented (yet), or its path differs from CONTRACT.md §4. ` +
        `It must answer ${expected} before it can be benchmarked.` +
        (target.name === "weft" ? "\nTo exercise the harness without weft, run with --only baseline." : "")
    )
  }
  throw new BenchError(`${target.name}: ${method} ${path} answered ${answer.status}, expected ${expected}: ${snippet(answer.text)}`)
}

const check = (target: Target, what: string, ok: boolean, answer: Answer) => {
  if (!ok) throw new BenchError(`${target.name}: ${what} — got ${snippet(answer.text)}`)
}

export interface Setup {
  readonly workflowId: string
  readonly instanceId: string
}

/** POST /v1/workflows (which provisions the default instance), then GET that instance. */
export const setup = async (target: Target): Promise<Setup> => {
  const created = await call(target, "POST", "/v1/workflows", WORKFLOW_BODY)
  expectStatus(target, created, "POST", "/v1/workflows", 201)
  const instanceId = created.json?.status?.defaultInstanceId
  const workflowId = created.json?.metadata?.id
  check(target, "POST /v1/workflows: status.defaultInstanceId missing", typeof instanceId === "string", created)
  const instancePath = `/v1/workflow-instances/${instanceId}`
  const instance = await call(target, "GET", instancePath)
  expectStatus(target, instance, "GET", instancePath, 200)
  return { workflowId, instanceId }
}

export const createExecution = async (target: Target, instanceId: string): Promise<any> => {
  const path = "/v1/workflow-executions"
  const answer = await call(target, "POST", path, createExecutionBody(instanceId))
  expectStatus(target, answer, "POST", path, 201)
  const doc = answer.json
  check(target, `POST ${path}: metadata.id is not wex-<ulid>`, EXECUTION_ID.test(doc?.metadata?.id ?? ""), answer)
  check(target, `POST ${path}: status.phase is not EXECUTION_PENDING`, doc?.status?.phase === "EXECUTION_PENDING", answer)
  check(target, `POST ${path}: spec.workflowInstanceId is not the instance`, doc?.spec?.workflowInstanceId === instanceId, answer)
  return doc
}

/** One checked request of each measured operation; `id` must be a PENDING execution. */
export const checkOperations = async (target: Target, instanceId: string): Promise<void> => {
  const created = await createExecution(target, instanceId)
  const id: string = created.metadata.id

  const getPath = `/v1/workflow-executions/${id}`
  const got = await call(target, "GET", getPath)
  expectStatus(target, got, "GET", getPath, 200)
  check(target, `GET ${getPath}: wrong execution`, got.json?.metadata?.id === id, got)
  check(target, `GET ${getPath}: no ETag header`, got.headers.get("etag") !== null, got)

  const list = await call(target, "GET", LIST_PATH)
  expectStatus(target, list, "GET", LIST_PATH, 200)
  const entries = list.json?.entries
  check(target, `GET ${LIST_PATH}: no entries array`, Array.isArray(entries), list)
  check(
    target,
    `GET ${LIST_PATH}: entries must be PENDING executions, newest first, and include the one just created`,
    entries.length >= 1 && entries.length <= 50 && entries[0]?.metadata?.id === id &&
      entries.every((e: any, i: number) =>
        e?.status?.phase === "EXECUTION_PENDING" && (i === 0 || entries[i - 1].metadata.id > e.metadata.id)
      ),
    list
  )

  const patchPath = `/v1/workflow-executions/${id}/status`
  for (const expectedVersion of [2, 3]) {
    const patched = await call(target, "PATCH", patchPath, PATCH_BODY)
    expectStatus(target, patched, "PATCH", patchPath, 200)
    check(
      target,
      `PATCH ${patchPath}: expected phase EXECUTION_IN_PROGRESS at version ${expectedVersion}`,
      patched.json?.status?.phase === "EXECUTION_IN_PROGRESS" && patched.json?.metadata?.version === expectedVersion &&
        patched.json?.status?.tasks?.[0]?.status === "WORKFLOW_TASK_IN_PROGRESS",
      patched
    )
  }
}

/**
 * Creates `count` executions through the API, `concurrency` at a time; returns their ids.
 * Reports progress every 5 s and gives up after `limitS` seconds.
 */
export const precreate = async (
  target: Target,
  instanceId: string,
  count: number,
  concurrency = 8,
  limitS = 300
): Promise<Array<string>> => {
  const ids: Array<string> = new Array(count)
  let next = 0
  let made = 0
  const began = Date.now()
  const progress = setInterval(() => {
    process.stderr.write(`  ${target.name}: ${made}/${count} executions created (${((Date.now() - began) / 1000).toFixed(0)} s)\n`)
  }, 5_000)
  const worker = async () => {
    while (next < count) {
      if (Date.now() - began > limitS * 1000) {
        throw new BenchError(
          `${target.name}: pre-creating ${count} executions took over ${limitS} s (${made} made); try a smaller --pool`
        )
      }
      const i = next++
      ids[i] = (await createExecution(target, instanceId)).metadata.id
      made++
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  } finally {
    clearInterval(progress)
  }
  return ids
}
