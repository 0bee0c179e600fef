// Sums the JSON reports vitest writes under CI (one per package) into one closing line.
import { existsSync, readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"

let passed = 0
let failed = 0
let skipped = 0
for (const root of ["packages", "apps"]) {
  if (!existsSync(root)) continue
  for (const name of readdirSync(root)) {
    const file = join(root, name, "test-results.json")
    if (!existsSync(file)) continue
    const report = JSON.parse(readFileSync(file, "utf8"))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + (report.numTodoTests ?? 0)
  }
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
