/**
 * A real weft server for tests: `node --import tsx apps/server/src/main.ts` run at the
 * repository root on a free port over a temporary SQLite file, ready once it prints
 * `weft listening on http://127.0.0.1:PORT`, killed (with its process group) when the
 * scope closes.
 */
import { Context, Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))

/** The repository root. */
export const repoRoot = path.resolve(here, "../../../..")

/** The tsx loader as a file URL, so `--import` works from any working directory. */
export const tsxLoader = pathToFileURL(createRequire(path.join(repoRoot, "apps/server/package.json")).resolve("tsx")).href

export interface ServerShape {
  readonly url: string
  readonly output: () => string
}

export class Server extends Context.Tag("test/Server")<Server, ServerShape>() {}

export const freePort = Effect.async<number, Error>((resume) => {
  const server = net.createServer()
  server.once("error", (error) => resume(Effect.fail(error)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

export const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-test-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const environment = (env: Record<string, string>) => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("WEFT_") && value !== undefined) out[key] = value
  }
  return { ...out, ...env }
}

export interface StartOptions {
  /** The directory of the database file (`weft.db`); default: a temporary one. */
  readonly dir?: string | undefined
  /** Default: a free port. */
  readonly port?: number | undefined
}

/** A server process, killed when the scope closes; the same `dir` (and port) again restarts it on its database. */
export const startWith = (options: StartOptions = {}) => Effect.gen(function*() {
  const dir = options.dir ?? (yield* tempDir)
  const port = options.port ?? (yield* freePort)
  let output = ""
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      spawn(process.execPath, ["--import", tsxLoader, "apps/server/src/main.ts"], {
        cwd: repoRoot,
        env: environment({
          WEFT_DB: path.join(dir, "weft.db"),
          WEFT_PORT: String(port),
          WEFT_LOG_REQUESTS: "false",
          // The tests report status as a runner would: no engine.
          WEFT_RUNNER: "none"
        }),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true
      })
    ),
    (child) =>
      Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        child.once("close", () => resume(Effect.void))
        try {
          process.kill(-child.pid!, "SIGKILL")
        } catch {
          child.kill("SIGKILL")
        }
      }).pipe(Effect.timeout("3 seconds"), Effect.ignore)
  )
  const url = yield* Effect.async<string, Error>((resume) => {
    const ready = /^weft listening on (http:\/\/\S+)$/m
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8")
      const match = ready.exec(output)
      if (match !== null) resume(Effect.succeed(match[1]))
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", (chunk: Buffer) => void (output += chunk.toString("utf8")))
    child.once("close", (code) => resume(Effect.fail(new Error(`server exited (${code}) before it was ready:\n${output}`))))
  }).pipe(
    Effect.timeoutFail({ duration: "120 seconds", onTimeout: () => new Error(`server not ready:\n${output}`) })
  )
  return { url, output: () => output }
})

export const start = startWith()

/** One server for every test that uses the layer. */
export const layer = Layer.scoped(Server, start).pipe(Layer.orDie)
