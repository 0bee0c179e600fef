/**
 * Graceful shutdown of the real process under load: with concurrent writers and five
 * open watch streams, SIGTERM makes the server stop accepting, finish what is in flight
 * and exit 0. Every request that got a response got a whole one (2xx, or a clean 503
 * UNAVAILABLE with `{code, message}`); every watch stream ends cleanly (the chunked body
 * is terminated, no socket error); and after a restart on the same file every
 * acknowledged write is there and `PRAGMA integrity_check` is ok.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as path from "node:path"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"

interface WatchResult {
  readonly status: number
  readonly events: number
  /** `undefined`: the stream ended cleanly. */
  readonly error: string | undefined
}

/** Opens a watch; answers once it has received its first event, with a promise of how it ends. */
const watch = async (url: string): Promise<{ readonly ended: Promise<WatchResult> }> => {
  const response = await fetch(url, { headers: { accept: "text/event-stream" } })
  if (response.status !== 200) throw new Error(`watch ${url}: ${response.status} ${await response.text()}`)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ""
  const events = () => (text.match(/^event: /gm) ?? []).length
  while (events() === 0) {
    const chunk = await reader.read()
    if (chunk.done) throw new Error(`watch ${url} ended before its first event`)
    text += decoder.decode(chunk.value, { stream: true })
  }
  const ended = (async (): Promise<WatchResult> => {
    try {
      while (true) {
        const chunk = await reader.read()
        if (chunk.done) return { status: response.status, events: events(), error: undefined }
        text += decoder.decode(chunk.value, { stream: true })
      }
    } catch (error) {
      const cause = (error as { readonly cause?: { readonly code?: string; readonly message?: string } }).cause
      return { status: response.status, events: events(), error: `${(error as Error).message} (${cause?.code ?? cause?.message})` }
    }
  })()
  return { ended }
}

describe("graceful shutdown", () => {
  it.live("SIGTERM under load and 5 watchers: whole responses, clean stream ends, exit 0, nothing lost", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "weft.db")
      const env = { WEFT_DB: db, WEFT_LOG_REQUESTS: "false", WEFT_SHUTDOWN_GRACE_MS: "5000" }
      const server = yield* Proc.start({ env })
      const ledger = new Load.Ledger()
      const workflow = yield* Effect.promise(() => Load.expect(201, server.url, "POST", "/v1/workflows", Load.WORKFLOW))
      ledger.recordWorkflow(workflow)

      // Five executions nobody finishes, each watched.
      const watched = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: 5 }, (_, i) =>
          Load.expect(201, server.url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id, `watched-${i}`))))
      )
      watched.forEach((execution) => ledger.recordExecution(execution, "setup"))
      const watchers = yield* Effect.promise(() =>
        Promise.all(watched.map((execution) => watch(`${server.url}/v1/workflow-executions/${execution.metadata.id}/watch`)))
      )

      let exited = false
      const load = Load.runLoad({
        baseUrl: server.url,
        ledger,
        workflowId: workflow.metadata.id,
        workers: 8,
        random: Load.rng(11),
        stop: () => exited,
        // Once the listener is closed there is nothing left to try.
        stopOnNoResponse: true,
        allowUnavailable: true,
        label: "before SIGTERM"
      })
      yield* Effect.sleep("400 millis")
      const signalled = Date.now()
      yield* server.kill("SIGTERM")
      const exit = yield* server.waitExit("15 seconds")
      const took = Date.now() - signalled
      exited = true
      const stats = yield* Effect.promise(() => load)
      const streams = yield* Effect.promise(() => Promise.all(watchers.map((watcher) => watcher.ended)))

      assert.strictEqual(exit.code, 0, `exit after SIGTERM${server.stderr()}`)
      assert.isBelow(took, 5_000 + 3_000, "within the grace period")
      assert.deepStrictEqual(stats.incomplete, [], "responses cut off")
      assert.deepStrictEqual(stats.unexpected, [], "answers other than 2xx or 503 UNAVAILABLE")
      assert.isAbove(stats.counts["create 201"] ?? 0, 0, JSON.stringify(stats.counts))
      for (const stream of streams) {
        assert.strictEqual(stream.error, undefined, `a watch stream ended with an error after ${stream.events} events`)
        assert.isAtLeast(stream.events, 1)
      }
      assert.include(server.stdout(), "stopped")

      const restarted = yield* Proc.start({ env })
      assert.deepStrictEqual(yield* Effect.promise(() => ledger.check(restarted.url)), [])
      // A request without an answer was refused, not committed and then cut off.
      const executions = yield* Effect.promise(() => Load.listAll(restarted.url, "/v1/workflow-executions"))
      assert.deepStrictEqual(Load.committedUnanswered(stats, executions), [], stats.noResponse.join("\n"))
      yield* restarted.kill("SIGTERM")
      assert.strictEqual((yield* restarted.waitExit("15 seconds")).code, 0)
      assert.strictEqual(Load.integrityCheck(db), "ok")
    }).pipe(Effect.scoped), 90_000)
})
