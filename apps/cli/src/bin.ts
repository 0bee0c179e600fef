#!/usr/bin/env node
/**
 * `weft …` (`pnpm weft …` at the repository root).
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { run } from "./Cli.js"

// `pnpm weft …` runs the script in apps/cli; relative paths (`apply -f FILE`,
// `status --output @FILE`) are meant from the directory the command was typed in.
const initCwd = process.env.INIT_CWD
if (initCwd !== undefined && process.env.npm_lifecycle_event === "weft") process.chdir(initCwd)

const program = run(process.argv).pipe(Effect.provide(NodeContext.layer))

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit) ? (exit.value as number) : 1
    // Exit now: idle keep-alive connections must not hold the process open.
    onExit(code)
    process.exit(code)
  }
})
