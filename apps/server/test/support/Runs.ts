/**
 * Runs driven over HTTP against server processes, for the engine's process tests: a
 * local HTTP server that counts the requests runs make (so "no COMPLETED task ran twice"
 * is counted, not inferred), workflows of HTTP calls, and polling an execution.
 */
import { Deferred, Effect, Exit, FiberId } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { ServerProcess as Proc } from "@weft/testing"

export interface CountingServer {
  readonly server: http.Server
  readonly url: string
  /** Requests received, by path. */
  readonly counts: Map<string, number>
  /** Opens when `path` is first requested. */
  readonly hit: (path: string) => Deferred.Deferred<void>
  /** Paths whose requests are received and never answered. */
  readonly hold: Set<string>
}

/** A local HTTP server counting requests by path, answering `{path, n}` (n: the count). */
export const countingServer = Effect.acquireRelease(
  Effect.async<CountingServer>((resume) => {
    const counts = new Map<string, number>()
    const hits = new Map<string, Deferred.Deferred<void>>()
    const hold = new Set<string>()
    const hit = (p: string) => {
      let d = hits.get(p)
      if (d === undefined) {
        d = Deferred.unsafeMake<void>(FiberId.none)
        hits.set(p, d)
      }
      return d
    }
    const server = http.createServer((req, res) => {
      const p = req.url ?? "/"
      counts.set(p, (counts.get(p) ?? 0) + 1)
      Deferred.unsafeDone(hit(p), Exit.void)
      if (hold.has(p)) return
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ path: p, n: counts.get(p) }))
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, counts, hit, hold }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

export const httpCall = (name: string, uri: string) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_HTTP_CALL",
  taskConfig: { method: "GET", endpoint: { uri }, timeoutSeconds: 60 }
})

export const workflow = (name: string, tasks: ReadonlyArray<unknown>) => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: { document: { dsl: "1.0.0", namespace: "crash", name, version: "1.0.0" }, tasks }
})

export const json = (url: string, method = "GET", body?: unknown) =>
  Effect.flatMap(
    Proc.get(url, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } })
    }),
    (reply) =>
      reply.status >= 300
        ? Effect.fail(new Error(`${method} ${url}: ${reply.status} ${reply.body}`))
        : Effect.succeed(JSON.parse(reply.body))
  )

/** Reads the execution every 50 ms until `predicate` holds; answers that state. */
export const until = (url: string, id: string, predicate: (e: any) => boolean) => {
  const poll: Effect.Effect<any, Error> = Effect.flatMap(
    json(`${url}/v1/workflow-executions/${id}`),
    (execution) => predicate(execution) ? Effect.succeed(execution) : Effect.delay(poll, "50 millis")
  )
  return poll.pipe(
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`execution ${id} did not get there`) })
  )
}

export const createWorkflow = (url: string, tasks: ReadonlyArray<unknown>, name: string) =>
  Effect.map(json(`${url}/v1/workflows`, "POST", workflow(name, tasks)), (created) => created.metadata.id as string)

/** Starts a run of the workflow; answers the execution as created. */
export const startRun = (url: string, workflowId: string) =>
  json(`${url}/v1/workflow-executions`, "POST", {
    metadata: { ownerScope: "organization", org: "acme" },
    spec: { workflowId }
  })

/** Creates a workflow of `tasks` and starts a run of it. */
export const createRun = (url: string, tasks: ReadonlyArray<unknown>, name: string) =>
  Effect.flatMap(createWorkflow(url, tasks, name), (workflowId) => startRun(url, workflowId))

export const taskStatus = (execution: any, name: string) =>
  (execution.status.tasks ?? []).find((t: any) => t.taskName === name)?.status

export const isTerminal = (e: any) =>
  ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"].includes(e.status.phase)
