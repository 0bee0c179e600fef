/** The engine's settings from the environment, the runner's name among replicas above all. */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either } from "effect"
import * as os from "node:os"
import * as EngineConfig from "../src/EngineConfig.js"

const read = (env: Record<string, string>) =>
  Effect.either(Effect.withConfigProvider(EngineConfig.fromEnv, ConfigProvider.fromMap(new Map(Object.entries(env)))))

describe("EngineConfig.fromEnv", () => {
  it.effect("WEFT_RUNNER_ADDRESS names the runner", () =>
    Effect.gen(function*() {
      const config = yield* read({ WEFT_RUNNER_ADDRESS: "weft-2.internal:8080" })
      assert.deepStrictEqual(Either.getOrThrow(config).runnerAddress, { host: "weft-2.internal", port: 8080 })
    }))

  it.effect("by default the runner is named after the host and WEFT_PORT", () =>
    Effect.gen(function*() {
      const config = yield* read({ WEFT_PORT: "9090" })
      assert.deepStrictEqual(Either.getOrThrow(config).runnerAddress, { host: os.hostname(), port: 9090 })
    }))

  it.effect("with WEFT_PORT=0 the process id stands for the port", () =>
    Effect.gen(function*() {
      const config = yield* read({ WEFT_PORT: "0" })
      assert.deepStrictEqual(Either.getOrThrow(config).runnerAddress, { host: os.hostname(), port: process.pid })
    }))

  it.effect("a WEFT_RUNNER_ADDRESS that is not host:port is refused, naming the variable", () =>
    Effect.gen(function*() {
      for (const bad of ["weft-2", "weft-2:", ":8080", "weft-2:http"]) {
        const config = yield* read({ WEFT_RUNNER_ADDRESS: bad })
        if (Either.isRight(config)) return assert.fail(`${bad} was accepted`)
        assert.include(String(config.left), "WEFT_RUNNER_ADDRESS")
      }
    }))
})
