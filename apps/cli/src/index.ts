/**
 * The `weft` command line, as a library: the command tree and `run` (argv → exit code).
 */
export { command, run, version } from "./Cli.js"
export * as CliError from "./CliError.js"
