/** Vitest global setup of the browser suite: builds the console and the server bundle once. */
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { repoRoot } from "./server.js"

export default function setup() {
  for (const script of ["apps/console/build.mjs", "apps/server/build.mjs"]) {
    execFileSync(process.execPath, [path.join(repoRoot, script)], { stdio: "inherit" })
  }
}
