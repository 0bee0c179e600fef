/**
 * The example runner against a real server process (`WEFT_RUNNER=none`), two copies of
 * it at once: every run, created before or after they started, is claimed by exactly one
 * of them, the other one is refused (412) for the runs both saw, and each run ends
 * COMPLETED with the output of its tasks.
 */
import { assert, it } from "@effect/vitest"
import { type FeedEvent, WeftClient } from "@weft/client"
import { ServerProcess } from "@weft/testing"
import { Effect, Stream } from "effect"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const runnerDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

/** Completes once `condition` holds, checked whenever a runner prints (and every 50 ms). */
const until = (condition: () => boolean, explain: () => string) =>
  Effect.async<void>((resume) => {
    const check = () => condition() && resume(Effect.void)
    const timer = setInterval(check, 50)
    check()
    return Effect.sync(() => clearInterval(timer))
  }).pipe(Effect.timeoutFail({ duration: "120 seconds", onTimeout: () => new Error(explain()) }))

/** A copy of the runner, killed when the scope closes; `lines` is what it printed so far. */
const startRunner = (name: string, server: string) =>
  Effect.gen(function*() {
    let output = ""
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, ["--import", ServerProcess.tsxLoader, "src/runner.ts"], {
          cwd: runnerDir,
          env: { ...process.env, WEFT_SERVER: server, RUNNER_NAME: name },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => void child.kill("SIGKILL"))
    )
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => void (output += chunk))
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void (output += chunk))
    return { lines: () => output.split("\n").filter((line) => line !== ""), output: () => output }
  })

const workflow = {
  metadata: { name: "Runner Example", ownerScope: "organization" as const, org: "acme" },
  spec: {
    document: { dsl: "1.0.0" as const, namespace: "acme", name: "runner-example", version: "1.0.0" },
    tasks: [
      { name: "greet", kind: "WORKFLOW_TASK_KIND_SET" as const, taskConfig: { variables: { greeting: "hello" } } },
      {
        name: "notify",
        kind: "WORKFLOW_TASK_KIND_HTTP_CALL" as const,
        taskConfig: { method: "POST", endpoint: { uri: "https://hooks.example/notify" } }
      }
    ]
  }
}

const terminal = ["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"] as const

it.scopedLive("two runners: every run is done exactly once, the other runner gets 412 for it", () =>
  Effect.gen(function*() {
    const server = yield* ServerProcess.startFresh()
    const weft = yield* Effect.provide(WeftClient.WeftClient, WeftClient.layerFetch({ baseUrl: server.url }))
    const workflowId = (yield* weft.workflows.create({ payload: workflow })).metadata.id
    const start = (n: number) =>
      Effect.map(
        weft.workflowExecutions.create({
          payload: { metadata: { ownerScope: "organization", org: "acme" }, spec: { workflowId, triggerMetadata: { n: String(n) } } },
          headers: {}
        }),
        (execution) => execution.metadata.id
      )

    // Three runs wait before any runner is there; twenty come while both follow the feed.
    const early = yield* Effect.forEach([0, 1, 2], start)
    const runners = [yield* startRunner("a", server.url), yield* startRunner("b", server.url)]
    const all = () => runners.flatMap((runner) => runner.lines())
    const outputs = () => runners.map((runner) => runner.output()).join("\n---\n")
    yield* until(() => runners.every((runner) => runner.lines().includes("following the feed")), outputs)
    const late = yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i + 3), start, { concurrency: 4 })
    const ids = [...early, ...late]

    // The feed from its start, until every run has ended.
    const ended = yield* weft.feed({ workflowId, phase: terminal, after: 0 }).pipe(
      Stream.filter((event): event is FeedEvent.Execution => event._tag === "Execution"),
      Stream.take(ids.length),
      Stream.runCollect
    )
    assert.sameMembers([...ended].map((event) => event.execution.metadata.id), ids, "each run ended once")
    yield* until(() => late.every((id) => all().includes(`lost ${id}`)), outputs)

    const claimed = all().filter((line) => line.startsWith("claimed ")).map((line) => line.slice("claimed ".length))
    assert.sameMembers(claimed, ids, "each run claimed by one runner, once")
    const lost = all().filter((line) => line.startsWith("lost ")).map((line) => line.slice("lost ".length))
    for (const id of late) assert.strictEqual(lost.filter((l) => l === id).length, 1, `${id}: one 412`)
    assert.isEmpty(all().filter((line) => line.startsWith("failed ") || line.startsWith("gone ")))

    for (const [n, id] of ids.entries()) {
      const execution = yield* weft.workflowExecutions.get({ path: { id } })
      assert.strictEqual(execution.status.phase, "EXECUTION_COMPLETED")
      // create, claim, two task starts, the end: no report twice.
      assert.strictEqual(execution.metadata.version, 5)
      const output = execution.status.output as Record<string, unknown>
      assert.deepStrictEqual({ ...output, runner: undefined }, { n: String(n), greeting: "hello", runner: undefined })
      assert.include(["a", "b"], output["runner"])
      assert.deepStrictEqual(execution.status.tasks?.map((task) => [task.taskName, task.status]), [
        ["greet", "WORKFLOW_TASK_COMPLETED"],
        ["notify", "WORKFLOW_TASK_COMPLETED"]
      ])
      assert.isDefined(execution.status.startedAt)
      assert.isDefined(execution.status.completedAt)
    }
  }), 300_000)
