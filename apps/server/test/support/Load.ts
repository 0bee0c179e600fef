/**
 * Client-side load against a running server (a process, usually), with a ledger of every
 * write the server acknowledged, for the crash, single-writer and shutdown tests.
 *
 * A write is acknowledged when a 2xx response arrived whole and parsed as JSON. The
 * ledger keeps, per execution, the latest acknowledged state (highest version); after a
 * crash or a restart every entry must be present at that version or later, and at the
 * same version with the same content.
 *
 * Each worker owns the executions it created and is the only one to update them, so a
 * correct server never answers a worker's own status update with 409: any answer other
 * than 2xx (or 503 UNAVAILABLE during shutdown) is worth reporting.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Sqlite from "better-sqlite3"

export const WORKFLOW = {
  metadata: { name: "wf", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
}

export const workflowNamed = (name: string) => ({ ...WORKFLOW, metadata: { ...WORKFLOW.metadata, name } })

export const executionBody = (workflowId: string, triggerMessage?: string) => ({
  metadata: { ownerScope: "organization", org: "acme" },
  spec: { workflowId, ...(triggerMessage === undefined ? {} : { triggerMessage }) }
})

const PHASE_RANK: Record<string, number> = {
  EXECUTION_PENDING: 0,
  EXECUTION_IN_PROGRESS: 1,
  EXECUTION_COMPLETED: 2,
  EXECUTION_FAILED: 2,
  EXECUTION_CANCELLED: 2
}

export const isTerminal = (phase: string | undefined) => phase !== undefined && PHASE_RANK[phase] === 2

/** A small seeded PRNG (mulberry32), so a failing round can be replayed from its seed. */
export const rng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <A>(items: ReadonlyArray<A>): A => items[Math.floor(next() * items.length)]
  }
}
export type Rng = ReturnType<typeof rng>

// --- HTTP -------------------------------------------------------------------------------

export type Outcome =
  /** A whole response. */
  | { readonly _tag: "Response"; readonly status: number; readonly body: any; readonly text: string }
  /** No response at all (refused, reset before the status line). */
  | { readonly _tag: "NoResponse"; readonly error: string }
  /** Headers arrived but the body did not (cut off), or the body was not JSON. */
  | { readonly _tag: "Incomplete"; readonly status: number; readonly error: string }

const describeError = (error: unknown) => {
  const cause = (error as { readonly cause?: { readonly code?: string; readonly message?: string } }).cause
  return `${(error as Error).message} (${cause?.code ?? cause?.message ?? "no cause"})`
}

/** One JSON request; never throws. */
export const send = async (
  baseUrl: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Outcome> => {
  let response: Response
  try {
    response = await fetch(baseUrl + url, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  } catch (error) {
    return { _tag: "NoResponse", error: describeError(error) }
  }
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    return { _tag: "Incomplete", status: response.status, error: describeError(error) }
  }
  try {
    return { _tag: "Response", status: response.status, body: JSON.parse(text), text }
  } catch {
    return { _tag: "Incomplete", status: response.status, error: `not JSON: ${text.slice(0, 200)}` }
  }
}

/** `send`, failing unless the answer is `status`. */
export const expect = async (
  status: number,
  baseUrl: string,
  method: string,
  url: string,
  body?: unknown,
  headers?: Record<string, string>
): Promise<any> => {
  const outcome = await send(baseUrl, method, url, body, headers)
  if (outcome._tag !== "Response" || outcome.status !== status) {
    throw new Error(`${method} ${url}: expected ${status}, got ${JSON.stringify(outcome).slice(0, 500)}`)
  }
  return outcome.body
}

/** Every resource of a list route, following `nextPageToken`. */
export const listAll = async (baseUrl: string, route: string): Promise<Array<any>> => {
  const all: Array<any> = []
  let token: string | undefined
  for (let page = 0; page < 1000; page++) {
    const query = `?pageSize=1000${token === undefined ? "" : `&pageToken=${encodeURIComponent(token)}`}`
    const body = await expect(200, baseUrl, "GET", route + query)
    all.push(...body.entries)
    token = body.nextPageToken
    if (token === undefined) return all
  }
  throw new Error(`${route}: more than 1000 pages`)
}

// --- the ledger -------------------------------------------------------------------------

export interface AckedExecution {
  readonly id: string
  readonly version: number
  readonly phase: string
  readonly output: unknown
  readonly triggerMessage: string | undefined
  /** Where it was acknowledged (round, operation), for messages. */
  readonly where: string
}

const stable = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v)

export class Ledger {
  readonly executions = new Map<string, AckedExecution>()
  readonly workflows = new Map<string, number>()
  /** Two acknowledgements of one version with different content: a lost update. */
  readonly conflicts: Array<string> = []

  recordWorkflow(resource: any) {
    const id = resource.metadata.id as string
    this.workflows.set(id, Math.max(this.workflows.get(id) ?? 0, resource.metadata.version))
  }

  recordExecution(resource: any, where: string) {
    const acked: AckedExecution = {
      id: resource.metadata.id,
      version: resource.metadata.version,
      phase: resource.status.phase,
      output: resource.status.output,
      triggerMessage: resource.spec.triggerMessage,
      where
    }
    const previous = this.executions.get(acked.id)
    if (previous !== undefined && previous.version === acked.version && !sameState(previous, acked)) {
      this.conflicts.push(`${acked.id} v${acked.version} acknowledged twice with different content: ${stable(previous)} vs ${stable(acked)}`)
    }
    if (previous === undefined || acked.version > previous.version) this.executions.set(acked.id, acked)
  }

  /** Everything acknowledged that `executions`/`workflows` (the server's state) do not reflect. */
  violations(executions: ReadonlyArray<any>, workflows: ReadonlyArray<any>): Array<string> {
    const out: Array<string> = [...this.conflicts]
    const byId = new Map(executions.map((e) => [e.metadata.id as string, e]))
    for (const acked of this.executions.values()) {
      const found = byId.get(acked.id)
      if (found === undefined) {
        out.push(`execution ${acked.id} (acknowledged at v${acked.version}, ${acked.where}) is missing`)
        continue
      }
      const state: AckedExecution = {
        id: acked.id,
        version: found.metadata.version,
        phase: found.status.phase,
        output: found.status.output,
        triggerMessage: found.spec.triggerMessage,
        where: "server"
      }
      if (state.version < acked.version) {
        out.push(`execution ${acked.id} is at v${state.version}, acknowledged v${acked.version} (${acked.where})`)
      } else if (state.version === acked.version && !sameState(state, acked)) {
        out.push(`execution ${acked.id} v${acked.version} differs from its acknowledgement (${acked.where}): ${stable(state)} vs ${stable(acked)}`)
      } else if (PHASE_RANK[state.phase] < PHASE_RANK[acked.phase] || (isTerminal(acked.phase) && state.phase !== acked.phase)) {
        out.push(`execution ${acked.id} went back from ${acked.phase} to ${state.phase}`)
      }
    }
    const workflowVersions = new Map(workflows.map((w) => [w.metadata.id as string, w.metadata.version as number]))
    for (const [id, version] of this.workflows) {
      const found = workflowVersions.get(id)
      if (found === undefined) out.push(`workflow ${id} is missing`)
      else if (found < version) out.push(`workflow ${id} is at v${found}, acknowledged v${version}`)
    }
    return out
  }

  /** Reads the server's state through the API and answers the violations. */
  async check(baseUrl: string): Promise<Array<string>> {
    const [executions, workflows] = await Promise.all([
      listAll(baseUrl, "/v1/workflow-executions"),
      listAll(baseUrl, "/v1/workflows")
    ])
    return this.violations(executions, workflows)
  }
}

const sameState = (a: AckedExecution, b: AckedExecution) =>
  a.phase === b.phase && stable(a.output) === stable(b.output) && a.triggerMessage === b.triggerMessage

// --- load -------------------------------------------------------------------------------

export interface LoadStats {
  readonly counts: Record<string, number>
  /** Requests that got a response which was cut off or not JSON. */
  readonly incomplete: Array<string>
  /** Whole responses other than 2xx (and 503 UNAVAILABLE when `allowUnavailable`). */
  readonly unexpected: Array<string>
  readonly noResponse: Array<string>
  /** The marks (`triggerMessage` of a create, `output.n` of a status update) of the requests that got no whole response. */
  readonly unanswered: Array<{ readonly op: string; readonly mark: string | number }>
}

interface Owned {
  readonly id: string
  readonly workflowInstanceId: string
  readonly name: string
  phase: string
}

/**
 * Runs `workers` concurrent loops of creates, status updates and spec updates until
 * `stop()` answers true. Every 2xx is recorded in `ledger`. A worker that gets no
 * response pauses briefly and goes on (the server may be gone: `stop` decides).
 */
export const runLoad = async (options: {
  readonly baseUrl: string
  readonly ledger: Ledger
  readonly workflowId: string
  readonly workers: number
  readonly random: Rng
  readonly stop: () => boolean
  readonly label: string
  /** Stop a worker after its first request without a response. */
  readonly stopOnNoResponse?: boolean
  readonly allowUnavailable?: boolean
}): Promise<LoadStats> => {
  const { baseUrl, ledger, random } = options
  const stats: LoadStats = { counts: {}, incomplete: [], unexpected: [], noResponse: [], unanswered: [] }
  let seq = 0
  const count = (key: string) => {
    stats.counts[key] = (stats.counts[key] ?? 0) + 1
  }

  const worker = async (w: number) => {
    const owned: Array<Owned> = []
    while (!options.stop()) {
      const n = ++seq
      const live = owned.filter((o) => !isTerminal(o.phase))
      const roll = random.next()
      let op: string
      let outcome: Outcome
      let target: Owned | undefined
      if (live.length === 0 || roll < 0.35) {
        op = "create"
        outcome = await send(baseUrl, "POST", "/v1/workflow-executions", executionBody(options.workflowId, `t-${n}`))
      } else if (roll < 0.9) {
        op = "status"
        target = random.pick(live)
        const next = target.phase === "EXECUTION_PENDING"
          ? "EXECUTION_IN_PROGRESS"
          : random.next() < 0.8
          ? "EXECUTION_IN_PROGRESS"
          : random.pick(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"])
        outcome = await send(baseUrl, "PATCH", `/v1/workflow-executions/${target.id}/status`, {
          phase: next,
          output: { n, worker: w, label: options.label },
          tasks: [{ taskName: "a", status: "WORKFLOW_TASK_IN_PROGRESS" }]
        })
      } else {
        op = "update"
        target = random.pick(live)
        outcome = await send(baseUrl, "PUT", `/v1/workflow-executions/${target.id}`, {
          metadata: { name: target.name, ownerScope: "organization", org: "acme" },
          spec: { workflowId: options.workflowId, workflowInstanceId: target.workflowInstanceId, triggerMessage: `u-${n}` }
        })
      }
      const what = `${options.label} ${op} #${n}`
      switch (outcome._tag) {
        case "Response": {
          count(`${op} ${outcome.status}`)
          if (outcome.status >= 200 && outcome.status < 300) {
            ledger.recordExecution(outcome.body, what)
            if (op === "create") {
              owned.push({
                id: outcome.body.metadata.id,
                workflowInstanceId: outcome.body.spec.workflowInstanceId,
                name: outcome.body.metadata.name,
                phase: outcome.body.status.phase
              })
            } else if (target !== undefined) {
              target.phase = outcome.body.status.phase
            }
          } else if (!(options.allowUnavailable && outcome.status === 503 && outcome.body?.code === "UNAVAILABLE")) {
            stats.unexpected.push(`${what}: ${outcome.status} ${outcome.text.slice(0, 300)}`)
          }
          break
        }
        case "Incomplete":
          count(`${op} incomplete`)
          stats.unanswered.push({ op, mark: op === "create" ? `t-${n}` : op === "update" ? `u-${n}` : n })
          stats.incomplete.push(`${what}: ${outcome.status} ${outcome.error}`)
          break
        case "NoResponse":
          count(`${op} no response`)
          stats.noResponse.push(`${what}: ${outcome.error}`)
          stats.unanswered.push({ op, mark: op === "create" ? `t-${n}` : op === "update" ? `u-${n}` : n })
          if (options.stopOnNoResponse) return
          await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  }
  await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)))
  return stats
}

/**
 * The unanswered requests whose effect is in the server's state anyway: committed, then
 * cut off without an answer.
 */
export const committedUnanswered = (stats: LoadStats, executions: ReadonlyArray<any>): Array<string> => {
  const marks = new Set(stats.unanswered.map((u) => u.mark))
  const out: Array<string> = []
  for (const execution of executions) {
    const trigger = execution.spec.triggerMessage
    const n = execution.status.output?.n
    if (marks.has(trigger)) out.push(`${execution.metadata.id}: the unanswered write "${trigger}" was committed`)
    if (n !== undefined && marks.has(n)) out.push(`${execution.metadata.id}: the unanswered status update #${n} was committed`)
  }
  return out
}

// --- the database file ------------------------------------------------------------------

/**
 * `PRAGMA integrity_check` of a database file. With `copy`, checks a copy of the file and
 * its WAL instead, so that the original is left for the server's own recovery.
 */
export const integrityCheck = (file: string, options: { readonly copy?: boolean } = {}): string => {
  let target = file
  let scratch: string | undefined
  if (options.copy) {
    scratch = fs.mkdtempSync(path.join(path.dirname(file), "check-"))
    target = path.join(scratch, path.basename(file))
    for (const suffix of ["", "-wal", "-journal"]) {
      if (fs.existsSync(file + suffix)) fs.copyFileSync(file + suffix, target + suffix)
    }
  }
  try {
    const db = new Sqlite(target, { timeout: 0 })
    try {
      const rows = db.pragma("integrity_check") as Array<{ integrity_check: string }>
      return rows.map((row) => row.integrity_check).join("; ")
    } finally {
      db.close()
    }
  } finally {
    if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true })
  }
}
