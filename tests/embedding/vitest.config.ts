import { defineConfig, mergeConfig } from "vitest/config"
import shared from "../../vitest.shared.js"

// One test: build, pack, install outside the workspace, run. Minutes on a busy machine.
export default mergeConfig(shared, defineConfig({ test: { testTimeout: 600_000, hookTimeout: 600_000 } }))
