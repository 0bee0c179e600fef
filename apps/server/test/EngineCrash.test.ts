/**
 * Durability of runs across a crash: the server runs as a process with the engine on,
 * over a SQLite file, and is SIGKILLed in the middle of a run; a new server on the same
 * file finishes it. A local HTTP server counts the requests the run's HTTP_CALL tasks
 * make, so "no COMPLETED task ran twice" is counted, not inferred.
 *
 * - killed during a WAIT: the run completes after the restart, its first call made once,
 *   the WAIT neither shortened nor restarted;
 * - killed during an HTTP call: the call that was cut off runs again (at least once), the
 *   one that had completed does not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, FiberId } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import * as Proc from "./support/Process.js"

/** The server with the engine on, on `db`; a generous start-up time for a loaded machine. */
const start = (db: string) =>
  Effect.gen(function*() {
    const port = yield* Proc.freePort
    const proc = yield* Proc.spawnServer({
      env: { WEFT_PORT: String(port), WEFT_DB: db, WEFT_LOG_REQUESTS: "false", WEFT_RUNNER: "embedded" }
    })
    return yield* Proc.ready(proc, "120 seconds")
  })

interface CountingServer {
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
const countingServer = Effect.acquireRelease(
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

const httpCall = (name: string, uri: string) => ({
  name,
  kind: "WORKFLOW_TASK_KIND_HTTP_CALL",
  taskConfig: { method: "GET", endpoint: { uri }, timeoutSeconds: 60 }
})

const workflow = (name: string, tasks: ReadonlyArray<unknown>) => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: { document: { dsl: "1.0.0", namespace: "crash", name, version: "1.0.0" }, tasks }
})

const json = (url: string, method = "GET", body?: unknown) =>
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
const until = (url: string, id: string, predicate: (e: any) => boolean) => {
  const poll: Effect.Effect<any, Error> = Effect.flatMap(
    json(`${url}/v1/workflow-executions/${id}`),
    (execution) => predicate(execution) ? Effect.succeed(execution) : Effect.delay(poll, "50 millis")
  )
  return poll.pipe(
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`execution ${id} did not get there`) })
  )
}

const createRun = (url: string, tasks: ReadonlyArray<unknown>, name: string) =>
  Effect.gen(function*() {
    const wf = yield* json(`${url}/v1/workflows`, "POST", workflow(name, tasks))
    return yield* json(`${url}/v1/workflow-executions`, "POST", {
      metadata: { ownerScope: "organization", org: "acme" },
      spec: { workflowId: wf.metadata.id }
    })
  })

const taskStatus = (execution: any, name: string) =>
  (execution.status.tasks ?? []).find((t: any) => t.taskName === name)?.status

const isTerminal = (e: any) =>
  ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"].includes(e.status.phase)

describe("runs survive SIGKILL", () => {
  it.live("killed during a WAIT: after the restart the run completes, no COMPLETED task ran twice, the WAIT kept its time", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const target = yield* countingServer
      const tasks = [
        httpCall("before", `${target.url}/before`),
        { name: "pause", kind: "WORKFLOW_TASK_KIND_WAIT", taskConfig: { seconds: 3 } },
        httpCall("after", `${target.url}/after`)
      ]
      const id = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* start(db)
        const created = yield* createRun(server.url, tasks, "crash-wait")
        yield* until(server.url, created.metadata.id, (e) => taskStatus(e, "pause") === "WORKFLOW_TASK_IN_PROGRESS")
        yield* server.kill("SIGKILL")
        const exit = yield* server.waitExit("10 seconds")
        assert.strictEqual(exit.signal, "SIGKILL")
        return created.metadata.id as string
      }))
      assert.strictEqual(target.counts.get("/after"), undefined, "killed before the WAIT ended")

      const server = yield* start(db)
      const ended = yield* until(server.url, id, isTerminal)
      assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
      assert.strictEqual(target.counts.get("/before"), 1, "the COMPLETED call before the crash was not made again")
      assert.strictEqual(target.counts.get("/after"), 1)
      const pause = ended.status.tasks.find((t: any) => t.taskName === "pause")
      assert.isAtLeast(Date.parse(pause.completedAt) - Date.parse(pause.startedAt), 3000, "the WAIT was not shortened")
      assert.deepStrictEqual(ended.status.output, { path: "/after", n: 1 })
    })), 120_000)

  it.live("killed during an HTTP call: the cut-off call runs again, the completed one does not; the run completes", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const target = yield* countingServer
      target.hold.add("/slow")
      const tasks = [
        httpCall("first", `${target.url}/first`),
        httpCall("slow", `${target.url}/slow`),
        httpCall("last", `${target.url}/last`)
      ]
      const id = yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* start(db)
        const created = yield* createRun(server.url, tasks, "crash-http")
        // The run is inside the slow call: the server has it and is not answering.
        yield* Deferred.await(target.hit("/slow"))
        yield* server.kill("SIGKILL")
        yield* server.waitExit("10 seconds")
        return created.metadata.id as string
      }))
      target.hold.delete("/slow")

      const server = yield* start(db)
      const ended = yield* until(server.url, id, isTerminal)
      assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", JSON.stringify(ended.status))
      assert.strictEqual(target.counts.get("/first"), 1, "the COMPLETED call was not made again")
      assert.strictEqual(target.counts.get("/slow"), 2, "the call cut off by the crash was made again")
      assert.strictEqual(target.counts.get("/last"), 1)
      assert.deepStrictEqual(
        ended.status.tasks.map((t: any) => [t.taskName, t.status]),
        [["first", "WORKFLOW_TASK_COMPLETED"], ["slow", "WORKFLOW_TASK_COMPLETED"], ["last", "WORKFLOW_TASK_COMPLETED"]]
      )
    })), 120_000)
})
