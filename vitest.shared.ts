import { defineConfig } from "vitest/config"

// Shared by every package's vitest.config.ts. Each run also writes a JSON report
// (test-results.json, ignored by git): `pnpm test` sums them into per-package and total
// counts (scripts/test-summary.mjs), and turbo keeps it as the task's output.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", ["json", { outputFile: "test-results.json" }]]
  }
})
