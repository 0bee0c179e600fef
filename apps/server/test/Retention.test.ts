/**
 * `WEFT_RETENTION`: read as a period (`30d`, `12h`, `90m`, `45s`), unset keeps executions
 * forever, and anything else stops the server at start with a message naming it. What
 * the sweep deletes is tested with the service (`@weft/workflowexecution`).
 */
import { assert, describe, it } from "@effect/vitest"
import { ServerProcess as Proc } from "@weft/testing"
import { ConfigProvider, Duration, Effect, Either } from "effect"
import * as ServerConfig from "../src/ServerConfig.js"

const retentionOf = (value: string | undefined) =>
  Effect.withConfigProvider(
    Effect.map(ServerConfig.fromEnv, (config) => config.retention),
    ConfigProvider.fromMap(new Map(value === undefined ? [] : [["WEFT_RETENTION", value]]))
  )

describe("WEFT_RETENTION", () => {
  it.effect("a number of days, hours, minutes or seconds; unset keeps executions forever", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* retentionOf(undefined))
      const read = (value: string) => Effect.map(retentionOf(value), (d) => Duration.toMillis(d!))
      assert.strictEqual(yield* read("30d"), Duration.toMillis(Duration.days(30)))
      assert.strictEqual(yield* read("12h"), Duration.toMillis(Duration.hours(12)))
      assert.strictEqual(yield* read("90m"), Duration.toMillis(Duration.minutes(90)))
      assert.strictEqual(yield* read("45s"), 45_000)
      assert.strictEqual(yield* read(" 7d "), Duration.toMillis(Duration.days(7)))
    }))

  it.effect("anything else is refused, naming the variable and the value", () =>
    Effect.gen(function*() {
      for (const value of ["", "30", "0d", "-1d", "1.5h", "1w", "30 d", "30D", "d", "12h30m"]) {
        const read = yield* Effect.either(retentionOf(value))
        assert.isTrue(Either.isLeft(read), value)
        if (Either.isLeft(read)) {
          assert.include(String(read.left), `Invalid data at WEFT_RETENTION: "must be a retention period such as 30d`)
          assert.include(String(read.left), `got ${value}"`)
        }
      }
    }))

  it.live("a bad value stops the server at start with that message", () =>
    Effect.gen(function*() {
      const proc = yield* Proc.spawnServer({ env: { WEFT_DB: ":memory:", WEFT_PORT: "0", WEFT_RETENTION: "1w" } })
      const exit = yield* proc.waitExit("60 seconds")
      assert.strictEqual(exit.code, 1, proc.stderr())
      assert.include(
        proc.stderr(),
        `weft: cannot start: (Invalid data at WEFT_RETENTION: "must be a retention period such as 30d, 12h, 90m or 45s`
      )
      assert.include(proc.stderr(), `got 1w"`)
      assert.notInclude(proc.stdout(), "weft listening")
    }).pipe(Effect.scoped), 90_000)
})
