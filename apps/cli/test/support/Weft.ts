/**
 * Runs the `weft` command line as a process (`node apps/cli/bin/weft.mjs …`, the
 * package's bin, at the repository root), as a user or a runner script would. The
 * bundle it runs is built once before the tests (test/support/build.ts).
 */
import { Deferred, Duration, Effect, type Scope } from "effect"
import { spawn } from "node:child_process"
import * as path from "node:path"
import { repoRoot } from "./ServerProcess.js"

export const binPath = path.join(repoRoot, "apps/cli/bin/weft.mjs")

export interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface Running {
  readonly stdout: () => string
  readonly stderr: () => string
  /** Waits until stdout contains a line matching `pattern`. */
  readonly waitFor: (pattern: RegExp, timeout?: Duration.DurationInput) => Effect.Effect<void, Error>
  readonly result: Effect.Effect<Result>
}

export interface Options {
  readonly server: string
  readonly stdin?: string
  readonly env?: Record<string, string>
  /** Run it on a terminal (a pseudo-terminal of `script`, 40 rows of 200 columns). */
  readonly tty?: boolean
}

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`

/** The command line that runs `weft args`: node on the bin, or the same inside `script` for a terminal. */
const commandLine = (args: ReadonlyArray<string>, tty: boolean): [string, ReadonlyArray<string>] =>
  tty
    ? ["script", ["-qfec", `stty rows 40 cols 200; exec ${[process.execPath, binPath, ...args].map(quote).join(" ")}`, "/dev/null"]]
    : [process.execPath, [binPath, ...args]]

const environment = (options: Options) => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("WEFT_") && value !== undefined) out[key] = value
  }
  return { ...out, NO_COLOR: "1", WEFT_SERVER: options.server, ...options.env }
}

/** Starts `weft args`; killed when the scope closes if still running. */
export const start = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<Result>()
    let stdout = ""
    let stderr = ""
    const waiters = new Set<() => void>()
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(...commandLine(args, options.tty === true), {
          cwd: repoRoot,
          env: environment(options),
          stdio: ["pipe", "pipe", "pipe"]
        })
      ),
      (child) => Effect.sync(() => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")))
    )
    child.stdin!.end(options.stdin ?? "")
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      waiters.forEach((f) => f())
    })
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk))
    child.once("close", (code) => {
      Deferred.unsafeDone(done, Effect.succeed({ code, stdout, stderr }))
      waiters.forEach((f) => f())
    })
    const describe = () => `weft ${args.join(" ")}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`
    return {
      stdout: () => stdout,
      stderr: () => stderr,
      waitFor: (pattern, timeout = "90 seconds") =>
        Effect.async<void, Error>((resume) => {
          const check = () => {
            if (stdout.split("\n").some((line) => pattern.test(line))) {
              waiters.delete(check)
              resume(Effect.void)
            } else if (child.exitCode !== null || child.signalCode !== null) {
              waiters.delete(check)
              resume(Effect.fail(new Error(`exited before printing ${pattern}:\n${describe()}`)))
            }
          }
          waiters.add(check)
          check()
          return Effect.sync(() => waiters.delete(check))
        }).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new Error(`no line ${pattern} within ${Duration.format(Duration.decode(timeout))}:\n${describe()}`)
          })
        ),
      result: Deferred.await(done)
    }
  })

/** Runs `weft args` to its end. */
export const run = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Result> =>
  Effect.scoped(Effect.flatMap(start(args, options), (running) => running.result))
