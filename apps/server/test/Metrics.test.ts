/**
 * `GET /metrics`: Prometheus text with the documented metrics, read with the right to
 * read runs. Effect keeps one registry per process, so counts are compared before and
 * after what a test does.
 */
import { assert, describe, it } from "@effect/vitest"
import { EngineConfig } from "@weft/engine"
import { Effect, Layer, Metric, MetricBoundaries } from "effect"
import * as v8 from "node:v8"
import * as Auth from "../src/Auth.js"
import * as Metrics from "../src/Metrics.js"
import * as Load from "./support/Load.js"
import * as Sse from "./support/Sse.js"
import * as TestServer from "./support/TestServer.js"

const VIEWER = { name: "grafana", role: "viewer" as const, orgs: "*" as const, token: "tok-grafana-51c2" }
const viewer = { authorization: `Bearer ${VIEWER.token}` }

const withEngine = TestServer.make({ engine: { ...EngineConfig.defaults, runner: "embedded" } }).pipe(
  Layer.provide(Auth.layerTokens({ named: [VIEWER] }))
)

/** The samples of `/metrics` as `name{labels}` → value, and the raw text. */
const scrape = Effect.gen(function*() {
  const res = yield* TestServer.peek("GET", "/metrics", viewer)
  assert.strictEqual(res.status, 200)
  assert.strictEqual(res.contentType, "text/plain; version=0.0.4; charset=utf-8")
  const base = yield* TestServer.baseUrl
  const text = yield* Effect.promise(() => fetch(`${base}/metrics`, { headers: viewer }).then((r) => r.text()))
  const samples = new Map<string, number>()
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const at = line.lastIndexOf(" ")
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return { text, samples }
})

const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0

describe("GET /metrics", () => {
  it.live("requests by route and status, executions by phase, task durations by kind, engine, watchers", () =>
    Effect.gen(function*() {
      const before = yield* scrape
      const workflow = (yield* TestServer.request("POST", "/v1/workflows", Load.WORKFLOW, viewer)).status
      assert.strictEqual(workflow, 403, "a viewer may not create")
      const base = yield* TestServer.baseUrl
      const watch = yield* Sse.open(`${base}/v1/workflow-executions/watch`, viewer)
      // The feed is counted once it has answered.
      const after = yield* scrape
      const { samples, text } = after

      const created = `weft_http_request_duration_seconds_count{method="POST",route="/v1/workflows",status="403"}`
      assert.strictEqual(value(samples, created) - value(before.samples, created), 1, text)
      assert.include(text, "# TYPE weft_http_request_duration_seconds histogram")
      assert.include(
        text,
        `weft_http_request_duration_seconds_bucket{method="POST",route="/v1/workflows",status="403",le="+Inf"}`
      )
      for (const phase of ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS", "EXECUTION_COMPLETED"]) {
        assert.isTrue(samples.has(`weft_executions{phase="${phase}"}`), phase)
      }
      assert.isTrue(samples.has("weft_engine_backlog"), text)
      assert.isTrue(samples.has("weft_engine_active_runs"), text)
      assert.strictEqual(value(samples, "weft_feed_clients"), 1, text)
      assert.isTrue(samples.has("weft_watchers"), text)
      // The process's memory, read when scraped.
      const rss = value(samples, "process_resident_memory_bytes")
      const heapTotal = value(samples, "nodejs_heap_size_total_bytes")
      const heapUsed = value(samples, "nodejs_heap_size_used_bytes")
      assert.isAbove(heapUsed, 0, text)
      assert.isAtLeast(heapTotal, heapUsed, text)
      assert.isAbove(rss, heapUsed, text)
      assert.strictEqual(value(samples, "nodejs_heap_size_limit_bytes"), v8.getHeapStatistics().heap_size_limit, text)
      yield* watch.abort
    }).pipe(Effect.scoped, Effect.provide(withEngine)), 60_000)

  it.live("a run shows in executions by phase and in task durations by kind", () =>
    Effect.gen(function*() {
      const root = { authorization: "Bearer tok-root-metrics" }
      const before = yield* scrape
      const created = yield* TestServer.request("POST", "/v1/workflows", Load.WORKFLOW, root)
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))
      const run = yield* TestServer.request("POST", "/v1/workflow-executions", Load.executionBody(created.body.metadata.id), root)
      assert.strictEqual(run.status, 201, JSON.stringify(run.body))
      const base = yield* TestServer.baseUrl
      // Follow the run to its end.
      const watch = yield* Sse.open(`${base}/v1/workflow-executions/${run.body.metadata.id}/watch`, root)
      const rest = yield* watch.rest("30 seconds")
      const last = rest.filter((f) => f._tag === "Event").pop() as Sse.Event
      assert.strictEqual(JSON.parse(last.data).status.phase, "EXECUTION_COMPLETED")
      const after = yield* scrape
      const kind = (Load.WORKFLOW.spec.tasks[0] as { kind: string }).kind
      const tasks = `weft_task_duration_seconds_count{kind="${kind}",outcome="completed"}`
      assert.isAtLeast(value(after.samples, tasks) - value(before.samples, tasks), 1, after.text)
      const completed = `weft_executions{phase="EXECUTION_COMPLETED"}`
      assert.strictEqual(value(after.samples, completed), 1, after.text)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        TestServer.make({ engine: { ...EngineConfig.defaults, runner: "embedded" } }).pipe(
          Layer.provide(Auth.layerTokens({
            named: [VIEWER, { name: "root", role: "admin", orgs: "*", token: "tok-root-metrics" }]
          }))
        )
      )
    ), 60_000)

  it.live("reading metrics needs a token that may read runs", () =>
    Effect.gen(function*() {
      const none = yield* TestServer.peek("GET", "/metrics", {})
      assert.strictEqual(none.status, 401)
      assert.strictEqual(none.body.code, "UNAUTHENTICATED")
      const wrong = yield* TestServer.peek("GET", "/metrics", { authorization: "Bearer nope" })
      assert.strictEqual(wrong.status, 401)
    }).pipe(Effect.provide(withEngine)))
})

describe("the Prometheus text", () => {
  it("HELP, TYPE, labels escaped, histogram buckets cumulative up to +Inf, _sum and _count", () => {
    const histogram = Metric.histogram("test_render_seconds", MetricBoundaries.fromIterable([0.1, 1]), "A \"test\"\nhistogram")
    const counter = Metric.counter("test_render_total")
    const tagged = histogram.pipe(Metric.tagged("path", "a\"b\\c"))
    tagged.unsafeUpdate(0.05, [])
    tagged.unsafeUpdate(0.5, [])
    tagged.unsafeUpdate(5, [])
    counter.unsafeUpdate(3, [])
    const text = Metrics.render(Metric.unsafeSnapshot().filter((p) => p.metricKey.name.startsWith("test_render")))
    assert.strictEqual(
      text,
      [
        "# HELP test_render_seconds A \"test\"\\nhistogram",
        "# TYPE test_render_seconds histogram",
        `test_render_seconds_bucket{path="a\\"b\\\\c",le="0.1"} 1`,
        `test_render_seconds_bucket{path="a\\"b\\\\c",le="1"} 2`,
        `test_render_seconds_bucket{path="a\\"b\\\\c",le="+Inf"} 3`,
        `test_render_seconds_sum{path="a\\"b\\\\c"} 5.55`,
        `test_render_seconds_count{path="a\\"b\\\\c"} 3`,
        "# TYPE test_render_total counter",
        "test_render_total 3",
        ""
      ].join("\n")
    )
  })
})
