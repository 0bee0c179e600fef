/**
 * A real weft server as a child process, for tests of what only a process shows (the
 * ready line, environment configuration, JSON logs on stdout, exit codes, signals) and
 * for clients that talk to a server over the network (the typed client, the CLI, the
 * console in a browser).
 *
 * It runs from source (`node --import tsx apps/server/src/main.ts`), the bundle `pnpm
 * start` builds (`apps/server/dist/main.mjs`), or any command (`pnpm start` itself).
 * Every process is started in its own process group and killed (the whole group, with
 * SIGKILL) when the test's scope closes, unless it already exited. The child sees none
 * of the parent's `WEFT_*` variables, only those the test gives.
 */
import { Context, Deferred, Duration, Effect, Layer, Scope } from "effect"
import { type ChildProcess, spawn as spawnChild } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** The repository root (where `pnpm start` runs). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** `apps/server`. */
export const serverDir = path.join(repoRoot, "apps/server")

/** Absolute path of the server's entry point. */
export const mainPath = path.join(serverDir, "src/main.ts")

/** The bundle `pnpm start` builds and runs (`node apps/server/build.mjs` makes it). */
export const bundlePath = path.join(serverDir, "dist/main.mjs")

/** The tsx loader as a file URL, so `--import` works from any working directory. */
export const tsxLoader = pathToFileURL(createRequire(path.join(serverDir, "package.json")).resolve("tsx")).href

/** The ready line `main.ts` prints. */
export const readyLine = /^weft listening on (http:\/\/\S+)$/

export interface Exited {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** Complete stdout lines so far. */
  readonly lines: () => ReadonlyArray<string>
  readonly stdout: () => string
  readonly stderr: () => string
  /** stdout and stderr as they arrived, interleaved. */
  readonly output: () => string
  /** The first stdout line matching `predicate` (waits up to `timeout`). */
  readonly waitForLine: (predicate: (line: string) => boolean, timeout?: Duration.DurationInput) => Effect.Effect<string, Error>
  /** Completes when the process exits. */
  readonly exited: Effect.Effect<Exited>
  /** `exited`, failing when the process outlives `timeout`. */
  readonly waitExit: (timeout?: Duration.DurationInput) => Effect.Effect<Exited, Error>
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** A port nothing listens on right now. */
export const freePort = Effect.async<number, Error>((resume) => {
  const server = net.createServer()
  server.once("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A fresh temporary directory, removed when the scope closes. */
export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-process-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/**
 * The parent's environment without any `WEFT_*` variable, plus `env` (undefined deletes).
 * The engine is off (`WEFT_RUNNER=none`) unless `env` turns it on: these tests play the
 * runner themselves.
 */
const environment = (env: Record<string, string | undefined>) => {
  const out: Record<string, string> = { WEFT_RUNNER: "none" }
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("WEFT_") && value !== undefined) out[key] = value
  }
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete out[key]
    else out[key] = value
  }
  return out
}

/** Starts `command args` (any process: a server, the CLI) in its own process group; killed with its group when the scope closes. */
export const spawn = (options: {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string
  readonly env?: Record<string, string | undefined>
  /** Written to the process's stdin, which is then closed (default: no stdin). */
  readonly stdin?: string
}): Effect.Effect<ServerProcess, never, Scope.Scope> =>
  Effect.gen(function*() {
    const exit = yield* Deferred.make<Exited>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawnChild(options.command, [...options.args], {
          cwd: options.cwd,
          env: environment(options.env ?? {}),
          stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
          detached: true
        })
      ),
      (child) =>
        Effect.gen(function*() {
          if (yield* Deferred.isDone(exit)) return
          // The group: with `pnpm start` the server is a grandchild.
          yield* Effect.sync(() => {
            try {
              process.kill(-child.pid!, "SIGKILL")
            } catch {
              child.kill("SIGKILL")
            }
          })
          yield* Deferred.await(exit).pipe(Effect.timeout("2 seconds"), Effect.ignore)
        })
    )
    if (options.stdin !== undefined) child.stdin!.end(options.stdin)
    let stdout = ""
    let stderr = ""
    let output = ""
    const waiters = new Set<() => void>()
    const notify = () => waiters.forEach((f) => f())
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      output += chunk
      notify()
    })
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
      output += chunk
      notify()
    })
    let closed: Exited | undefined = undefined
    // "close", not "exit": every stdout chunk has arrived by then, and with `pnpm start`
    // the pipes close only once the server (a grandchild) is gone too.
    child.on("close", (code, signal) => {
      closed = { code, signal }
      Deferred.unsafeDone(exit, Effect.succeed(closed))
      notify()
    })
    child.on("error", (error) => {
      stderr += `spawn error: ${error.message}\n`
      closed = { code: -1, signal: null }
      Deferred.unsafeDone(exit, Effect.succeed(closed))
      notify()
    })
    const lines = () => {
      const all = stdout.split("\n")
      return all.slice(0, all.length - 1)
    }
    const describe = () => `\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`

    const waitForLine: ServerProcess["waitForLine"] = (predicate, timeout = "20 seconds") =>
      Effect.async<string, Error>((resume) => {
        const check = () => {
          const line = lines().find(predicate)
          if (line !== undefined) {
            waiters.delete(check)
            resume(Effect.succeed(line))
          } else if (closed !== undefined) {
            waiters.delete(check)
            resume(Effect.fail(new Error(`process exited (${closed.code ?? closed.signal}) before the line${describe()}`)))
          }
        }
        waiters.add(check)
        check()
        return Effect.sync(() => waiters.delete(check))
      }).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new Error(`no such line within ${Duration.format(Duration.decode(timeout))}${describe()}`)
        })
      )

    const exited = Deferred.await(exit)
    return {
      child,
      pid: child.pid!,
      lines,
      stdout: () => stdout,
      output: () => output,
      stderr: () => stderr,
      waitForLine,
      exited,
      waitExit: (timeout = "20 seconds") =>
        exited.pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new Error(`process still running after ${Duration.format(Duration.decode(timeout))}${describe()}`)
          })
        ),
      kill: (signal) => Effect.sync(() => void child.kill(signal))
    }
  })

export interface ServerOptions {
  /** Where the server runs (default: `apps/server`); a relative `WEFT_DB` is resolved from here. */
  readonly cwd?: string
  readonly env?: Record<string, string | undefined>
  /** Run the bundle `pnpm start` runs instead of the sources (build it first). */
  readonly bundle?: boolean
  /** The port (default: a free one); the same port again restarts a server where clients expect it. */
  readonly port?: number
}

/** `node --import tsx <abs>/src/main.ts` (or `node <abs>/dist/main.mjs`) in `cwd`. */
export const spawnServer = (options: ServerOptions = {}) =>
  spawn({
    command: process.execPath,
    args: options.bundle === true ? [bundlePath] : ["--import", tsxLoader, mainPath],
    cwd: options.cwd ?? serverDir,
    env: options.env
  })

export interface RunningServer extends ServerProcess {
  readonly url: string
  readonly port: number
}

/** Waits for the ready line; answers with the URL it names. */
export const ready = (proc: ServerProcess, timeout: Duration.DurationInput = "120 seconds") =>
  Effect.map(proc.waitForLine((line) => readyLine.test(line), timeout), (line): RunningServer => {
    const url = readyLine.exec(line)![1]
    return { ...proc, url, port: Number(new URL(url).port) }
  })

/** Starts the server (on a free port unless `port` is given) and waits until it is ready. */
export const start = (options: ServerOptions = {}) =>
  Effect.gen(function*() {
    const port = options.port ?? (yield* freePort)
    const proc = yield* spawnServer({ ...options, env: { WEFT_PORT: String(port), ...options.env } })
    return yield* ready(proc)
  })

/**
 * Starts the server over `weft.db` in `dir` (default: a fresh temporary directory,
 * removed with the scope), without request logs; the engine stays off unless `env` turns
 * it on. The same `dir` and `port` again restart a server on the same database.
 */
export const startFresh = (options: ServerOptions & { readonly dir?: string } = {}) =>
  Effect.gen(function*() {
    const dir = options.dir ?? (yield* tempDir)
    return yield* start({
      ...options,
      cwd: options.cwd ?? dir,
      env: { WEFT_DB: path.join(dir, "weft.db"), WEFT_LOG_REQUESTS: "false", ...options.env }
    })
  })

/** One server shared by the tests of a suite (see `layer`). */
export class Server extends Context.Tag("@weft/testing/Server")<Server, RunningServer>() {}

/** A fresh server (`startFresh`) for every test that uses the layer, stopped after the last one. */
export const layer = (options: ServerOptions = {}) => Layer.scoped(Server, startFresh(options)).pipe(Layer.orDie)

// --- raw HTTP against a process ---------------------------------------------------------

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

/** One request on a fresh connection (no keep-alive reuse). */
export const get = (url: string, init: RequestInit = {}) =>
  Effect.tryPromise({
    try: async (signal): Promise<Reply> => {
      const res = await fetch(url, { ...init, signal, headers: { connection: "close", ...init.headers as any } })
      return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }
    },
    catch: (error) => {
      const cause = (error as { readonly cause?: { readonly code?: string; readonly message?: string } }).cause
      return new Error(`${init.method ?? "GET"} ${url}: ${(error as Error).message} (${cause?.code ?? cause?.message ?? "no cause"})`)
    }
  })

/** Opens a TCP connection; fails with the socket error (e.g. ECONNREFUSED). */
export const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.async<net.Socket, NodeJS.ErrnoException>((resume) => {
      const socket = net.connect(port, "127.0.0.1")
      socket.once("connect", () => resume(Effect.succeed(socket)))
      socket.once("error", (error) => resume(Effect.fail(error)))
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

/** Everything the peer sends until it closes the connection. */
export const readUntilClose = (socket: net.Socket) =>
  Effect.async<string>((resume) => {
    let data = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      data += chunk
    })
    socket.on("error", () => {})
    socket.once("close", () => resume(Effect.succeed(data)))
  })
