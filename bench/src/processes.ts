/**
 * Child servers (weft and the baseline) as separate processes on 127.0.0.1, temporary
 * directories, and the cleanup that stops the one and removes the other however the
 * harness ends (normal exit, error, Ctrl-C).
 */
import { execFileSync } from "node:child_process"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

/** The repository root (bench/src/ → ../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/** A failure the harness explains to the user; printed without a stack trace. */
export class BenchError extends Error {}

const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()

export const makeTempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

const removeTempDir = (dir: string): void => {
  fs.rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

/** Leaves `dir` in place at exit. */
const keepTempDir = (dir: string): void => {
  tempDirs.delete(dir)
}

/** At the end of a run: removes `dir`, or with `--keep` leaves it and prints where it is. */
export const releaseTempDir = (dir: string, keep: boolean | undefined): void => {
  if (keep === true) {
    keepTempDir(dir)
    process.stderr.write(`kept ${dir}\n`)
  } else {
    removeTempDir(dir)
  }
}

/** Last-resort cleanup, synchronous: kill what is left, remove temp dirs. */
const cleanupSync = () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  children.clear()
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

let installed = false
/** Installs exit/signal handlers once. */
export const installCleanup = (): void => {
  if (installed) return
  installed = true
  process.on("exit", cleanupSync)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping servers and removing temporary files\n`)
      cleanupSync()
      process.exit(130)
    })
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; a tiny race is accepted). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface ServerProcess {
  readonly name: string
  readonly pid: number
  readonly url: string
  /** Peak resident set (VmHWM) in KiB, from /proc; undefined where /proc is missing. */
  readonly peakRssKiB: () => number | undefined
  readonly currentRssKiB: () => number | undefined
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  readonly stop: (graceMs?: number) => Promise<void>
  /** The last lines the process wrote (stdout and stderr). */
  readonly stderrTail: () => string
  /** Whether the process has ended (crashed, or stopped). */
  readonly exited: () => boolean
  /** How it ended, with its last output, for error messages. */
  readonly exitReport: () => string
}

const procStatus = (pid: number, field: string): number | undefined => {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, "utf8")
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(text)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

/**
 * Spawns `node <args>` in the repo root and waits for a stdout line matching
 * `listening on (http://…)`. Fails with the tail of stderr if the process exits first or
 * does not get ready within `readyTimeoutMs`.
 */
export const startServer = (options: {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string>
  readonly readyTimeoutMs?: number
}): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...options.args], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let stdout = ""
    let stderr = ""
    /** Both streams in arrival order (weft logs JSON lines to stdout). */
    let output = ""
    let ready = false
    let stopping = false
    const keepTail = (s: string) => (s.length > 16_384 ? s.slice(-16_384) : s)
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.once("exit", () => children.delete(child))

    const fail = (message: string) => {
      if (ready) return
      ready = true
      clearTimeout(timer)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      const tail = `${stdout}\n${stderr}`.trim().split("\n").slice(-25).join("\n")
      reject(new BenchError(`${options.name}: ${message}${tail ? `\n--- last output ---\n${tail}` : ""}`))
    }
    const timer = setTimeout(
      () => fail(`not ready after ${(options.readyTimeoutMs ?? 60_000) / 1000} s (no "listening on" line)`),
      options.readyTimeoutMs ?? 60_000
    )

    child.stdout!.setEncoding("utf8")
    child.stderr!.setEncoding("utf8")
    child.stderr!.on("data", (chunk: string) => {
      stderr = keepTail(stderr + chunk)
      output = keepTail(output + chunk)
    })
    child.stdout!.on("data", (chunk: string) => {
      stdout = keepTail(stdout + chunk)
      output = keepTail(output + chunk)
      if (ready) return
      const match = /listening on (http:\/\/[^\s]+)/.exec(stdout)
      if (match === null) return
      ready = true
      clearTimeout(timer)
      const url = match[1].replace(/\/$/, "")
      const pid = child.pid!
      resolve({
        name: options.name,
        pid,
        url,
        peakRssKiB: () => procStatus(pid, "VmHWM"),
        currentRssKiB: () => procStatus(pid, "VmRSS"),
        stderrTail: () => output.split("\n").slice(-25).join("\n"),
        exited: () => child.exitCode !== null || child.signalCode !== null,
        exitReport: () => {
          const how = child.signalCode !== null
            ? `was killed by ${child.signalCode}${stopping ? "" : " (not sent by the harness)"}`
            : child.exitCode !== null ? `exited with code ${child.exitCode}` : "is still running"
          const tail = output.split("\n").slice(-25).join("\n").trim()
          return `${options.name} (pid ${pid}) ${how}${tail ? `; last output:\n${tail}` : "; no output"}`
        },
        stop: async (graceMs = 10_000) => {
          if (child.exitCode !== null || child.signalCode !== null) return
          stopping = true
          child.kill("SIGTERM")
          const killer = setTimeout(() => child.kill("SIGKILL"), graceMs)
          await exited
          clearTimeout(killer)
        }
      })
    })
    child.once("error", (error) => fail(`could not start: ${error.message}`))
    child.once("exit", (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`))
  })

/** Builds the server bundle `pnpm start` runs (once per harness run). */
let built = false
export const buildWeft = () => {
  if (built) return
  execFileSync(process.execPath, ["apps/server/build.mjs"], { cwd: repoRoot, stdio: "inherit" })
  built = true
}

/** The heap setting `pnpm start` gives node (the root package.json's `start`). */
export const startHeapOptions = ["--max-old-space-size=1024"]

/**
 * weft, as `pnpm start` runs it (the bundle, the same heap setting), on `dbFile`. The engine is off unless
 * `env` turns it on (`WEFT_RUNNER: "embedded"`): the API benchmarks measure the control
 * plane, with the load generator as the runner.
 */
export const startWeft = async (dbFile: string, env: Record<string, string> = {}): Promise<ServerProcess> =>
  startServer({
    name: "weft",
    args: (buildWeft(), [...startHeapOptions, "apps/server/dist/main.mjs"]),
    env: {
      WEFT_DB: dbFile,
      WEFT_HOST: "127.0.0.1",
      WEFT_PORT: String(await freePort()),
      WEFT_LOG_REQUESTS: "false",
      WEFT_RUNNER: "none",
      ...env
    }
  })

/**
 * Bundles the floor server (bench/src/floor.ts) into bench/dist/floor.mjs with the esbuild
 * options weft's bundle uses, so that both run as plain node on one file (once per run).
 */
let floorBuilt = false
const buildFloor = async (): Promise<string> => {
  const outfile = path.join(repoRoot, "bench", "dist", "floor.mjs")
  if (floorBuilt) return outfile
  const esbuild: { readonly build: (options: Record<string, unknown>) => Promise<unknown> } = createRequire(path.join(repoRoot, "apps", "server", "package.json"))("esbuild")
  await esbuild.build({
    entryPoints: [path.join(repoRoot, "bench", "src", "floor.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["better-sqlite3"],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: "warning"
  })
  floorBuilt = true
  return outfile
}

/** The floor server (bench/src/floor.ts, bundled) on `dbFile`. */
export const startFloor = async (dbFile: string): Promise<ServerProcess> =>
  startServer({
    name: "floor",
    args: [await buildFloor(), "--db", dbFile, "--port", String(await freePort()), "--host", "127.0.0.1"],
    env: {}
  })

/** The baseline server (bench/src/baseline.ts) on `dbFile`. */
export const startBaseline = async (dbFile: string): Promise<ServerProcess> =>
  startServer({
    name: "baseline",
    args: ["--import", "tsx", "bench/src/baseline.ts", "--db", dbFile, "--port", String(await freePort()), "--host", "127.0.0.1"],
    env: {}
  })

export const formatKiB = (kib: number | undefined): string =>
  kib === undefined ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`

/** Runs the harness's main; explains expected failures (BenchError, bad flags) without a stack. */
export const runMain = (name: string, main: () => Promise<void>): void => {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const code = (error as { code?: unknown } | undefined)?.code
      const expected = error instanceof BenchError ||
        (error instanceof Error && (error.message.startsWith("--") || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))))
      if (expected) process.stderr.write(`\n${name}: ${(error as Error).message}\n`)
      else process.stderr.write(`\n${name}: unexpected failure\n${error instanceof Error ? error.stack : String(error)}\n`)
      process.exit(1)
    }
  )
}
