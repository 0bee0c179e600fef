// vitest global setup: bundles the command line once, before the tests run it.
import { execFileSync } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export default function setup() {
  const build = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../build.mjs")
  execFileSync(process.execPath, [build], { stdio: "inherit" })
}
