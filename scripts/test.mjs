// `pnpm test`: type checks and tests of every package through turbo (two tasks at a
// time; a failure does not stop the others), then the per-package and total counts (scripts/test-summary.mjs). Exits non-zero
// when a type check or a test failed.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
process.chdir(root)

// Reports of an earlier run must not be counted as this run's.
for (const dir of ["packages", "apps", "tests", "examples"]) {
  if (!existsSync(dir)) continue
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) rmSync(join(dir, entry.name, "test-results.json"), { force: true })
  }
}

// The PostgreSQL suites run against the server WEFT_TEST_PG names (`.ci/run` sets it when
// one answers); without it they are skipped, and this says so once.
if ((process.env.WEFT_TEST_PG ?? "") === "") {
  console.log(
    "PostgreSQL suites skipped: WEFT_TEST_PG is not set " +
      "(run them with WEFT_TEST_PG=postgres://postgres@127.0.0.1:5432/postgres pnpm test)"
  )
}

const turbo = spawnSync(
  "turbo",
  ["run", "typecheck", "test", "--concurrency=2", "--continue", "--output-logs=errors-only", ...process.argv.slice(2)],
  { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", TURBO_NO_UPDATE_NOTIFIER: "1" }, shell: false }
)
if (turbo.error !== undefined) {
  console.error(`cannot run turbo: ${turbo.error.message}`)
  process.exit(1)
}
// With extra turbo arguments (`pnpm test --filter=@weft/resource`) only some packages run.
const partial = process.argv.length > 2 ? ["--partial"] : []
const summary = spawnSync(process.execPath, ["scripts/test-summary.mjs", ...partial], { stdio: "inherit" })
process.exit(turbo.status !== 0 ? turbo.status ?? 1 : summary.status ?? 1)
