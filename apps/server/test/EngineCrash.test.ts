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
import { Deferred, Effect } from "effect"
import * as path from "node:path"
import { ServerProcess as Proc } from "@weft/testing"
import { countingServer, createRun, httpCall, isTerminal, taskStatus, until } from "./support/Runs.js"

/** The server with the engine on, on `db`; a generous start-up time for a loaded machine. */
const start = (db: string) =>
  Effect.gen(function*() {
    const port = yield* Proc.freePort
    const proc = yield* Proc.spawnServer({
      env: { WEFT_PORT: String(port), WEFT_DB: db, WEFT_LOG_REQUESTS: "false", WEFT_RUNNER: "embedded" }
    })
    return yield* Proc.ready(proc, "120 seconds")
  })

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
