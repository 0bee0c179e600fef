/**
 * Traces leave the process over OTLP/HTTP (`Tracing.ts`): a local stand-in for a
 * collector accepts `POST /v1/traces` (OTLP JSON) and the spans it receives keep their
 * parent links: request → pipeline → steps → SQL, and engine run → interpreter → tasks.
 * Also the settings: which endpoint the variables give.
 */
import { assert, describe, it } from "@effect/vitest"
import { EngineConfig } from "@weft/engine"
import { ConfigProvider, Deferred, Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import * as Tracing from "../src/Tracing.js"
import * as Load from "./support/Load.js"
import { ancestors } from "./support/Spans.js"
import * as TestServer from "./support/TestServer.js"

interface ReceivedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentId: string | undefined
  readonly service: string | undefined
}

/** A collector stand-in on a free port: keeps every span posted to `/v1/traces`. */
const collector = Effect.acquireRelease(
  Effect.async<{
    readonly url: string
    readonly spans: Array<ReceivedSpan>
    readonly paths: Array<string>
    readonly waitFor: (done: (spans: ReadonlyArray<ReceivedSpan>) => boolean) => Effect.Effect<void>
    readonly close: () => void
  }>((resume) => {
    const spans: Array<ReceivedSpan> = []
    const paths: Array<string> = []
    const waiters = new Set<() => void>()
    const server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8").on("data", (chunk) => body += chunk).on("end", () => {
        paths.push(`${request.method} ${request.url} ${request.headers["content-type"]}`)
        const payload = JSON.parse(body)
        for (const resource of payload.resourceSpans ?? []) {
          const service = resource.resource?.attributes?.find((a: any) => a.key === "service.name")?.value?.stringValue
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                name: span.name,
                traceId: span.traceId,
                spanId: span.spanId,
                parentId: span.parentSpanId === "" ? undefined : span.parentSpanId,
                service
              })
            }
          }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
        waiters.forEach((wake) => wake())
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}/v1/traces`,
        spans,
        paths,
        waitFor: (done) =>
          Effect.flatMap(Deferred.make<void>(), (arrived) => {
            const check = () => {
              if (done(spans)) Deferred.unsafeDone(arrived, Effect.void)
            }
            waiters.add(check)
            check()
            return Effect.ensuring(Deferred.await(arrived), Effect.sync(() => waiters.delete(check)))
          }),
        close: () => server.close()
      }))
    })
  }),
  (c) => Effect.sync(c.close)
)

const exporting = (url: string) =>
  Tracing.layer({ url, serviceName: "weft-test", headers: { "x-api-key": "k" }, exportInterval: "50 millis" })

describe("OTLP export", () => {
  it.live("a create over HTTP arrives as one trace: request → pipeline → steps → SQL", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      const created = yield* TestServer.request("POST", "/v1/workflows", Load.WORKFLOW).pipe(
        Effect.provide(TestServer.make().pipe(Layer.provide(exporting(otlp.url))))
      )
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      // The server's scope has closed: whatever was batched has been sent.
      const insertStatement = (spans: ReadonlyArray<ReceivedSpan>) =>
        spans.find((s) =>
          s.name === "sql.execute" && ancestors(spans, s).includes("Workflows.create/Persist") &&
          ancestors(spans, s).includes("http.server POST")
        )
      yield* otlp.waitFor((spans) => insertStatement(spans) !== undefined).pipe(Effect.timeout("30 seconds"))
      const statement = insertStatement(otlp.spans)!
      // Innermost first, in this order (other spans may sit between them).
      const chain = ancestors(otlp.spans, statement)
      const expected = ["ResourceStore.insert", "Workflows.create/Persist", "Workflows.create", "http.server POST"]
      const positions = expected.map((name) => chain.indexOf(name))
      assert.deepStrictEqual([...positions].sort((a, b) => a - b), positions, chain.join(" < "))
      assert.notInclude(positions, -1, chain.join(" < "))
      const request = otlp.spans.find((s) => s.name === "http.server POST")!
      assert.strictEqual(statement.traceId, request.traceId, "one trace")
      assert.strictEqual(request.service, "weft-test")
      assert.include(otlp.paths[0], "POST /v1/traces application/json")
    }).pipe(Effect.scoped), 60_000)

  it.live("an engine run arrives with its tasks under it", () =>
    Effect.gen(function*() {
      const otlp = yield* collector
      const server = TestServer.make({ engine: { ...EngineConfig.defaults, runner: "embedded" } }).pipe(
        Layer.provide(exporting(otlp.url))
      )
      const taskUnderRun = (spans: ReadonlyArray<ReceivedSpan>) =>
        spans.find((s) => s.name === "Interpreter.task" && ancestors(spans, s).includes("Engine.run"))
      yield* Effect.gen(function*() {
        const workflow = yield* TestServer.request("POST", "/v1/workflows", Load.WORKFLOW)
        const run = yield* TestServer.request("POST", "/v1/workflow-executions", Load.executionBody(workflow.body.metadata.id))
        assert.strictEqual(run.status, 201, JSON.stringify(run.body))
        yield* otlp.waitFor((spans) => taskUnderRun(spans) !== undefined).pipe(Effect.timeout("30 seconds"))
      }).pipe(Effect.provide(server))
      const task = taskUnderRun(otlp.spans)!
      const chain = ancestors(otlp.spans, task)
      assert.include(chain, "Interpreter.run")
      assert.isBelow(chain.indexOf("Interpreter.run"), chain.indexOf("Engine.run"), chain.join(" < "))
    }).pipe(Effect.scoped), 60_000)
})

describe("tracing settings", () => {
  const read = (env: Record<string, string>) =>
    Effect.withConfigProvider(Tracing.fromEnv, ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("the base endpoint gets /v1/traces; the traces endpoint is used as it is; none: no tracing", () =>
    Effect.gen(function*() {
      assert.isTrue(Option.isNone(yield* read({})))
      const base = yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })
      assert.strictEqual(Option.getOrThrow(base).url, "http://collector:4318/v1/traces")
      assert.strictEqual(Option.getOrThrow(base).serviceName, "weft")
      const traces = yield* read({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://other:9999/traces",
        OTEL_SERVICE_NAME: "weft-eu",
        OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%3D,tenant=t1"
      })
      assert.deepStrictEqual(Option.getOrThrow(traces).url, "http://other:9999/traces")
      assert.deepStrictEqual(Option.getOrThrow(traces).serviceName, "weft-eu")
      assert.deepStrictEqual(Option.getOrThrow(traces).headers, { "x-api-key": "abc=", tenant: "t1" })
    }))
})
