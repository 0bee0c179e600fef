import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as WakeTimer from "../src/internal/wakeTimer.js"

describe("WakeTimer", () => {
  it.scoped("one timer for every pending wake-up: each due time wakes once, an earlier request first", () =>
    Effect.gen(function*() {
      let wakes = 0
      const timer = yield* WakeTimer.make(Effect.sync(() => wakes++), yield* Effect.scope)
      yield* timer.wakeIn(100_000)
      yield* timer.wakeIn(100_000)
      yield* timer.wakeIn(50_000)
      yield* TestClock.adjust("49999 millis")
      assert.strictEqual(wakes, 0)
      assert.strictEqual(timer.pending(), 3)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(wakes, 1)
      yield* TestClock.adjust("50 seconds")
      // The two wake-ups due at the same time wake the poll once.
      assert.strictEqual(wakes, 2)
      assert.strictEqual(timer.pending(), 0)
      yield* timer.wakeIn(10_000)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(wakes, 3)
    }))
})
