/**
 * Runs the `weft` command line as a process (`node apps/cli/bin/weft.mjs …`, the
 * package's bin, at the repository root), as a user or a runner script would, through
 * `@weft/testing`'s process helper. The bundle it runs is built once before the tests
 * (test/support/build.ts).
 */
import { ServerProcess } from "@weft/testing"
import { type Duration, Effect, type Scope } from "effect"
import * as path from "node:path"

export const binPath = path.join(ServerProcess.repoRoot, "apps/cli/bin/weft.mjs")

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

/** Starts `weft args`; killed when the scope closes if still running. */
export const start = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Running, never, Scope.Scope> => {
  const [command, argv] = commandLine(args, options.tty === true)
  return Effect.map(
    ServerProcess.spawn({
      command,
      args: argv,
      cwd: ServerProcess.repoRoot,
      env: { NO_COLOR: "1", WEFT_SERVER: options.server, ...options.env },
      stdin: options.stdin ?? ""
    }),
    (proc): Running => ({
      stdout: proc.stdout,
      stderr: proc.stderr,
      waitFor: (pattern, timeout = "90 seconds") => Effect.asVoid(proc.waitForLine((line) => pattern.test(line), timeout)),
      result: Effect.map(proc.exited, (exit) => ({ code: exit.code, stdout: proc.stdout(), stderr: proc.stderr() }))
    })
  )
}

/** Runs `weft args` to its end. */
export const run = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Result> =>
  Effect.scoped(Effect.flatMap(start(args, options), (running) => running.result))
