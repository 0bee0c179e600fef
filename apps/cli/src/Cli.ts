/**
 * The `weft` command: its subcommands, and `run`, which executes a command line and
 * answers the process exit code (0 success, 1 failure, 2 usage error). Failures are
 * printed as one line on stderr.
 */
import { CliConfig, Command, HelpDoc } from "@effect/cli"
import { Console, Effect } from "effect"
import { report } from "./CliError.js"
import { apply } from "./commands/Apply.js"
import { del } from "./commands/Delete.js"
import { get, list } from "./commands/Get.js"
import { run as runCommand } from "./commands/Run.js"
import { status } from "./commands/Status.js"
import { watch } from "./commands/Watch.js"

export const version = "0.1.0"

const root: Command.Command<"weft", never, never, {}> = Command.make("weft", {}, () =>
  Console.log(HelpDoc.toAnsiText(Command.getHelp(command, CliConfig.make({ showBuiltIns: false }))).trimEnd())
).pipe(Command.withDescription("Command line of weft, the control plane for workflow runs"))

export const command = root.pipe(Command.withSubcommands([apply, get, list, runCommand, watch, status, del]))

const cli = Command.run(command, { name: "weft", version })

/** Runs `argv` (as `process.argv`: node, script, args…); answers the exit code. */
export const run = (argv: ReadonlyArray<string>) =>
  Effect.suspend(() => cli(argv)).pipe(
    Effect.as(0),
    Effect.catchAll(report)
  )
