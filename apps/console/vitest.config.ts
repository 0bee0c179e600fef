import * as fs from "node:fs"
import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// The browser suite drives the system's Chromium. Without one it is left out, with one
// line that says so and how to run it.
// The line also goes to test-notes.txt, which the repository's test summary shows (turbo
// hides the output of packages whose tests pass).
const chromium = process.env["WEFT_CHROMIUM"] ?? "/usr/bin/chromium"
const browser = fs.existsSync(chromium)
const notes = new URL("./test-notes.txt", import.meta.url)
if (browser) {
  fs.rmSync(notes, { force: true })
} else {
  const line = `browser tests skipped: no Chromium at ${chromium}; install it (apt-get install -y chromium) ` +
    `or set WEFT_CHROMIUM to a Chromium binary, then run pnpm --filter @weft/console test`
  process.stdout.write(`@weft/console: ${line}\n`)
  fs.writeFileSync(notes, `${line}\n`)
}

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      exclude: browser ? configDefaults.exclude : [...configDefaults.exclude, "test/browser/**"],
      globalSetup: browser ? ["test/support/build.ts"] : [],
      // Each browser test runs a server and a Chromium: one file at a time on small machines.
      fileParallelism: false,
      testTimeout: 90_000,
      // Pages update from streams and a 3 s poll: wait for what they show, not for a time.
      expect: { poll: { timeout: 20_000, interval: 100 } },
      hookTimeout: 90_000
    }
  })
)
