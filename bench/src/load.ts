/**
 * One load run with autocannon's programmatic API. Latencies are taken from autocannon's
 * `response` events at full (sub-millisecond) precision, for 2xx answers only; req/s is
 * 2xx answers per second of the run. Non-2xx answers and connection errors are counted
 * and reported, never folded into the numbers.
 */
import autocannon from "autocannon"

export interface LoadOptions {
  readonly url: string
  readonly connections: number
  readonly durationS: number
  readonly method?: "GET" | "POST" | "PATCH"
  readonly path?: string
  readonly body?: string
  readonly headers?: Record<string, string>
  /** Dynamic requests (e.g. rotating ids through `setupRequest`). */
  readonly requests?: Array<autocannon.Request>
}

export interface LoadResult {
  readonly connections: number
  readonly durationS: number
  /** 2xx answers per second. */
  readonly rps: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  readonly statusCodes: Record<string, number>
  /** Milliseconds, 2xx only. */
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

const percentile = (sorted: Float64Array, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

export const runLoad = (options: LoadOptions): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16)
    let count = 0
    const statusCodes: Record<string, number> = {}
    let settled = false

    const instance = autocannon(
      {
        url: `${options.url}${options.path ?? "/"}`,
        connections: options.connections,
        duration: options.durationS,
        method: options.method ?? "GET",
        body: options.body,
        headers: options.headers,
        requests: options.requests,
        timeout: 30,
        // keep autocannon quiet: the harness prints its own table
        renderProgressBar: false,
        renderResultsTable: false,
        renderLatencyTable: false
      } as autocannon.Options,
      (error: unknown, result: autocannon.Result) => {
        clearTimeout(watchdog)
        if (settled) return
        settled = true
        if (error) return reject(error instanceof Error ? error : new Error(String(error)))
        const sorted = latencies.subarray(0, count).sort()
        const ok = count
        const durationS = result.duration > 0 ? result.duration : options.durationS
        resolve({
          connections: options.connections,
          durationS,
          rps: ok / durationS,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          p50: percentile(sorted, 50),
          p90: percentile(sorted, 90),
          p99: percentile(sorted, 99),
          max: count === 0 ? Number.NaN : sorted[count - 1]
        })
      }
    )

    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
      if (statusCode < 200 || statusCode >= 300) return
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2)
        bigger.set(latencies)
        latencies = bigger
      }
      latencies[count++] = responseTime
    })

    // autocannon stops on its own after `duration`; this only guards against a hang.
    const watchdog = setTimeout(() => instance.stop(), (options.durationS + 60) * 1000)
  })

/** A `requests` array whose single request takes the next id of `ids` each time. */
export const rotatingRequests = (
  ids: ReadonlyArray<string>,
  build: (id: string) => { readonly method: "GET" | "PATCH" | "POST"; readonly path: string; readonly body?: string },
  headers: Record<string, string> = {}
): Array<autocannon.Request> => {
  let next = 0
  return [
    {
      setupRequest: (request) => {
        const id = ids[next]
        next = next + 1 === ids.length ? 0 : next + 1
        const built = build(id)
        return { ...request, method: built.method, path: built.path, body: built.body, headers: { ...request.headers, ...headers } }
      }
    }
  ]
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Several runs of the same measurement as one: the median of each figure (req/s, p50,
 * p99, …) taken separately; counts of non-2xx answers and errors are summed.
 */
export const combine = (runs: ReadonlyArray<LoadResult>): LoadResult => {
  if (runs.length === 1) return runs[0]
  const statusCodes: Record<string, number> = {}
  for (const run of runs) for (const [code, n] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n
  const sum = (f: (r: LoadResult) => number) => runs.reduce((acc, r) => acc + f(r), 0)
  return {
    connections: runs[0].connections,
    durationS: sum((r) => r.durationS),
    rps: median(runs.map((r) => r.rps)),
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    statusCodes,
    p50: median(runs.map((r) => r.p50)),
    p90: median(runs.map((r) => r.p90)),
    p99: median(runs.map((r) => r.p99)),
    max: Math.max(...runs.map((r) => r.max))
  }
}
