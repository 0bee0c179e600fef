import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// Every test runs the CLI as processes (node + tsx), several per test: a few seconds each.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 300_000, hookTimeout: 120_000 } }))
