import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// Every test runs the CLI as processes (the bundle, built once by the global setup),
// several per test, against a server process.
export default mergeConfig(
  shared,
  defineConfig({ test: { globalSetup: ["test/support/build.ts"], testTimeout: 300_000, hookTimeout: 120_000 } })
)
