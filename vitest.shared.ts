import { defineConfig } from "vitest/config"

// Shared by every package's vitest.config.ts. Under CI a JSON report is written per
// package so that .ci/run can print one closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results.json" }]] : ["default"]
  }
})
