/**
 * Soak test: runs the real server (`node --import tsx apps/server/src/main.ts`) on a
 * temporary SQLite file on 127.0.0.1 and drives mixed load against it for a bounded
 * time, while sampling the server's resident memory (VmRSS from /proc/<pid>/status) and
 * open file descriptors (entries of /proc/<pid>/fd) every 10 s. Prints one row per
 * sample and, at the end, the drift (last sample against the first after warm-up, and
 * a least-squares slope).
 *
 *   node --import tsx scripts/soak.ts --minutes 10 [--workers 8] [--watchers 50] [--interval 10]
 *
 * Load: workers loop over creates, status updates (each execution is taken from
 * PENDING through IN_PROGRESS updates to a terminal phase), gets and lists; about
 * `--watchers` watch streams are open at any time, each on a live execution, each
 * leaving after 1–5 s or when its execution ends, and replaced at once.
 *
 * Linux only (/proc). Not run in CI.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

// --- options ----------------------------------------------------------------------------

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  if (index < 0) return fallback
  const value = Number(process.argv[index + 1])
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`soak: --${name} needs a positive number\n`)
    process.exit(2)
  }
  return value
}

const minutes = argument("minutes", 10)
const workers = argument("workers", 8)
const watcherTarget = argument("watchers", 50)
const intervalSeconds = argument("interval", 10)
const durationMs = minutes * 60_000
const HOST = "127.0.0.1"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const serverDir = path.join(root, "apps/server")
const tsx = pathToFileURL(createRequire(path.join(serverDir, "package.json")).resolve("tsx")).href

// --- the server -------------------------------------------------------------------------

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const startServer = async (dir: string): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> => {
  const port = await freePort()
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("WEFT_") && value !== undefined) env[key] = value
  Object.assign(env, {
    WEFT_HOST: HOST,
    WEFT_PORT: String(port),
    WEFT_DB: path.join(dir, "weft.db"),
    WEFT_LOG_REQUESTS: "false"
  })
  const child = spawn(process.execPath, ["--import", tsx, path.join(serverDir, "src/main.ts")], {
    cwd: serverDir,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  let stderr = ""
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
  })
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ""
    const timer = setTimeout(() => reject(new Error(`server not ready within 30 s\n${stdout}\n${stderr}`)), 30_000)
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      const match = /weft listening on (http:\/\/\S+)/.exec(stdout)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1])
      }
      // Keep draining (logs), but do not keep them.
      if (stdout.length > 1_000_000) stdout = stdout.slice(-10_000)
    })
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before it was ready\n${stderr}`)))
  })
  if (!url.startsWith(`http://${HOST}:`)) throw new Error(`server listens on ${url}, not on ${HOST}`)
  return { child, url, exited }
}

// --- sampling ---------------------------------------------------------------------------

interface Sample {
  readonly at: number
  readonly rssKiB: number
  readonly fds: number
  readonly requests: number
  readonly errors: number
  readonly watchersOpen: number
  readonly watchesDone: number
  readonly executions: number
}

const rssKiB = (pid: number): number => {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  return match === null ? NaN : Number(match[1])
}

const fdCount = (pid: number): number => fs.readdirSync(`/proc/${pid}/fd`).length

// --- load -------------------------------------------------------------------------------

const stats = { requests: 0, errors: 0, watchersOpen: 0, watchesDone: 0, watchErrors: 0, executions: 0 }
const errorsByKind = new Map<string, number>()
let stopping = false

const noteError = (kind: string) => {
  stats.errors++
  errorsByKind.set(kind, (errorsByKind.get(kind) ?? 0) + 1)
}

const request = async (base: string, method: string, url: string, body?: unknown): Promise<any> => {
  stats.requests++
  try {
    const response = await fetch(base + url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await response.text()
    if (response.status >= 300) {
      noteError(`${method} ${url.split("/").slice(0, 3).join("/")} ${response.status}`)
      return undefined
    }
    return JSON.parse(text)
  } catch (error) {
    if (!stopping) noteError(`${method} ${(error as Error).message}`)
    return undefined
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Executions not finished yet, for watchers and status updates. */
const live = new Map<string, { phase: string; updates: number }>()

const pick = <A>(items: ReadonlyArray<A>): A | undefined => items[Math.floor(Math.random() * items.length)]

const worker = async (base: string, workflowId: string) => {
  let n = 0
  while (!stopping) {
    n++
    const roll = Math.random()
    if (roll < 0.25 || live.size < 20) {
      const created = await request(base, "POST", "/v1/workflow-executions", {
        metadata: { ownerScope: "organization", org: "soak" },
        spec: { workflowId, triggerMessage: `soak ${n}` }
      })
      if (created !== undefined) {
        stats.executions++
        live.set(created.metadata.id, { phase: created.status.phase, updates: 0 })
      }
    } else if (roll < 0.65) {
      const id = pick([...live.keys()])
      if (id === undefined) continue
      const state = live.get(id)!
      const phase = state.updates >= 3 + Math.floor(Math.random() * 5)
        ? pick(["EXECUTION_COMPLETED", "EXECUTION_FAILED", "EXECUTION_CANCELLED"])!
        : "EXECUTION_IN_PROGRESS"
      // Concurrent workers may race on one execution: a 409 after another finished it is expected.
      state.updates++
      const updated = await request(base, "PATCH", `/v1/workflow-executions/${id}/status`, {
        phase,
        output: { step: state.updates, at: Date.now() },
        tasks: [{ taskName: "a", status: phase === "EXECUTION_IN_PROGRESS" ? "WORKFLOW_TASK_IN_PROGRESS" : "WORKFLOW_TASK_COMPLETED" }]
      })
      if (updated !== undefined && updated.status.phase !== "EXECUTION_IN_PROGRESS") live.delete(id)
    } else if (roll < 0.85) {
      const id = pick([...live.keys()])
      if (id !== undefined) await request(base, "GET", `/v1/workflow-executions/${id}`)
    } else {
      const which = Math.random()
      await request(
        base,
        "GET",
        which < 0.5
          ? "/v1/workflow-executions?pageSize=20"
          : which < 0.8
          ? "/v1/workflow-executions?phase=EXECUTION_IN_PROGRESS&pageSize=50"
          : "/v1/workflows"
      )
    }
  }
}

/** One watcher slot: watches a live execution for 1–5 s (or to its end), then the next. */
const watcher = async (base: string) => {
  while (!stopping) {
    const id = pick([...live.keys()])
    if (id === undefined) {
      await sleep(100)
      continue
    }
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), 1_000 + Math.random() * 4_000)
    stats.watchersOpen++
    try {
      const response = await fetch(`${base}/v1/workflow-executions/${id}/watch`, { signal: controller.signal })
      if (response.status !== 200) {
        noteError(`watch ${response.status}`)
        await response.text()
      } else {
        const reader = response.body!.getReader()
        while (!(await reader.read()).done) {
          // Frames are not checked here: the tests do that.
        }
      }
    } catch (error) {
      if (!controller.signal.aborted && !stopping) {
        stats.watchErrors++
        noteError(`watch ${(error as Error).message}`)
      }
    } finally {
      clearTimeout(timer)
      stats.watchersOpen--
      stats.watchesDone++
    }
  }
}

// --- report -----------------------------------------------------------------------------

const mib = (kib: number) => (kib / 1024).toFixed(1)

const slope = (samples: ReadonlyArray<Sample>, value: (s: Sample) => number): number => {
  const n = samples.length
  if (n < 2) return 0
  const xs = samples.map((s) => s.at / 60_000)
  const ys = samples.map(value)
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

const row = (cells: ReadonlyArray<string | number>) => cells.map((c, i) => String(c).padStart(i === 0 ? 7 : 11)).join(" ")

const main = async () => {
  if (process.platform !== "linux") throw new Error("soak samples /proc: Linux only")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-soak-"))
  const server = await startServer(dir)
  const pid = server.child.pid!
  process.stdout.write(
    `soak: server pid ${pid} at ${server.url}, ${minutes} min, ${workers} workers, ~${watcherTarget} watchers, sample every ${intervalSeconds} s\n`
  )
  const cleanup = () => {
    try {
      server.child.kill("SIGKILL")
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true })
  }
  process.once("SIGINT", () => {
    cleanup()
    process.exit(130)
  })

  const workflow = await request(server.url, "POST", "/v1/workflows", {
    metadata: { name: "soak", ownerScope: "organization", org: "soak" },
    spec: {
      document: { dsl: "1.0.0", namespace: "soak", name: "soak", version: "1.0.0" },
      tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
    }
  })
  if (workflow === undefined) throw new Error(`cannot create the workflow: ${JSON.stringify([...errorsByKind])}`)

  const started = Date.now()
  const samples: Array<Sample> = []
  let previous = { requests: 0 }
  const sample = () => {
    const s: Sample = {
      at: Date.now() - started,
      rssKiB: rssKiB(pid),
      fds: fdCount(pid),
      requests: stats.requests,
      errors: stats.errors,
      watchersOpen: stats.watchersOpen,
      watchesDone: stats.watchesDone,
      executions: stats.executions
    }
    samples.push(s)
    const rate = ((s.requests - previous.requests) / intervalSeconds).toFixed(0)
    previous = s
    process.stdout.write(
      row([`${(s.at / 1000).toFixed(0)}s`, mib(s.rssKiB), s.fds, rate, s.errors, s.watchersOpen, s.watchesDone, s.executions]) + "\n"
    )
  }
  process.stdout.write(row(["time", "RSS MiB", "open fds", "req/s", "errors", "watching", "watches", "executions"]) + "\n")
  sample()

  const load = [
    ...Array.from({ length: workers }, () => worker(server.url, workflow.metadata.id)),
    ...Array.from({ length: watcherTarget }, () => watcher(server.url))
  ]
  const sampler = setInterval(sample, intervalSeconds * 1_000)
  await sleep(durationMs)
  clearInterval(sampler)
  sample()
  stopping = true
  await Promise.race([Promise.all(load), sleep(10_000)])

  // Drift: against the first sample after warm-up (the second one), when there is one.
  const base = samples.length > 2 ? samples[1] : samples[0]
  const last = samples[samples.length - 1]
  const steady = samples.slice(samples.indexOf(base))
  process.stdout.write(
    `\ndrift (${((last.at - base.at) / 60_000).toFixed(1)} min from ${(base.at / 1000).toFixed(0)}s):\n` +
      `  RSS       ${mib(base.rssKiB)} → ${mib(last.rssKiB)} MiB (${last.rssKiB >= base.rssKiB ? "+" : ""}${
        mib(last.rssKiB - base.rssKiB)
      } MiB), slope ${(slope(steady, (s) => s.rssKiB) / 1024).toFixed(2)} MiB/min, peak ${
        mib(Math.max(...samples.map((s) => s.rssKiB)))
      } MiB\n` +
      `  open fds  ${base.fds} → ${last.fds} (${last.fds - base.fds >= 0 ? "+" : ""}${last.fds - base.fds}), slope ${
        slope(steady, (s) => s.fds).toFixed(2)
      }/min, peak ${Math.max(...samples.map((s) => s.fds))}\n` +
      `  requests  ${last.requests} (${(last.requests / (last.at / 1000)).toFixed(0)}/s), errors ${last.errors}, ` +
      `watches ${last.watchesDone} (${stats.watchErrors} broken), executions ${last.executions}\n`
  )
  if (errorsByKind.size > 0) {
    process.stdout.write(`  errors by kind: ${JSON.stringify(Object.fromEntries(errorsByKind))}\n`)
  }

  // The server stops cleanly, and its descriptors after the watchers left are back near the start.
  await sleep(1_000)
  const idleFds = fdCount(pid)
  process.stdout.write(`  open fds once idle: ${idleFds} (first sample ${samples[0].fds})\n`)
  server.child.kill("SIGTERM")
  const code = await Promise.race([server.exited, sleep(20_000).then(() => "timeout" as const)])
  process.stdout.write(`  server exit after SIGTERM: ${code}\n`)
  cleanup()
  process.exit(code === 0 ? 0 : 1)
}

main().catch((error) => {
  process.stderr.write(`soak: ${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
