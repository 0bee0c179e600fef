/**
 * Server-generated ids: `<prefix>-` followed by a 26-character lowercase ULID. ULIDs
 * sort by creation time, which is what list pages are ordered by; the monotonic factory
 * keeps ids made within one millisecond in order too.
 *
 * A resource's id is made at its creation time (`makeAt`), so the id's time is its
 * `createdAt`: a creation-time window is a range of ids (`timeBound`), which lists page
 * through on the primary key.
 */
import { Effect } from "effect"
import { randomFillSync } from "node:crypto"
import { encodeTime, incrementBase32 } from "ulid"
import type { ResourceKind } from "./ResourceKind.js"

/**
 * Cryptographic randomness drawn 4 KiB at a time: the library's default asks the OS for
 * one byte per character, which dominated the cost of an id.
 */
const bufferedRandom = (() => {
  const buffer = new Uint32Array(1024)
  let next = buffer.length
  return () => {
    if (next === buffer.length) {
      randomFillSync(buffer)
      next = 0
    }
    return buffer[next++] / 0x1_0000_0000
  }
})()

/**
 * How far an id's time may be from its resource's `createdAt`: ids made in the same
 * millisecond as one before, or when the clock stepped back by less than a second, keep
 * the previous id's time so they still sort after it; ids made before ids were made at
 * the creation time were within milliseconds of it.
 */
export const maxSkewMillis = 60_000

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
let lastMillis = -1
let lastRandom = ""

/**
 * A monotonic ULID at `millis` (uppercase). Unlike the library's factory it takes any
 * time, 0 included (a test clock), and a clock that went back by more than a second (another
 * test clock, a corrected system clock) starts a new sequence at its time.
 */
const nextUlid = (millis: number): string => {
  if (millis <= lastMillis && millis >= lastMillis - 1000) {
    lastRandom = incrementBase32(lastRandom)
  } else {
    lastMillis = millis
    lastRandom = ""
    for (let i = 0; i < 16; i++) lastRandom += crockford[Math.floor(bufferedRandom() * 32)]
  }
  return encodeTime(lastMillis, 10) + lastRandom
}

export const pattern = /^[a-z]{3}-[0-9a-hjkmnp-tv-z]{26}$/

/** An id made now (the system clock); resources get theirs from `makeAt`. */
export const make = (kind: ResourceKind): Effect.Effect<string> => Effect.sync(() => makeSync(kind))

/** The id of a resource created at `millis` (the creation time read from the Effect clock). */
export const makeAt = (kind: ResourceKind, millis: number): string => `${kind.idPrefix}-${nextUlid(millis).toLowerCase()}`

/**
 * The smallest id of `kind` made at or after `millis` minus the skew (`"lower"`), or an id
 * above every id made before `millis` plus the skew (`"upper"`): bounds that keep every
 * resource created in a window, for the exact `created_at` test to finish.
 */
export const timeBound = (kind: ResourceKind, millis: number, side: "lower" | "upper"): string =>
  side === "lower"
    ? `${kind.idPrefix}-${encodeTime(Math.max(0, millis - maxSkewMillis), 10).toLowerCase()}`
    : `${kind.idPrefix}-${encodeTime(Math.min(2 ** 48 - 1, millis + maxSkewMillis), 10).toLowerCase()}~`

export const makeSync = (kind: ResourceKind): string => makeAt(kind, Date.now())
