/**
 * Watch fan-out latency: how long after a status update is committed the LAST of many
 * SSE watchers has it.
 *
 *   node --import tsx bench/src/watch.ts [--watchers 1000] [--updates 100] [--limit 300]
 *
 * Starts weft as `pnpm start` runs it (on a temporary SQLite file, an ephemeral port on
 * 127.0.0.1, request logs off), creates a workflow and one execution, opens N watchers on
 * `GET /v1/workflow-executions/{id}/watch`, then applies the updates one after another
 * (each PATCH sent when the previous answer arrived; its `output.seq` numbers it). The
 * commit time of an update is when its PATCH answer arrives; its delay is from then to
 * when the last watcher has received its event (it can be negative: the server sends the
 * event before the answer). A final update to EXECUTION_COMPLETED ends every stream.
 * Checks that every watcher saw every version once, in order. Self-contained (but for the
 * SSE frame reader it shares with the feed benchmark) and bounded: it gives up after `--limit` seconds, and stops the server
 * and removes its files however it ends.
 *
 * The watchers and the PATCH client run in this one process; on a small machine their
 * work is part of the figures.
 */
import { execFileSync } from "node:child_process"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { startHeapOptions } from "./processes.js"
import { onFrames } from "./sse.js"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const HOST = "127.0.0.1"

const options = (() => {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2).filter((arg) => arg !== "--"),
      options: {
        watchers: { type: "string", default: "1000" },
        updates: { type: "string", default: "100" },
        limit: { type: "string", default: "300" }
      }
    })
    const positive = (flag: "watchers" | "updates" | "limit") => {
      const n = Number(values[flag])
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag}: "${values[flag]}" must be a positive integer`)
      return n
    }
    return { watchers: positive("watchers"), updates: positive("updates"), limit: positive("limit") }
  } catch (error) {
    process.stderr.write(`watch bench: ${(error as Error).message}\nusage: watch.ts [--watchers 1000] [--updates 100] [--limit 300]\n`)
    process.exit(2)
  }
})()
const WATCHERS = options.watchers
const UPDATES = options.updates
const LIMIT_S = options.limit

// ---------------------------------------------------------------------------------------
// The server process and cleanup

let child: ChildProcess | undefined
let tempDir: string | undefined

const cleanupSync = () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true })
  tempDir = undefined
}
process.on("exit", cleanupSync)
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping weft\n`)
    process.exit(130)
  })
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on("error", reject)
    server.listen(0, HOST, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** Spawns weft and waits for its `weft listening on http://…` line. */
const startWeft = async (dbFile: string): Promise<string> => {
  const port = await freePort()
  execFileSync(process.execPath, ["apps/server/build.mjs"], { cwd: repoRoot, stdio: "inherit" })
  const proc = spawn(process.execPath, [...startHeapOptions, "apps/server/dist/main.mjs"], {
    cwd: repoRoot,
    env: { ...process.env, WEFT_DB: dbFile, WEFT_HOST: HOST, WEFT_PORT: String(port), WEFT_LOG_REQUESTS: "false", WEFT_RUNNER: "none" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  child = proc
  let output = ""
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail("not ready after 60 s"), 60_000)
    const fail = (why: string) => {
      clearTimeout(timer)
      proc.kill("SIGKILL")
      reject(new Error(`weft: ${why}\n${output.split("\n").slice(-20).join("\n")}`))
    }
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-16_384)
      const match = /weft listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        proc.off("exit", onExit)
        resolve(match[1])
      }
    }
    const onExit = (code: number | null, signal: string | null) => fail(`exited before it was ready (code ${code}, signal ${signal})`)
    proc.stdout!.on("data", onData)
    proc.stderr!.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-16_384)
    })
    proc.once("exit", onExit)
  })
}

/** CPU time (user + system) weft has used so far, in ms; undefined where /proc is missing. */
const serverCpuMs = (): number | undefined => {
  try {
    const fields = fs.readFileSync(`/proc/${child!.pid}/stat`, "utf8").split(") ")[1].split(" ")
    return (Number(fields[11]) + Number(fields[12])) * 10 // clock ticks, 100 per second on Linux
  } catch {
    return undefined
  }
}

/** SIGTERM (weft drains and exits), SIGKILL after 10 s. */
const stopWeft = async (): Promise<void> => {
  const proc = child
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((done) => proc.once("exit", () => done()))
  proc.kill("SIGTERM")
  const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000)
  await exited
  clearTimeout(killer)
}

// ---------------------------------------------------------------------------------------
// HTTP

/** One agent for everything: no socket limit (the default is unlimited, said here on purpose). */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 16 })

let baseUrl = ""

const call = (method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: any }> =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(`${baseUrl}${urlPath}`, {
      method,
      agent,
      headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      timeout: 30_000
    }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => (text += chunk))
      res.on("end", () => {
        let json: any
        try {
          json = text === "" ? undefined : JSON.parse(text)
        } catch {
          json = text
        }
        resolve({ status: res.statusCode ?? 0, json })
      })
      res.on("error", reject)
    })
    req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer within 30 s`)))
    req.on("error", reject)
    req.end(payload)
  })

const expect = async (method: string, urlPath: string, body: unknown, status: number) => {
  const answer = await call(method, urlPath, body)
  if (answer.status !== status) {
    throw new Error(`${method} ${urlPath}: ${answer.status}, expected ${status}: ${JSON.stringify(answer.json)}`)
  }
  return answer.json
}

// ---------------------------------------------------------------------------------------
// Watchers

/** When the n-th watcher got each version (ms, performance.now()), and how many got it. */
const receivedCount = new Map<number, number>()
const lastReceivedAt = new Map<number, number>()

interface Watcher {
  readonly ready: Promise<void>
  readonly ended: Promise<void>
  /** Versions in the order received; problems found. */
  readonly versions: Array<number>
  readonly problems: Array<string>
  readonly close: () => void
}

/**
 * One SSE watcher on node:http. Frames are split on blank lines; the `id:` (the version)
 * is all that is needed per event, so watchers do not parse JSON, except the first one,
 * which checks that every event's `output.seq` is the update it stands for.
 */
const openWatcher = (id: string, checkData: boolean, seqOfVersion: Map<number, number>): Watcher => {
  const versions: Array<number> = []
  const problems: Array<string> = []
  let resolveReady!: () => void
  let rejectReady!: (error: Error) => void
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  let resolveEnded!: () => void
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve))
  const dataChecks: Array<{ version: number; data: string }> = []

  const req = http.get(`${baseUrl}/v1/workflow-executions/${id}/watch`, { agent, headers: { accept: "text/event-stream" } }, (res) => {
    if (res.statusCode !== 200) {
      rejectReady(new Error(`watch: ${res.statusCode}`))
      res.resume()
      return
    }
    onFrames(res, (frame, now) => {
      if (frame.startsWith(":")) return // keep-alive
      let version = NaN
      let data = ""
      for (const line of frame.split("\n")) {
        if (line.startsWith("id:")) version = Number(line.slice(3).trim())
        else if (checkData && line.startsWith("data:")) data = line.slice(5).trimStart()
      }
      if (Number.isNaN(version)) return void problems.push(`frame without id: ${frame.slice(0, 80)}`)
      const previous = versions.at(-1)
      if (previous !== undefined && version !== previous + 1) problems.push(`version ${version} after ${previous}`)
      versions.push(version)
      receivedCount.set(version, (receivedCount.get(version) ?? 0) + 1)
      lastReceivedAt.set(version, now)
      if (checkData) dataChecks.push({ version, data })
      if (versions.length === 1) resolveReady()
    })
    res.on("end", () => {
      for (const { data, version } of dataChecks) {
        const seq = seqOfVersion.get(version)
        if (seq === undefined) continue
        const got = JSON.parse(data)?.status?.output?.seq
        if (got !== seq) problems.push(`version ${version}: output.seq ${got}, expected ${seq}`)
      }
      resolveEnded()
    })
    res.on("error", () => resolveEnded())
  })
  req.on("error", (error) => {
    rejectReady(error)
    resolveEnded()
  })
  return { ready, ended, versions, problems, close: () => req.destroy() }
}

// ---------------------------------------------------------------------------------------

const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]

const fmt = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`

const within = <A>(promise: Promise<A>, seconds: number, what: string): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not done within ${seconds} s`)), seconds * 1000)
    })
  ]).finally(() => clearTimeout(timer))
}

const main = async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-watch-bench-"))
  const began = performance.now()
  process.stdout.write(`watch fan-out: ${WATCHERS} watchers, ${UPDATES} updates\n`)
  baseUrl = await startWeft(path.join(tempDir, "weft.db"))
  process.stdout.write(`weft at ${baseUrl}\n`)

  const workflow = await expect("POST", "/v1/workflows", {
    metadata: { name: "watch-bench", ownerScope: "organization", org: "bench" },
    spec: {
      document: { dsl: "1.0.0", namespace: "bench", name: "watch-bench", version: "1.0.0" },
      tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
    }
  }, 201)
  const execution = await expect("POST", "/v1/workflow-executions", {
    metadata: { ownerScope: "organization", org: "bench" },
    spec: { workflowId: workflow.metadata.id }
  }, 201)
  const id: string = execution.metadata.id
  const firstVersion: number = execution.metadata.version

  // Open the watchers, 100 at a time; each is ready once its snapshot arrived.
  const seqOfVersion = new Map<number, number>()
  const watchers: Array<Watcher> = []
  const opening = performance.now()
  for (let i = 0; i < WATCHERS; i += 100) {
    const batch = Array.from({ length: Math.min(100, WATCHERS - i) }, (_, j) => openWatcher(id, i + j === 0, seqOfVersion))
    watchers.push(...batch)
    await within(Promise.all(batch.map((w) => w.ready)), 60, `opening watchers ${i}…${i + batch.length - 1}`)
  }
  process.stdout.write(`${WATCHERS} watchers open in ${((performance.now() - opening) / 1000).toFixed(1)} s\n`)

  // The updates, one after another.
  const committedAt = new Map<number, number>()
  const statusPath = `/v1/workflow-executions/${id}/status`
  const cpuBefore = serverCpuMs()
  const patching = performance.now()
  for (let seq = 1; seq <= UPDATES; seq++) {
    const answer = await call("PATCH", statusPath, { phase: "EXECUTION_IN_PROGRESS", output: { seq } })
    const at = performance.now()
    if (answer.status !== 200) throw new Error(`PATCH #${seq}: ${answer.status} ${JSON.stringify(answer.json)}`)
    const version: number = answer.json.metadata.version
    seqOfVersion.set(version, seq)
    committedAt.set(version, at)
  }
  const patchSeconds = (performance.now() - patching) / 1000
  const cpuAfter = serverCpuMs()
  const cpuPerUpdate = cpuBefore === undefined || cpuAfter === undefined ? "n/a" : `${((cpuAfter - cpuBefore) / UPDATES).toFixed(0)} ms`

  // Every watcher has every update.
  const lastVersion = firstVersion + UPDATES
  const allReceived = new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if ((receivedCount.get(lastVersion) ?? 0) >= WATCHERS) {
        clearInterval(poll)
        resolve()
      }
    }, 5)
  })
  await within(allReceived, 60, "delivery of the last update to every watcher")

  // End the streams with a terminal phase; they must all end.
  await expect("PATCH", statusPath, { phase: "EXECUTION_COMPLETED" }, 200)
  await within(Promise.all(watchers.map((w) => w.ended)), 60, "streams ending after EXECUTION_COMPLETED")

  const delays: Array<number> = []
  for (const [version, at] of committedAt) {
    const count = receivedCount.get(version) ?? 0
    if (count !== WATCHERS) throw new Error(`version ${version}: ${count} of ${WATCHERS} watchers got it`)
    delays.push(lastReceivedAt.get(version)! - at)
  }
  const expected = Array.from({ length: UPDATES + 2 }, (_, i) => firstVersion + i)
  const bad = watchers.filter((w) => w.problems.length > 0 || w.versions.join() !== expected.join())
  if (bad.length > 0) {
    const sample = bad[0]
    throw new Error(`${bad.length} watchers saw something else than versions ${firstVersion}…${lastVersion + 1} once each, ` +
      `e.g. ${sample.problems.slice(0, 3).join("; ") || sample.versions.join(",")}`)
  }

  const sorted = [...delays].sort((a, b) => a - b)
  process.stdout.write(
    `${UPDATES} updates in ${patchSeconds.toFixed(1)} s (${(UPDATES / patchSeconds).toFixed(1)}/s), weft CPU ${cpuPerUpdate} per update; ` +
      `every watcher saw every version once, in order\n` +
      `delay from commit (PATCH answer) to the last of ${WATCHERS} watchers:\n` +
      `  p50 ${fmt(percentile(sorted, 50))}   p99 ${fmt(percentile(sorted, 99))}   max ${fmt(sorted.at(-1)!)}` +
      `   (min ${fmt(sorted[0])})\n` +
      `node ${process.version}, ${os.cpus().length} CPUs, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ` +
      `total ${((performance.now() - began) / 1000).toFixed(1)} s\n`
  )
}

const overall = setTimeout(() => {
  process.stderr.write(`\nwatch bench: gave up after ${LIMIT_S} s\n`)
  process.exit(1)
}, LIMIT_S * 1000)

main().then(
  async () => {
    await stopWeft()
    clearTimeout(overall)
    agent.destroy()
    cleanupSync()
    process.exit(0)
  },
  async (error: unknown) => {
    process.stderr.write(`\nwatch bench: ${error instanceof Error ? error.message : String(error)}\n`)
    await stopWeft()
    process.exit(1)
  }
)
