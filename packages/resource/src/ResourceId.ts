/**
 * Server-generated ids: `<prefix>-` followed by a 26-character lowercase ULID. ULIDs
 * sort by creation time, which is what list pages are ordered by; the monotonic factory
 * keeps ids made within one millisecond in order too.
 */
import { Effect } from "effect"
import { randomFillSync } from "node:crypto"
import { monotonicFactory } from "ulid"
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

const nextUlid = monotonicFactory(bufferedRandom)

export const pattern = /^[a-z]{3}-[0-9a-hjkmnp-tv-z]{26}$/

export const make = (kind: ResourceKind): Effect.Effect<string> =>
  Effect.sync(() => `${kind.idPrefix}-${nextUlid().toLowerCase()}`)

export const makeSync = (kind: ResourceKind): string => `${kind.idPrefix}-${nextUlid().toLowerCase()}`
