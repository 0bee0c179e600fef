/**
 * The real server as a process (`node --import tsx src/main.ts`, and `pnpm start` at the
 * repository root): the ready line, environment configuration, the database file, JSON
 * request logs, exit codes on SIGTERM/SIGINT with in-flight requests finished, and a
 * failing start on a port in use. Every spawned process is killed when its test ends.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { ServerProcess as Proc } from "@weft/testing"

const sleep = (ms: number) => Effect.sleep(`${ms} millis`)

/** A Workflow as the contract describes it. */
const workflow = {
  metadata: { name: "Drain Test", ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "tests", name: "drain", version: "1.0.0" },
    tasks: [{ name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { x: 1 } } }]
  }
}

/** Request log lines: JSON objects whose fields (top level or annotations) include a path. */
const requestLogs = (lines: ReadonlyArray<string>) =>
  lines
    .filter((line) => !Proc.readyLine.test(line))
    .map((line) => JSON.parse(line) as Record<string, any>)
    .map((entry) => ({ ...entry, ...entry.annotations }))
    .filter((entry) => typeof entry.path === "string")

/** Connecting to `port` is refused (retried for up to a second: the log line comes just before). */
const assertRefused = (port: number) =>
  Effect.gen(function*() {
    const attempt = Effect.either(Effect.scoped(Proc.connect(port)))
    let result = yield* attempt
    for (let i = 0; i < 20 && result._tag === "Right"; i++) {
      yield* sleep(50)
      result = yield* attempt
    }
    assert.isTrue(result._tag === "Left", "connection refused")
    if (result._tag === "Left") assert.strictEqual(result.left.code, "ECONNREFUSED")
  })

describe("startup", () => {
  it.live("prints exactly one ready line with its URL, serves it, and creates the configured database", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const db = path.join(dir, "nested", "dir", "weft.db")
      const port = yield* Proc.freePort
      const proc = yield* Proc.spawnServer({ env: { WEFT_PORT: String(port), WEFT_DB: db } })
      const server = yield* Proc.ready(proc)
      const readyLines = proc.lines().filter((line) => line.startsWith("weft listening"))
      assert.deepStrictEqual(readyLines, [`weft listening on http://127.0.0.1:${port}`])
      assert.strictEqual(server.url, `http://127.0.0.1:${port}`)
      const res = yield* Proc.get(`${server.url}/health`)
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(JSON.parse(res.body), { status: "ok" })
      assert.isTrue(fs.existsSync(db), `database file at ${db}`)
    }).pipe(Effect.scoped))

  it.live("without WEFT_DB the database is ./data/weft.db relative to the working directory", () =>
    Effect.gen(function*() {
      const cwd = yield* Proc.tempDir
      const server = yield* Proc.start({ cwd, env: { WEFT_DB: undefined } })
      const res = yield* Proc.get(`${server.url}/health`)
      assert.strictEqual(res.status, 200)
      assert.isTrue(fs.existsSync(path.join(cwd, "data", "weft.db")), "data/weft.db in the cwd")
    }).pipe(Effect.scoped))

  it.live("WEFT_DB=:memory: runs without creating any file", () =>
    Effect.gen(function*() {
      const cwd = yield* Proc.tempDir
      const server = yield* Proc.start({ cwd, env: { WEFT_DB: ":memory:" } })
      const res = yield* Proc.get(`${server.url}/health`)
      assert.strictEqual(res.status, 200)
      assert.deepStrictEqual(fs.readdirSync(cwd), [])
    }).pipe(Effect.scoped))
})

describe("request logs", () => {
  it.live("one JSON line per request with method, path, status and durationMs", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const server = yield* Proc.start({ env: { WEFT_DB: path.join(dir, "weft.db") } })
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      assert.strictEqual((yield* Proc.get(`${server.url}/nope?secret=1`)).status, 404)
      assert.strictEqual((yield* Proc.get(`${server.url}/health`, { method: "POST", body: "{}" })).status, 405)
      yield* server.waitForLine((line) => line.includes("\"POST\""))
      // Every stdout line but the ready line is JSON.
      for (const line of server.lines()) {
        if (Proc.readyLine.test(line)) continue
        assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`)
      }
      const logs = requestLogs(server.lines())
      assert.deepStrictEqual(
        logs.map((entry) => [entry.method, entry.path, entry.status]),
        [["GET", "/health", 200], ["GET", "/nope", 404], ["POST", "/health", 405]]
      )
      for (const entry of logs) {
        assert.isNumber(entry.durationMs)
        assert.isAtLeast(entry.durationMs, 0)
        assert.isBelow(entry.durationMs, 5_000)
      }
      assert.notInclude(server.stdout(), "secret=1", "the query string is not logged")
    }).pipe(Effect.scoped))

  it.live("WEFT_LOG_REQUESTS=false logs no requests", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false" } })
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      yield* server.kill("SIGTERM")
      const exit = yield* server.waitExit()
      assert.strictEqual(exit.code, 0)
      assert.deepStrictEqual(requestLogs(server.lines()), [])
      assert.include(server.stdout(), "stopped", "other logs still go out")
    }).pipe(Effect.scoped))
})

describe("signals", () => {
  it.live("SIGTERM: exits 0 after a clean stop, and the port is released", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:" } })
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      yield* server.kill("SIGTERM")
      const exit = yield* server.waitExit("10 seconds")
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      yield* server.waitForLine((line) => line.includes("\"stopped\""), "1 second")
      assert.strictEqual(server.stderr(), "")
      yield* assertRefused(server.port)
    }).pipe(Effect.scoped))

  it.live("SIGINT: exits 0", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:" } })
      yield* server.kill("SIGINT")
      const exit = yield* server.waitExit("10 seconds")
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.strictEqual(server.stderr(), "")
    }).pipe(Effect.scoped))

  it.live("SIGTERM finishes a request in flight (body still arriving) and refuses new connections meanwhile", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:" } })
      // A create whose body is trickled: its handler is running (reading the body) when
      // the signal comes, and the body is completed only afterwards.
      const body = JSON.stringify(workflow)
      const cut = Math.floor(body.length / 2)
      const socket = yield* Proc.connect(server.port)
      const reply = yield* Effect.fork(Proc.readUntilClose(socket))
      socket.write(
        "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`
      )
      yield* sleep(200)
      yield* server.kill("SIGTERM")
      yield* server.waitForLine((line) => line.includes("\"shutting down\""), "5 seconds")
      yield* assertRefused(server.port)
      yield* sleep(300)
      socket.write(body.slice(cut))
      const text = yield* reply.await.pipe(Effect.flatten, Effect.timeout("5 seconds"))
      assert.match(text, /^HTTP\/1\.1 201 /, `reply: ${JSON.stringify(text)}`)
      const created = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))
      assert.match(created.metadata.id, /^wfl-[0-9a-z]{26}$/)
      const exit = yield* server.waitExit("10 seconds")
      assert.deepStrictEqual(exit, { code: 0, signal: null })
    }).pipe(Effect.scoped))

  it.live("SIGTERM: a request whose headers are still arriving gets a whole answer, not a reset", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:" } })
      const socket = yield* Proc.connect(server.port)
      const reply = yield* Effect.fork(Proc.readUntilClose(socket))
      socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
      yield* sleep(200)
      yield* server.kill("SIGTERM")
      yield* server.waitForLine((line) => line.includes("\"shutting down\""), "5 seconds")
      yield* sleep(200)
      socket.write("Accept: application/json\r\n\r\n")
      const text = yield* reply.await.pipe(Effect.flatten, Effect.timeout("5 seconds"))
      // Its handler had not started: served, or refused in the contract's shape.
      assert.match(text, /^HTTP\/1\.1 (200|503) /, `reply: ${JSON.stringify(text)}`)
      const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))
      if (text.startsWith("HTTP/1.1 503")) assert.strictEqual(json.code, "UNAVAILABLE")
      else assert.deepStrictEqual(json, { status: "ok" })
      const exit = yield* server.waitExit("10 seconds")
      assert.deepStrictEqual(exit, { code: 0, signal: null })
    }).pipe(Effect.scoped))

  it.live("`pnpm start` at the repository root stops cleanly on SIGTERM", () =>
    Effect.gen(function*() {
      const port = yield* Proc.freePort
      const proc = yield* Proc.spawn({
        command: "pnpm",
        args: ["start"],
        cwd: Proc.repoRoot,
        env: { WEFT_PORT: String(port), WEFT_DB: ":memory:" }
      })
      const server = yield* Proc.ready(proc)
      assert.strictEqual(server.url, `http://127.0.0.1:${port}`)
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      // It runs with the old generation capped at 1 GiB (the limit adds the young one).
      const metrics = yield* Proc.get(`${server.url}/metrics`)
      const limit = Number(/^nodejs_heap_size_limit_bytes (\d+)$/m.exec(metrics.body)?.[1])
      assert.isAtLeast(limit, 1024 * 1024 * 1024, `heap limit ${limit}`)
      assert.isBelow(limit, 1.25 * 1024 * 1024 * 1024, `heap limit ${limit}`)
      yield* proc.kill("SIGTERM")
      const exit = yield* proc.waitExit("10 seconds")
      assert.strictEqual(exit.code, 0, `pnpm exit: ${JSON.stringify(exit)}\n${proc.stderr()}`)
      // The server itself received the signal and drained (not just pnpm going away).
      yield* proc.waitForLine((line) => line.includes("\"stopped\""), "1 second")
      yield* assertRefused(port)
    }).pipe(Effect.scoped))
})

describe("failures", () => {
  it.live("two servers on one port: one serves, the other exits non-zero without a ready line", () =>
    Effect.gen(function*() {
      // Started together (one startup's time, not two); whichever binds first wins.
      const port = yield* Proc.freePort
      const env = { WEFT_PORT: String(port), WEFT_DB: ":memory:" }
      const a = yield* Proc.spawnServer({ env })
      const b = yield* Proc.spawnServer({ env })
      const [winner, loser] = yield* Effect.raceFirst(
        Effect.as(a.exited, [b, a] as const),
        Effect.as(b.exited, [a, b] as const)
      ).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("neither exited") }))
      const exit = yield* loser.exited
      assert.isNotNull(exit.code)
      assert.notStrictEqual(exit.code, 0)
      assert.isFalse(loser.lines().some((line) => Proc.readyLine.test(line)), "no ready line from the loser")
      assert.match(loser.stdout() + loser.stderr(), /EADDRINUSE|address already in use/i)
      const server = yield* Proc.ready(winner)
      assert.strictEqual(server.port, port)
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
    }).pipe(Effect.scoped))

  it.live("an invalid WEFT_PORT exits non-zero", () =>
    Effect.gen(function*() {
      const proc = yield* Proc.spawnServer({ env: { WEFT_PORT: "not-a-port", WEFT_DB: ":memory:" } })
      const exit = yield* proc.waitExit("20 seconds")
      assert.notStrictEqual(exit.code, 0)
      assert.isNotNull(exit.code)
      assert.match(proc.stdout() + proc.stderr(), /WEFT_PORT/)
    }).pipe(Effect.scoped))
})
