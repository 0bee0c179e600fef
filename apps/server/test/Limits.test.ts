/**
 * The server's limits, on the real process where they are node's (timeouts) and
 * in process where they are the app's:
 *
 * - `WEFT_REQUEST_TIMEOUT_MS`: a client trickling its body (or its headers) one byte a
 *   second is cut off within the timeout, and other clients are served meanwhile;
 * - `WEFT_MAX_BODY_BYTES` (default 1 MiB): a body of exactly the limit is accepted, one
 *   byte more is 413 PAYLOAD_TOO_LARGE in the contract's shape, with or without a
 *   content-length, and the server serves on;
 * - `WEFT_MAX_WATCHERS`: past the cap a watch is 503 UNAVAILABLE; a watcher that leaves
 *   frees its place.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import * as Http from "node:http"
import * as net from "node:net"
import * as Load from "./support/Load.js"
import { ServerProcess as Proc } from "@weft/testing"
import * as TestServer from "./support/TestServer.js"

interface SlowResult {
  /** Bytes of the trickled part sent before the close (one a second: the time it was let live). */
  readonly trickled: number
  readonly received: string
}

/** Sends `head` at once, then one byte of `trickle` every `intervalMs` until the server closes. */
const slowClient = (port: number, head: string, trickle: string, intervalMs = 1_000) =>
  Effect.async<SlowResult>((resume) => {
    const socket = net.connect(port, "127.0.0.1")
    let trickled = 0
    let received = ""
    let timer: ReturnType<typeof setInterval> | undefined
    socket.setEncoding("utf8")
    socket.on("connect", () => {
      socket.write(head)
      timer = setInterval(() => {
        if (trickled < trickle.length && socket.writable) socket.write(trickle[trickled++])
      }, intervalMs)
    })
    socket.on("data", (chunk: string) => {
      received += chunk
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      clearInterval(timer)
      resume(Effect.succeed({ trickled, received }))
    })
    return Effect.sync(() => {
      clearInterval(timer)
      socket.destroy()
    })
  })

/** GET /health every 250 ms while `during` runs; answers how many were answered 200 meanwhile. */
const healthWhile = <A, E, R>(url: string, during: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    let checks = 0
    const poll = Proc.get(`${url}/health`).pipe(
      Effect.tap((res) => assert.strictEqual(res.status, 200)),
      Effect.tap(() => checks++),
      Effect.repeat(Schedule.spaced("250 millis"))
    )
    const result = yield* Effect.raceFirst(during, poll.pipe(Effect.zipRight(Effect.never)))
    return { result, checks }
  })

const workflowText = (name: string) => JSON.stringify(Load.workflowNamed(name))

/** A valid workflow body padded with trailing spaces to exactly `bytes` bytes. */
const paddedWorkflow = (name: string, bytes: number) => {
  const text = workflowText(name)
  return text + " ".repeat(bytes - Buffer.byteLength(text))
}

/** A raw POST with node:http: with a content-length, or chunked (in 1 KiB chunks). */
const post = (url: string, body: string, options: { readonly chunked?: boolean } = {}) =>
  Effect.async<{ status: number; body: any; headers: Http.IncomingHttpHeaders }, Error>((resume) => {
    const request = Http.request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(Buffer.byteLength(body)) })
      }
    }, (response) => {
      let text = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        text += chunk
      })
      response.on("end", () => {
        try {
          resume(Effect.succeed({ status: response.statusCode!, headers: response.headers, body: JSON.parse(text) }))
        } catch {
          resume(Effect.fail(new Error(`${response.statusCode}: not JSON: ${text.slice(0, 200)}`)))
        }
      })
      response.on("error", (error) => resume(Effect.fail(error)))
    })
    // The server may answer 413 and close before the whole body is written.
    request.on("error", (error) => resume(Effect.fail(error)))
    if (options.chunked) {
      for (let i = 0; i < body.length; i += 1024) request.write(body.slice(i, i + 1024))
      request.end()
    } else {
      request.end(body)
    }
    return Effect.sync(() => request.destroy())
  })

describe("request timeout (WEFT_REQUEST_TIMEOUT_MS=2000)", () => {
  it.live("a slow body is cut off within the timeout while other clients are served", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false", WEFT_REQUEST_TIMEOUT_MS: "2000" } })
      const head = "POST /v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
      const { result, checks } = yield* healthWhile(
        server.url,
        Effect.all(Array.from({ length: 5 }, () => slowClient(server.port, head, "x".repeat(100))), { concurrency: "unbounded" })
      )
      for (const slow of result) {
        // Cut off long before the 100 s the body would take, and not at once: it was let trickle.
        assert.isBelow(slow.trickled, 20, "cut off before the body was complete")
        assert.isAtLeast(slow.trickled, 1, "not cut off before the timeout")
        if (slow.received !== "") assert.match(slow.received, /^HTTP\/1\.1 408 /)
      }
      assert.isAtLeast(checks, 2, "others were served meanwhile")
      // And after.
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
      const created = yield* post(`${server.url}/v1/workflows`, workflowText("after"))
      assert.strictEqual(created.status, 201)
    }).pipe(Effect.scoped), 30_000)

  it.live("slow headers are cut off too", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false", WEFT_REQUEST_TIMEOUT_MS: "2000" } })
      const { result, checks } = yield* healthWhile(
        server.url,
        slowClient(server.port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: " + "a".repeat(100))
      )
      assert.isBelow(result.trickled, 20, "cut off before the headers were complete")
      assert.isAtLeast(result.trickled, 1, "not cut off before the timeout")
      assert.isAtLeast(checks, 2, "others were served meanwhile")
    }).pipe(Effect.scoped), 30_000)
})

describe("body size limit", () => {
  it.live("WEFT_MAX_BODY_BYTES=4096: exactly the limit is accepted; one byte more is 413, with or without content-length", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false", WEFT_MAX_BODY_BYTES: "4096" } })
      const url = `${server.url}/v1/workflows`

      const atLimit = yield* post(url, paddedWorkflow("at-limit", 4096))
      assert.strictEqual(atLimit.status, 201, JSON.stringify(atLimit.body))
      const atLimitChunked = yield* post(url, paddedWorkflow("at-limit-chunked", 4096), { chunked: true })
      assert.strictEqual(atLimitChunked.status, 201, JSON.stringify(atLimitChunked.body))

      for (const chunked of [false, true]) {
        const over = yield* post(url, paddedWorkflow(`over-${chunked}`, 4097), { chunked })
        assert.strictEqual(over.status, 413, `chunked: ${chunked}`)
        assert.strictEqual(over.body.code, "PAYLOAD_TOO_LARGE")
        assert.isString(over.body.message)
        const big = yield* post(url, paddedWorkflow(`big-${chunked}`, 200_000), { chunked })
        assert.strictEqual(big.status, 413, `chunked: ${chunked}`)
        assert.strictEqual(big.body.code, "PAYLOAD_TOO_LARGE")
      }
      // Nothing of the refused ones was created, and the server serves on.
      const list = yield* Effect.promise(() => Load.listAll(server.url, "/v1/workflows"))
      assert.deepStrictEqual(list.map((w) => w.metadata.name).sort(), ["at-limit", "at-limit-chunked"])
      assert.strictEqual((yield* Proc.get(`${server.url}/health`)).status, 200)
    }).pipe(Effect.scoped), 30_000)

  it.live("the default limit is 1 MiB", () =>
    Effect.gen(function*() {
      const url = `${yield* TestServer.baseUrl}/v1/workflows`
      const atLimit = yield* post(url, paddedWorkflow("at-limit", 1024 * 1024))
      assert.strictEqual(atLimit.status, 201)
      const over = yield* post(url, paddedWorkflow("over", 1024 * 1024 + 1))
      assert.strictEqual(over.status, 413)
      assert.strictEqual(over.body.code, "PAYLOAD_TOO_LARGE")
    }).pipe(Effect.provide(TestServer.make())))
})

describe("watcher cap (WEFT_MAX_WATCHERS=2)", () => {
  it.live("a third concurrent watch is 503 UNAVAILABLE; a watcher that leaves frees its place", () =>
    Effect.gen(function*() {
      const server = yield* Proc.start({ env: { WEFT_DB: ":memory:", WEFT_LOG_REQUESTS: "false", WEFT_MAX_WATCHERS: "2" } })
      const workflow = yield* Effect.promise(() => Load.expect(201, server.url, "POST", "/v1/workflows", Load.WORKFLOW))
      const execution = yield* Effect.promise(() =>
        Load.expect(201, server.url, "POST", "/v1/workflow-executions", Load.executionBody(workflow.metadata.id)))
      const watchUrl = `${server.url}/v1/workflow-executions/${execution.metadata.id}/watch`

      const controllers: Array<AbortController> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => controllers.forEach((c) => c.abort())))
      const open = Effect.promise(async () => {
        const controller = new AbortController()
        controllers.push(controller)
        const response = await fetch(watchUrl, { signal: controller.signal })
        const body: any = response.status === 200 ? undefined : await response.json()
        return { status: response.status, body, controller }
      })

      const first = yield* open
      const second = yield* open
      assert.strictEqual(first.status, 200)
      assert.strictEqual(second.status, 200)
      const third = yield* open
      assert.strictEqual(third.status, 503, JSON.stringify(third.body))
      assert.strictEqual(third.body.code, "UNAVAILABLE")
      assert.isString(third.body.message)
      // Other routes are not limited.
      assert.strictEqual((yield* Proc.get(`${server.url}/v1/workflow-executions/${execution.metadata.id}`)).status, 200)

      // The first watcher leaves; its place is free again (once the server noticed).
      first.controller.abort()
      let again = yield* open
      for (let i = 0; i < 20 && again.status !== 200; i++) {
        yield* Effect.sleep("100 millis")
        again = yield* open
      }
      assert.strictEqual(again.status, 200)
      // A watch that ends (the execution finished) frees its place too.
      yield* Effect.promise(() =>
        Load.expect(200, server.url, "PATCH", `/v1/workflow-executions/${execution.metadata.id}/status`, { phase: "EXECUTION_COMPLETED" }))
      let afterEnd = yield* open
      for (let i = 0; i < 20 && afterEnd.status !== 200; i++) {
        yield* Effect.sleep("100 millis")
        afterEnd = yield* open
      }
      assert.strictEqual(afterEnd.status, 200)
    }).pipe(Effect.scoped), 30_000)
})
