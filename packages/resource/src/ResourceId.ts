/**
 * Server-generated ids: `<prefix>-` followed by a 26-character lowercase ULID. ULIDs
 * sort by creation time, which is what list pages are ordered by; the monotonic factory
 * keeps ids made within one millisecond in order too.
 */
import { Effect } from "effect"
import { monotonicFactory } from "ulid"
import type { ResourceKind } from "./ResourceKind.js"

const nextUlid = monotonicFactory()

export const pattern = /^[a-z]{3}-[0-9a-hjkmnp-tv-z]{26}$/

export const make = (kind: ResourceKind): Effect.Effect<string> =>
  Effect.sync(() => `${kind.idPrefix}-${nextUlid().toLowerCase()}`)

export const makeSync = (kind: ResourceKind): string => `${kind.idPrefix}-${nextUlid().toLowerCase()}`
