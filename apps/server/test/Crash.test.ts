/**
 * Crash safety of the real server process over one SQLite file (WAL, synchronous FULL):
 * round after round, the server is started on the same file, every write acknowledged
 * so far is checked through the API, concurrent creates, status updates and spec
 * updates are driven against it, and it is SIGKILLed at a random moment 50–500 ms into
 * the load. After each kill a copy of the file (with its WAL) passes
 * `PRAGMA integrity_check`; the next round's start is the restart that must recover
 * every acknowledged write (present, at its acknowledged version or later, and with the
 * acknowledged content at that version).
 *
 * `WEFT_CRASH_ROUNDS` (default 20) sets the number of rounds; each round's seed is in
 * the failure message.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"

const ROUNDS = Number(process.env.WEFT_CRASH_ROUNDS ?? "20")
const BASE_SEED = Number(process.env.WEFT_CRASH_SEED ?? Date.now() % 1_000_000)

const start = (db: string) => Proc.start({ env: { WEFT_DB: db, WEFT_LOG_REQUESTS: "false" } })

describe("crash safety", () => {
  it.live(`${ROUNDS} SIGKILLs under concurrent writes lose no acknowledged write (base seed ${BASE_SEED})`, () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const ledger = new Load.Ledger()
      let workflowId = ""
      const summary: Array<string> = []

      for (let round = 1; round <= ROUNDS; round++) {
        const seed = BASE_SEED + round
        const random = Load.rng(seed)
        yield* Effect.scoped(Effect.gen(function*() {
          const server = yield* start(db)
          // The restart: everything acknowledged before the last kill is there.
          const violations = yield* Effect.promise(() => ledger.check(server.url))
          assert.deepStrictEqual(violations, [], `after restart, round ${round} (seed ${seed})`)
          if (round === 1) {
            const workflow = yield* Effect.promise(() => Load.expect(201, server.url, "POST", "/v1/workflows", Load.WORKFLOW))
            ledger.recordWorkflow(workflow)
            workflowId = workflow.metadata.id
          }

          const killAfter = random.int(50, 500)
          let killed = false
          const load = Load.runLoad({
            baseUrl: server.url,
            ledger,
            workflowId,
            workers: 8,
            random,
            stop: () => killed,
            label: `round ${round}`
          })
          yield* Effect.sleep(`${killAfter} millis`)
          yield* server.kill("SIGKILL")
          const exit = yield* server.waitExit("5 seconds")
          killed = true
          assert.strictEqual(exit.signal, "SIGKILL", `round ${round}: the server was killed, not exited`)
          const stats = yield* Effect.promise(() => load)
          summary.push(`round ${round}: kill at ${killAfter} ms, ${JSON.stringify(stats.counts)}`)
          // While it ran, the server answered its own workers' writes with 2xx only.
          assert.deepStrictEqual(stats.unexpected, [], `round ${round} (seed ${seed}): non-2xx answers`)
          assert.strictEqual(
            Load.integrityCheck(db, { copy: true }),
            "ok",
            `round ${round} (seed ${seed}): integrity_check after SIGKILL`
          )
        }))
      }

      // The last restart, then a clean stop; the file itself (not a copy) is intact.
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* start(db)
        const violations = yield* Effect.promise(() => ledger.check(server.url))
        assert.deepStrictEqual(violations, [], "after the last restart")
        yield* server.kill("SIGTERM")
        assert.strictEqual((yield* server.waitExit("15 seconds")).code, 0)
      }))
      assert.strictEqual(Load.integrityCheck(db), "ok")
      if (process.env.WEFT_CRASH_VERBOSE) console.log(summary.join("\n"))
      // The test drove real load: many acknowledged writes to check.
      assert.isAbove(ledger.executions.size, ROUNDS, `acknowledged executions\n${summary.join("\n")}`)
      const updated = [...ledger.executions.values()].filter((e) => e.version > 1).length
      assert.isAbove(updated, 0, `acknowledged status updates\n${summary.join("\n")}`)
    }).pipe(Effect.scoped), 170_000)
})
