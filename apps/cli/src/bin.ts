/**
 * The `weft` executable. `build.mjs` bundles this file into `dist/weft.mjs`, which
 * `bin/weft.mjs` (the package's bin, `pnpm exec weft` at the repository root) runs.
 */
// Module by module rather than the package's index (or NodeContext, which brings the
// worker and command-executor layers): the bundle loads at half the size.
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Effect, Exit, Layer } from "effect"
import { run } from "./Cli.js"
import * as Stdio from "./Stdio.js"

// A reader that goes away early (`weft list wf -o json | head -1`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw error
  })
}

/** What @effect/cli and the commands need of the platform. */
const PlatformLive = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)

const program = run(process.argv).pipe(Effect.provide(PlatformLive))

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  disablePrettyLogger: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit) ? (exit.value as number) : 1
    onExit(code)
    process.exitCode = code
    // Exit once stdout and stderr are written out (on a pipe that takes a while), so that
    // idle keep-alive connections do not hold the process open, and no output is lost.
    void Stdio.flush().then(() => process.exit(code))
  }
})
