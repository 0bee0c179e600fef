// Sums the JSON reports vitest writes (test-results.json, one per package) into a table
// of per-package counts and one closing line, `tests: N passed, N failed`, that CI reads.
// A package with a test script but no report (its tests did not run) counts as failed,
// unless `--partial` (a run of some packages only, e.g. `pnpm test --filter=…`).
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const partial = process.argv.includes("--partial")
const rows = []
let passed = 0
let failed = 0
let skipped = 0
let missing = 0
for (const dir of ["packages", "apps", "tests", "examples", "bench"]) {
  const base = join(root, dir)
  if (!existsSync(base)) continue
  const names = dir === "bench" ? ["."] : readdirSync(base)
  for (const name of names) {
    const manifest = join(base, name, "package.json")
    if (!existsSync(manifest)) continue
    const pkg = JSON.parse(readFileSync(manifest, "utf8"))
    if (pkg.scripts?.test === undefined) continue
    const file = join(base, name, "test-results.json")
    if (!existsSync(file)) {
      if (partial) continue
      missing++
      rows.push([pkg.name, "no report (its tests did not run)"])
      continue
    }
    const report = JSON.parse(readFileSync(file, "utf8"))
    const p = report.numPassedTests
    const f = report.numFailedTests
    const s = report.numPendingTests + (report.numTodoTests ?? 0)
    passed += p
    failed += f
    skipped += s
    // A package's note on what its run left out (written by its test setup, e.g. the
    // console's browser tests without Chromium), shown beside its counts.
    const notes = join(base, name, "test-notes.txt")
    const note = existsSync(notes) ? ` (${readFileSync(notes, "utf8").trim()})` : ""
    rows.push([pkg.name, `${p} passed${f > 0 ? `, ${f} failed` : ""}${s > 0 ? `, ${s} skipped` : ""}${note}`])
  }
}

const width = Math.max(0, ...rows.map(([name]) => name.length))
console.log("")
for (const [name, counts] of rows.sort((a, b) => a[0].localeCompare(b[0]))) console.log(`  ${name.padEnd(width)}  ${counts}`)
const extra = `${skipped > 0 ? `, ${skipped} skipped` : ""}${missing > 0 ? `, ${missing} package(s) without a report` : ""}`
console.log(`tests: ${passed} passed, ${failed} failed${extra}`)
process.exit(failed > 0 || missing > 0 || passed === 0 ? 1 : 0)
