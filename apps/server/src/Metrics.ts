/**
 * `GET /metrics`: the server's Effect metrics in the Prometheus text format (0.0.4).
 *
 * | metric | type | labels | what |
 * |---|---|---|---|
 * | `weft_http_request_duration_seconds` | histogram | `method`, `route`, `status` | requests and their latency; `_count` counts requests. `route` is the route pattern (`/v1/workflows/:id`), `other` for paths outside the API (console, unknown) |
 * | `weft_executions` | gauge | `phase` | stored executions by phase, read when scraped from the counts the database keeps (`PhaseCounts`: a few rows, not a count of the table) |
 * | `weft_engine_backlog` | gauge | | executions waiting for a runner to start them (PENDING) |
 * | `weft_engine_active_runs` | gauge | | runs executing in this process (0 without the engine) |
 * | `weft_task_duration_seconds` | histogram | `kind`, `outcome` | task runs by task kind, `completed`, `failed` or `interrupted` (the engine's, `@weft/engine` `EngineMetrics`) |
 * | `weft_watchers` | gauge | | open watch streams of one execution |
 * | `weft_feed_clients` | gauge | | open streams of the feed of every change |
 * | `process_resident_memory_bytes` | gauge | | the process's resident set |
 * | `nodejs_heap_size_used_bytes`, `nodejs_heap_size_total_bytes` | gauge | | the JavaScript heap: live and garbage not yet collected, and what V8 holds for it |
 * | `nodejs_heap_size_limit_bytes` | gauge | | the heap's limit (`pnpm start` sets the old generation's to 1 GiB: README, Operations) |
 *
 * Counts that live elsewhere (the database, the engine) are read when `/metrics` is
 * scraped; the others are updated as they change. Effect keeps metrics in one registry
 * per process, so a program running several servers reads them summed.
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Engine } from "@weft/engine"
import { PhaseCounts, WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Exit, Metric, MetricBoundaries, MetricState, Option } from "effect"
import * as v8 from "node:v8"
import type { RoutesShape } from "./Routes.js"

export const requestDuration = Metric.histogram(
  "weft_http_request_duration_seconds",
  MetricBoundaries.fromIterable([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "HTTP requests by method, route pattern and status, and their duration in seconds"
)

export const executions = Metric.gauge("weft_executions", { description: "Stored executions by phase" })

export const backlog = Metric.gauge("weft_engine_backlog", {
  description: "Executions waiting for a runner to start them (PENDING)"
})

export const activeRuns = Metric.gauge("weft_engine_active_runs", {
  description: "Runs executing in this process"
})

export const watchers = Metric.gauge("weft_watchers", { description: "Open watch streams of one execution" })

export const feedClients = Metric.gauge("weft_feed_clients", { description: "Open streams of the feed of every change" })

export const residentMemory = Metric.gauge("process_resident_memory_bytes", {
  description: "Resident memory size in bytes"
})

export const heapUsed = Metric.gauge("nodejs_heap_size_used_bytes", { description: "JavaScript heap in use, in bytes" })

export const heapTotal = Metric.gauge("nodejs_heap_size_total_bytes", {
  description: "JavaScript heap held by V8, in bytes"
})

export const heapLimit = Metric.gauge("nodejs_heap_size_limit_bytes", { description: "JavaScript heap limit, in bytes" })

/** Times every request by its route pattern and final status. */
export const middleware = (routes: RoutesShape) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const start = performance.now()
      return yield* Effect.onExit(app, (exit) =>
        Effect.flatMap(routes.route(request.method, request.url), (route) => {
          const status = Exit.isSuccess(exit) ? exit.value.status : Exit.isInterrupted(exit) ? 499 : 500
          return Metric.update(
            requestDuration.pipe(
              Metric.tagged("method", request.method),
              Metric.tagged("route", route ?? "other"),
              Metric.tagged("status", String(status))
            ),
            (performance.now() - start) / 1000
          )
        }))
    })
  )

/** Reads the counts kept elsewhere into their gauges. */
const refresh = Effect.gen(function*() {
  const counts = yield* PhaseCounts.byPhase
  for (const phase of WorkflowExecution.PhaseNames) {
    yield* Metric.set(executions.pipe(Metric.tagged("phase", phase)), counts.get(phase) ?? 0)
  }
  yield* Metric.set(backlog, counts.get("EXECUTION_PENDING") ?? 0)
  const engine = yield* Effect.serviceOption(Engine.Engine)
  yield* Metric.set(activeRuns, Option.isSome(engine) ? yield* engine.value.activeRuns : 0)
  const memory = process.memoryUsage()
  yield* Metric.set(residentMemory, memory.rss)
  yield* Metric.set(heapUsed, memory.heapUsed)
  yield* Metric.set(heapTotal, memory.heapTotal)
  yield* Metric.set(heapLimit, v8.getHeapStatistics().heap_size_limit)
})


// --- the text format ----------------------------------------------------------------

type Pair = (typeof Metric.snapshot) extends Effect.Effect<Array<infer P>> ? P : never

const metricName = (name: string) => name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/^([0-9])/, "_$1")

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

const labels = (pairs: ReadonlyArray<readonly [string, string]>) =>
  pairs.length === 0 ? "" : `{${pairs.map(([k, v]) => `${metricName(k)}="${escapeLabel(v)}"`).join(",")}}`

const number = (value: number) =>
  value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : Number.isNaN(value) ? "NaN" : String(value)

/** Prometheus text (format 0.0.4) of a metrics snapshot: each metric's HELP, TYPE and samples. */
export const render = (pairs: ReadonlyArray<Pair>): string => {
  const families = new Map<string, { type: string; help: string | undefined; lines: Array<string> }>()
  const family = (name: string, type: string, help: string | undefined) => {
    let found = families.get(name)
    if (found === undefined) families.set(name, found = { type, help, lines: [] })
    return found.lines
  }
  for (const pair of pairs) {
    const name = metricName(pair.metricKey.name)
    const help = Option.getOrUndefined(pair.metricKey.description)
    const tags = pair.metricKey.tags.map((tag) => [tag.key, tag.value] as const)
    const state = pair.metricState
    if (MetricState.isCounterState(state)) {
      family(name, "counter", help).push(`${name}${labels(tags)} ${number(Number(state.count))}`)
    } else if (MetricState.isGaugeState(state)) {
      family(name, "gauge", help).push(`${name}${labels(tags)} ${number(Number(state.value))}`)
    } else if (MetricState.isHistogramState(state)) {
      const lines = family(name, "histogram", help)
      for (const [boundary, count] of state.buckets) {
        lines.push(`${name}_bucket${labels([...tags, ["le", number(boundary)]])} ${count}`)
      }
      if (!state.buckets.some(([boundary]) => boundary === Infinity)) {
        lines.push(`${name}_bucket${labels([...tags, ["le", "+Inf"]])} ${state.count}`)
      }
      lines.push(`${name}_sum${labels(tags)} ${number(state.sum)}`, `${name}_count${labels(tags)} ${state.count}`)
    }
  }
  const out: Array<string> = []
  for (const [name, { help, lines, type }] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    if (help !== undefined) out.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`)
    out.push(`# TYPE ${name} ${type}`, ...lines)
  }
  return out.join("\n") + "\n"
}

/** The body of `/metrics`. */
export const scrape: Effect.Effect<string, never, SqlClient.SqlClient> = Effect.zipRight(
  refresh,
  Effect.map(Metric.snapshot, render)
)
