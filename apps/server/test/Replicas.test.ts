/**
 * Three server processes on one PostgreSQL database, as replicas behind a load balancer
 * would be: an execution created through A and updated through B and C is seen by a
 * watcher on A and a feed client on C, every version once and in order; 50 concurrent
 * status updates spread over the three all land. Runs when `WEFT_TEST_PG` names a server.
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { ServerProcess as Proc } from "@weft/testing"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"

interface Event {
  readonly event: string
  readonly id: string
  readonly data: string
}

/**
 * Reads an SSE stream into `events` until `done(events)` or the stream ends; `opened`
 * resolves once the first bytes (the response's first event or comment) arrived.
 */
const follow = (url: string, done: (events: ReadonlyArray<Event>) => boolean) => {
  const controller = new AbortController()
  const events: Array<Event> = []
  let markOpened: () => void = () => {}
  const opened = new Promise<void>((resolve) => markOpened = resolve)
  const finished = (async () => {
    const response = await fetch(url, { signal: controller.signal })
    if (response.status !== 200) throw new Error(`${url}: ${response.status}`)
    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ""
    while (true) {
      const { done: ended, value } = await reader.read()
      if (ended) break
      markOpened()
      buffer += decoder.decode(value, { stream: true })
      let cut: number
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const field = (name: string) =>
          block.split("\n").find((line) => line.startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? ""
        if (field("event") !== "") events.push({ event: field("event"), id: field("id"), data: field("data") })
      }
      if (done(events)) break
    }
    controller.abort()
    return events
  })()
  return { opened, finished }
}

const json = (url: string, method: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: response.status, body: await response.json() as any }
  })

const versionOf = (event: Event) => JSON.parse(event.data).metadata.version as number

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe.runIf(TestDatabase.pgUrl !== undefined)("replicas (processes) on one PostgreSQL database", () => {
  it.live("a watcher on A and a feed client on C see every version once, in order; 50 concurrent updates land", () =>
    Effect.gen(function*() {
      const fresh = yield* TestDatabase.freshSchema(TestDatabase.pgUrl!)
      const env = {
        WEFT_DB: fresh.url,
        WEFT_SECRET_KEY: randomBytes(32).toString("base64"),
        WEFT_RUNNER: "none",
        WEFT_LOG_REQUESTS: "false"
      }
      const [a, b, c] = yield* Effect.all(
        [0, 1, 2].map(() =>
          Effect.gen(function*() {
            const port = yield* Proc.freePort
            const proc = yield* Proc.spawnServer({ env: { ...env, WEFT_PORT: String(port) } })
            return yield* Proc.ready(proc, "180 seconds")
          })
        ),
        { concurrency: "unbounded" }
      )
      for (const replica of [a!, b!, c!]) {
        assert.deepStrictEqual(yield* json(`${replica.url}/ready`, "GET"), { status: 200, body: { status: "ready" } })
      }
      const workflow = yield* json(`${a!.url}/v1/workflows`, "POST", {
        metadata: { name: "replicated", ownerScope: "organization", org: "acme" },
        spec: {
          document: { dsl: "1.0.0", namespace: "default", name: "replicated", version: "1.0.0" },
          tasks: [{ name: "set", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
        }
      })
      assert.strictEqual(workflow.status, 201)
      const created = yield* json(`${a!.url}/v1/workflow-executions`, "POST", {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: workflow.body.metadata.id }
      })
      assert.strictEqual(created.status, 201)
      const id = created.body.metadata.id as string

      const watch = follow(`${a!.url}/v1/workflow-executions/${id}/watch`, () => false)
      const ours = (events: ReadonlyArray<Event>) => events.filter((e) => JSON.parse(e.data).metadata.id === id)
      const feed = follow(
        `${c!.url}/v1/workflow-executions/watch`,
        (events) => ours(events).some((e) => JSON.parse(e.data).status.phase === "EXECUTION_COMPLETED")
      )
      yield* Effect.promise(() => Promise.all([watch.opened, feed.opened]))

      const replicas = [a!, b!, c!]
      const updates = yield* Effect.forEach(
        range(1, 50),
        (i) =>
          json(`${replicas[i % 3]!.url}/v1/workflow-executions/${id}/status`, "PATCH", {
            phase: "EXECUTION_IN_PROGRESS",
            tasks: [{ taskId: `t${i}`, taskName: `t${i}` }]
          }),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(updates.map((u) => u.status), updates.map(() => 200))
      const done = yield* json(`${b!.url}/v1/workflow-executions/${id}/status`, "PATCH", { phase: "EXECUTION_COMPLETED" })
      assert.strictEqual(done.status, 200)
      assert.strictEqual(done.body.metadata.version, 52)

      const watched = yield* Effect.promise(() => watch.finished)
      assert.deepStrictEqual(watched.map(versionOf), range(1, 52))
      const fed = ours(yield* Effect.promise(() => feed.finished))
      assert.deepStrictEqual(fed.map(versionOf), range(2, 52))
      const seqs = fed.map((e) => Number(e.id))
      assert.deepStrictEqual(seqs, [...seqs].sort((x, y) => x - y))
      assert.strictEqual(new Set(seqs).size, seqs.length)
      const read = yield* json(`${c!.url}/v1/workflow-executions/${id}`, "GET")
      assert.strictEqual(read.body.metadata.version, 52)
    }).pipe(Effect.scoped), 400_000)
})
