/**
 * One server per SQLite file: a second server process started on a file another one
 * holds exits non-zero at once with "database … is in use by another weft server",
 * without disturbing the first, which keeps serving reads and writes (also while the
 * second one tries). Once the first is gone (stopped, or killed), the file is free for
 * the next server, which finds every acknowledged write.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"

const env = (db: string) => ({ WEFT_DB: db, WEFT_LOG_REQUESTS: "false" })

/** Starts a second server on `db`; answers its exit (it must exit on its own, not wait for the lock) and output. */
const refused = (db: string) =>
  Effect.gen(function*() {
    const port = yield* Proc.freePort
    const second = yield* Proc.spawnServer({ env: { ...env(db), WEFT_PORT: String(port) } })
    const exit = yield* second.waitExit("15 seconds")
    return { exit, stderr: second.stderr(), stdout: second.stdout(), port }
  })

describe("single writer", () => {
  it.live("a second server on the same file exits 1 with the reason; the first keeps serving", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const first = yield* Proc.start({ env: env(db) })
      const ledger = new Load.Ledger()
      const workflow = yield* Effect.promise(() => Load.expect(201, first.url, "POST", "/v1/workflows", Load.WORKFLOW))
      ledger.recordWorkflow(workflow)

      // The first server is under write load while the second one tries to start.
      let stop = false
      const load = Load.runLoad({
        baseUrl: first.url,
        ledger,
        workflowId: workflow.metadata.id,
        workers: 4,
        random: Load.rng(7),
        stop: () => stop,
        label: "first"
      })
      const second = yield* refused(db)
      stop = true
      const stats = yield* Effect.promise(() => load)

      assert.notStrictEqual(second.exit.code, 0, `second server exit${second.stderr}`)
      assert.strictEqual(second.exit.code, 1)
      assert.include(second.stderr, `database ${db} is in use by another weft server`)
      assert.notInclude(second.stdout, "weft listening", "the second server never listened")
      yield* Effect.either(Effect.scoped(Proc.connect(second.port))).pipe(
        Effect.map((result) => assert.isTrue(result._tag === "Left", "nothing listens on the second port"))
      )

      // The first one served every request of the load and still serves.
      assert.deepStrictEqual(stats.unexpected, [])
      assert.deepStrictEqual(stats.incomplete, [])
      assert.deepStrictEqual(stats.noResponse, [])
      assert.isAbove(stats.counts["create 201"] ?? 0, 0)
      assert.deepStrictEqual(yield* Effect.promise(() => ledger.check(first.url)), [])
      const created = yield* Effect.promise(() =>
        Load.expect(201, first.url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id, "after")))
      const fetched = yield* Effect.promise(() =>
        Load.expect(200, first.url, "GET", `/v1/workflow-executions/${created.metadata.id}`))
      assert.strictEqual(fetched.spec.triggerMessage, "after")
      assert.strictEqual((yield* Proc.get(`${first.url}/health`)).status, 200)

      // A third attempt is refused just the same.
      const third = yield* refused(db)
      assert.strictEqual(third.exit.code, 1)
      assert.include(third.stderr, "is in use by another weft server")
    }).pipe(Effect.scoped), 60_000)

  it.live("the file is free again once its server stopped (SIGTERM) or died (SIGKILL)", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const ledger = new Load.Ledger()

      const first = yield* Proc.start({ env: env(db) })
      const workflow = yield* Effect.promise(() => Load.expect(201, first.url, "POST", "/v1/workflows", Load.WORKFLOW))
      ledger.recordWorkflow(workflow)
      ledger.recordExecution(
        yield* Effect.promise(() =>
          Load.expect(201, first.url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id, "one"))),
        "first server"
      )
      yield* first.kill("SIGTERM")
      assert.strictEqual((yield* first.waitExit("15 seconds")).code, 0)

      const second = yield* Proc.start({ env: env(db) })
      assert.deepStrictEqual(yield* Effect.promise(() => ledger.check(second.url)), [])
      ledger.recordExecution(
        yield* Effect.promise(() =>
          Load.expect(201, second.url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id, "two"))),
        "second server"
      )
      yield* second.kill("SIGKILL")
      yield* second.waitExit("5 seconds")

      const third = yield* Proc.start({ env: env(db) })
      assert.deepStrictEqual(yield* Effect.promise(() => ledger.check(third.url)), [])
      assert.strictEqual(ledger.executions.size, 2)
    }).pipe(Effect.scoped), 60_000)
})
