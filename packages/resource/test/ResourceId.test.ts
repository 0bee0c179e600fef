import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ResourceId, ResourceKind } from "../src/index.js"

const crockfordLower = /^[0-9a-hjkmnp-tv-z]{26}$/

describe("ResourceId", () => {
  it.effect("prefixes each kind's ids and follows with 26 lowercase Crockford characters", () =>
    Effect.gen(function*() {
      const cases = [
        [ResourceKind.Workflow, "wfl-"],
        [ResourceKind.WorkflowInstance, "win-"],
        [ResourceKind.WorkflowExecution, "wex-"]
      ] as const
      for (const [kind, prefix] of cases) {
        const id = yield* ResourceId.make(kind)
        assert.isTrue(id.startsWith(prefix), id)
        assert.strictEqual(id.length, prefix.length + 26)
        assert.match(id.slice(prefix.length), crockfordLower)
        assert.match(id, ResourceId.pattern)
        assert.strictEqual(ResourceKind.byIdPrefix(id), kind)
      }
    }))

  it("makeSync has the same shape", () => {
    const id = ResourceId.makeSync(ResourceKind.WorkflowExecution)
    assert.match(id, /^wex-[0-9a-hjkmnp-tv-z]{26}$/)
    assert.strictEqual(id, id.toLowerCase())
  })

  it("never uses the letters Crockford excludes (i, l, o, u)", () => {
    for (let i = 0; i < 2000; i++) {
      const id = ResourceId.makeSync(ResourceKind.Workflow)
      assert.notMatch(id.slice(4), /[ilou]/)
    }
  })

  it.effect("a new id is made on every run of the effect", () =>
    Effect.gen(function*() {
      const make = ResourceId.make(ResourceKind.Workflow)
      const a = yield* make
      const b = yield* make
      assert.notStrictEqual(a, b)
    }))

  it("is monotonic: ids made in sequence sort ascending, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, () => ResourceId.makeSync(ResourceKind.WorkflowInstance))
    for (let i = 1; i < ids.length; i++) {
      assert.isTrue(ids[i - 1] < ids[i], `${ids[i - 1]} should sort before ${ids[i]}`)
    }
    const sorted = [...ids].sort()
    assert.deepStrictEqual(sorted, ids)
  })

  it.live("is monotonic across milliseconds", () =>
    Effect.gen(function*() {
      const a = yield* ResourceId.make(ResourceKind.Workflow)
      yield* Effect.sleep("5 millis")
      const b = yield* ResourceId.make(ResourceKind.Workflow)
      assert.isTrue(a < b)
      // The time part (first 10 characters of the ULID) moved forward.
      assert.isTrue(a.slice(4, 14) < b.slice(4, 14))
    }))

  it("is unique over 10k ids", () => {
    const ids = new Set<string>()
    for (let i = 0; i < 10_000; i++) ids.add(ResourceId.makeSync(ResourceKind.WorkflowExecution))
    assert.strictEqual(ids.size, 10_000)
  })

  it("byIdPrefix finds the kind of an id, or nothing", () => {
    assert.strictEqual(ResourceKind.byIdPrefix("wfl-01arz3ndektsv4rrffq69g5fav"), ResourceKind.Workflow)
    assert.strictEqual(ResourceKind.byIdPrefix("win-01arz3ndektsv4rrffq69g5fav"), ResourceKind.WorkflowInstance)
    assert.strictEqual(ResourceKind.byIdPrefix("wex-01arz3ndektsv4rrffq69g5fav"), ResourceKind.WorkflowExecution)
    assert.isUndefined(ResourceKind.byIdPrefix("abc-01arz3ndektsv4rrffq69g5fav"))
    assert.isUndefined(ResourceKind.byIdPrefix("wfl01arz3ndektsv4rrffq69g5fav"))
  })
})
