import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { LabelSelector, ResourceApi } from "../src/index.js"

const decode = Schema.decodeUnknownEither(LabelSelector.FromString)

describe("LabelSelector.parse", () => {
  it("reads the four requirements, comma = and, spaces around terms ignored", () => {
    assert.deepStrictEqual(LabelSelector.parse("team=growth, tier!=gold,app.kubernetes.io/name,!experimental"), [
      { _tag: "Equals", key: "team", value: "growth" },
      { _tag: "NotEquals", key: "tier", value: "gold" },
      { _tag: "Exists", key: "app.kubernetes.io/name" },
      { _tag: "NotExists", key: "experimental" }
    ])
    assert.deepStrictEqual(LabelSelector.parse("team==growth"), [{ _tag: "Equals", key: "team", value: "growth" }])
    assert.deepStrictEqual(LabelSelector.parse("team="), [{ _tag: "Equals", key: "team", value: "" }])
    assert.deepStrictEqual(LabelSelector.parse(""), [])
  })

  for (
    const malformed of [
      "team=growth,",
      ",team",
      "a,,b",
      "=growth",
      "!=growth",
      "!team=growth",
      "team=gro wth",
      "team=a=b",
      "team in (a,b)",
      "-team",
      "team=-growth",
      "t@am",
      `team=${"x".repeat(64)}`
    ]
  ) {
    it(`refuses ${JSON.stringify(malformed)}`, () => {
      const parsed = LabelSelector.parse(malformed)
      assert.isTrue("error" in parsed)
      const decoded = decode(malformed)
      assert.isTrue(Either.isLeft(decoded))
      if (Either.isLeft(decoded)) assert.include(decoded.left.message, "malformed label selector")
    })
  }
})

describe("LabelSelector.matches", () => {
  const labels = { team: "growth", tier: "gold" }
  const selects = (selector: string, on: Record<string, string> | undefined = labels) => {
    const parsed = LabelSelector.parse(selector)
    if ("error" in parsed) throw new Error(parsed.error)
    return LabelSelector.matches(parsed, on)
  }

  it("k=v, k!=v (true without the label), k, !k, and all of them together", () => {
    assert.isTrue(selects("team=growth"))
    assert.isFalse(selects("team=ops"))
    assert.isFalse(selects("region=eu"))
    assert.isTrue(selects("team!=ops"))
    assert.isFalse(selects("team!=growth"))
    assert.isTrue(selects("region!=eu"))
    assert.isTrue(selects("tier"))
    assert.isFalse(selects("region"))
    assert.isTrue(selects("!region"))
    assert.isFalse(selects("!tier"))
    assert.isTrue(selects("team=growth,tier,!region"))
    assert.isFalse(selects("team=growth,!tier"))
    assert.isTrue(selects("!team", {}))
    assert.isTrue(LabelSelector.matches([{ _tag: "NotExists", key: "team" }], undefined))
    assert.isFalse(selects("toString"), "inherited properties are not labels")
  })
})

describe("ResourceApi.Timestamp", () => {
  const decodeTime = Schema.decodeUnknownEither(ResourceApi.Timestamp)

  it("takes RFC 3339 date-times and answers them in the stored UTC form", () => {
    assert.deepStrictEqual(decodeTime("2026-01-31T12:00:00Z"), Either.right("2026-01-31T12:00:00.000Z"))
    assert.deepStrictEqual(decodeTime("2026-01-31T13:30:00.5+01:30"), Either.right("2026-01-31T12:00:00.500Z"))
    assert.deepStrictEqual(decodeTime("2024-02-29t00:00:00z"), Either.right("2024-02-29T00:00:00.000Z"))
  })

  for (
    const malformed of ["yesterday", "2026-01-31", "2026-01-31T12:00:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
      "2026-01-31T24:00:00Z", "1706702400"]
  ) {
    it(`refuses ${malformed}`, () => {
      const decoded = decodeTime(malformed)
      assert.isTrue(Either.isLeft(decoded))
      if (Either.isLeft(decoded)) assert.include(decoded.left.message, "is not an RFC 3339 date-time")
    })
  }
})
