/**
 * `npx -y pnpm@… start` under a supervisor that signals only the process it started:
 * npx dies on SIGTERM without passing it on, so scripts/start.mjs watches npx and stops
 * the server (gracefully) once npx is gone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ServerProcess as Proc } from "@weft/testing"

describe("started through npx", () => {
  it.live("SIGTERM to npx alone stops pnpm and the server, which drains and exits", () =>
    Effect.gen(function*() {
      const port = yield* Proc.freePort
      const proc = yield* Proc.spawn({
        command: "npx",
        args: ["-y", "pnpm@10.34.9", "start"],
        cwd: Proc.repoRoot,
        env: { WEFT_PORT: String(port), WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false" }
      })
      const server = yield* Proc.ready(proc, "120 seconds")
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      // Only npx, as a supervisor without process-group kill does (not the group).
      yield* proc.kill("SIGTERM")
      // The pipes close once pnpm and the server are gone too.
      const exit = yield* proc.waitExit("30 seconds")
      assert.strictEqual(exit.signal, "SIGTERM", "npx itself dies of the signal")
      assert.match(proc.stderr(), /weft: npm exec .* is gone; shutting down/)
      assert.isTrue(proc.lines().some((line) => line.includes("\"stopped\"")), `the server drained:\n${proc.stdout()}`)
      const refused = yield* Effect.flip(Effect.scoped(Proc.connect(port)))
      assert.strictEqual(refused.code, "ECONNREFUSED")
    }).pipe(Effect.scoped), { timeout: 240_000 })
})
