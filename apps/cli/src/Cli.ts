/**
 * The `weft` command: its subcommands, and `run`, which executes a command line and
 * answers the process exit code (0 success, 1 failure, 2 usage error). Failures are
 * printed as one line on stderr; a usage error also prints the command's usage.
 */
import { type CliApp, Command, ValidationError } from "@effect/cli"
import { Console, Effect } from "effect"
import { report, usageExitCode } from "./CliError.js"
import { apply } from "./commands/Apply.js"
import { cancel } from "./commands/Cancel.js"
import { signal } from "./commands/Signal.js"
import { del } from "./commands/Delete.js"
import { get, list } from "./commands/Get.js"
import { run as runCommand } from "./commands/Run.js"
import { status } from "./commands/Status.js"
import { watch } from "./commands/Watch.js"
import * as Help from "./Help.js"
import * as Stdio from "./Stdio.js"

export const version = "0.1.0"

/** By name, in the order help lists them (keep in step with `command` below). */
const subcommands = {
  apply,
  get,
  list,
  run: runCommand,
  watch,
  status,
  cancel,
  signal,
  delete: del
} as const

const root: Command.Command<"weft", never, never, {}> = Command.make("weft", {}, () => Stdio.out(Help.render(tree, undefined)))
  .pipe(Command.withDescription("Command line of weft, the control plane for workflow runs"))

export const command = root.pipe(Command.withSubcommands([apply, get, list, runCommand, watch, status, cancel, signal, del]))

/** The commands, for help texts. */
export const tree: Help.Tree = { root, subcommands }

const cli = Command.run(command, { name: "weft", version })

/** The subcommand a command line names (its first word that is one), if any. */
const subcommandOf = (args: ReadonlyArray<string>): string | undefined =>
  args.find((arg) => Object.hasOwn(subcommands, arg))

/** `-h` / `--help` before a `--`. */
const wantsHelp = (args: ReadonlyArray<string>): boolean => {
  const end = args.indexOf("--")
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h")
}

/**
 * @effect/cli prints a usage error itself (with terminal escapes) before failing with
 * it; the error is printed here instead, as one plain line followed by the usage.
 */
const quietLibraryErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) => Console.withConsole(effect, { ...console, error: () => Effect.void }))

const usageError = (error: ValidationError.ValidationError, args: ReadonlyArray<string>) => {
  const name = subcommandOf(args)
  const message = Help.docText(error.error).split("\n").filter((line) => line.trim() !== "").join("; ")
  return Effect.as(
    Stdio.err(
      `error: ${message === "" ? "invalid command line" : message}\n` +
        `usage: ${Help.usageLine(tree, name)}\n` +
        `Run 'weft ${name === undefined ? "" : `${name} `}--help' for more.`
    ),
    usageExitCode
  )
}

/** Runs `argv` (as `process.argv`: node, script, args…); answers the exit code. */
export const run = (argv: ReadonlyArray<string>): Effect.Effect<number, never, CliApp.CliApp.Environment> =>
  Effect.suspend(() => {
    const args = argv.slice(2)
    if (wantsHelp(args)) return Effect.as(Stdio.out(Help.render(tree, subcommandOf(args))), 0)
    return quietLibraryErrors(cli(argv)).pipe(
      Effect.as(0),
      Effect.catchAll((error) => ValidationError.isValidationError(error) ? usageError(error, args) : report(error))
    )
  })
