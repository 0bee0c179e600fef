/**
 * The runner reads due timers (a WAIT's end) on its storage poll; a wake-up at a timer's
 * time saves waiting for the next poll. One fiber keeps the pending wake-up times and
 * sleeps until the earliest, instead of a sleeping fiber per parked run: such a fiber
 * carried its run's context (its span, and through the span's captured call sites the
 * run's interpreter), so 10,000 parked runs held 10,000 runs' worth of memory.
 */
import { Clock, Effect, Queue, type Scope } from "effect"

export interface WakeTimer {
  /** Wakes `wake` once at `millis` from now (the Effect clock's time), or soon after. */
  readonly wakeIn: (millis: number) => Effect.Effect<void>
  /** Wake-ups pending (for tests). */
  readonly pending: () => number
}

/** A timer calling `wake` at each requested time, on one fiber forked in `scope`. */
export const make = (wake: Effect.Effect<void>, scope: Scope.Scope): Effect.Effect<WakeTimer> =>
  Effect.gen(function*() {
    const requests = yield* Queue.unbounded<number>()
    /** Due times (epoch millis), earliest last. */
    const due: Array<number> = []
    const add = (at: number) => {
      let i = due.length
      while (i > 0 && due[i - 1]! < at) i--
      due.splice(i, 0, at)
    }
    const loop = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      let fired = false
      while (due.length > 0 && due[due.length - 1]! <= now) {
        due.pop()
        fired = true
      }
      if (fired) yield* wake
      const next = due.length === 0 ? undefined : due[due.length - 1]!
      // Until the earliest wake-up, or a new request (which may be earlier).
      const arrived = next === undefined
        ? yield* Queue.take(requests)
        : yield* Effect.raceFirst(
          Effect.as(Effect.sleep(next - now), undefined),
          Queue.take(requests)
        )
      if (arrived !== undefined) add(arrived)
      for (const at of yield* Queue.takeAll(requests)) add(at)
    }).pipe(Effect.forever)
    yield* Effect.forkIn(loop, scope)
    return {
      wakeIn: (millis) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => Queue.offer(requests, now + millis)).pipe(Effect.asVoid),
      pending: () => due.length
    }
  })
