import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as fc from "fast-check"
import { Slug } from "../src/index.js"

describe("Slug.fromName", () => {
  it("follows every example of the contract", () => {
    assert.strictEqual(Slug.fromName("My Agent"), "my-agent")
    assert.strictEqual(Slug.fromName("Agent@123!"), "agent123")
    assert.strictEqual(Slug.fromName("my_test_agent"), "mytestagent")
    assert.strictEqual(Slug.fromName("---hyphens---"), "hyphens")
  })

  it("collapses runs of spaces and hyphens into one hyphen", () => {
    assert.strictEqual(Slug.fromName("a  -  b"), "a-b")
    assert.strictEqual(Slug.fromName("  Leading and trailing  "), "leading-and-trailing")
    assert.strictEqual(Slug.fromName("Tabs\tand\nnewlines"), "tabs-and-newlines")
  })

  it("keeps digits and lowercases letters", () => {
    assert.strictEqual(Slug.fromName("Release V2 Build 10"), "release-v2-build-10")
    assert.strictEqual(Slug.fromName("already-a-slug"), "already-a-slug")
  })

  it("writes Latin letters with diacritics without them", () => {
    assert.strictEqual(Slug.fromName("Überweisung Zürich"), "uberweisung-zurich")
    assert.strictEqual(Slug.fromName("Café Ünïcode"), "cafe-unicode")
    assert.strictEqual(Slug.fromName("Straße"), "strasse")
    assert.strictEqual(Slug.fromName("STRAẞE"), "strasse")
    assert.strictEqual(Slug.fromName("Æble Øl Œuvre"), "aeble-ol-oeuvre")
    assert.strictEqual(Slug.fromName("Łódź Kraków"), "lodz-krakow")
    assert.strictEqual(Slug.fromName("Þórður Đorđe"), "thordur-dorde")
    assert.strictEqual(Slug.fromName("São João ñandú"), "sao-joao-nandu")
    assert.strictEqual(Slug.fromName("ﬁle №5"), "file-no5")
  })

  it("drops letters of other scripts", () => {
    assert.strictEqual(Slug.fromName("東京 Office"), "office")
    assert.strictEqual(Slug.fromName("Заказ 42"), "42")
    assert.strictEqual(Slug.fromName("東京"), "")
    assert.strictEqual(Slug.fromName("Привет мир"), "")
  })

  it("cuts a slug derived from a long name at 63 characters, without a trailing hyphen", () => {
    assert.strictEqual(Slug.fromName("a".repeat(100)), "a".repeat(63))
    assert.strictEqual(Slug.fromName(`${"a".repeat(62)} b`), "a".repeat(62))
    assert.strictEqual(Slug.fromName("x".repeat(10_000)).length, 63)
  })

  it("withSuffix keeps the suffix and cuts the base", () => {
    assert.strictEqual(Slug.withSuffix("orders", "default"), "orders-default")
    const long = Slug.withSuffix("a".repeat(63), "default")
    assert.strictEqual(long, `${"a".repeat(55)}-default`)
    assert.isTrue(Slug.isSlug(long))
    assert.strictEqual(Slug.withSuffix("a".repeat(63), "20260111-143022", 4).length, 59)
  })

  it("is empty when the name has no letters or digits", () => {
    assert.strictEqual(Slug.fromName(""), "")
    assert.strictEqual(Slug.fromName("   "), "")
    assert.strictEqual(Slug.fromName("@#$%!"), "")
    assert.strictEqual(Slug.fromName("- - -"), "")
    assert.strictEqual(Slug.fromName("___"), "")
  })

  it("output is always empty or slug-shaped, of at most 63 characters (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), (name) => {
        const slug = Slug.fromName(name)
        return slug === "" || Slug.pattern.test(slug)
      }),
      { numRuns: 2000 }
    )
  })

  it("output is slug-shaped for names built from the interesting characters (property)", () => {
    const chars = fc.constantFrom(..."aZ9 -_@!\t.".split(""))
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 30 }).map((cs) => cs.join("")), (name) => {
        const slug = Slug.fromName(name)
        return slug === "" || Slug.isSlug(slug)
      }),
      { numRuns: 2000 }
    )
  })

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (name) => {
        const once = Slug.fromName(name)
        return Slug.fromName(once) === once
      }),
      { numRuns: 2000 }
    )
  })

  it("leaves slug-shaped strings unchanged (property)", () => {
    const slugArb = fc
      .array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 5 })
      .map((parts) => parts.join("-"))
    fc.assert(
      fc.property(slugArb, (slug) => Slug.isSlug(slug) && Slug.fromName(slug) === slug)
    )
  })
})

describe("Slug.isSlug / Slug schema", () => {
  const decode = Schema.decodeUnknownEither(Slug.Slug)

  it("accepts slug-shaped strings", () => {
    for (const s of ["a", "my-agent", "agent123", "a-b-c", "0", "v2-build-10"]) {
      assert.isTrue(Slug.isSlug(s), s)
      assert.deepStrictEqual(decode(s), Either.right(s))
    }
  })

  it("rejects strings that are not slug-shaped", () => {
    for (const s of ["", "My-Agent", "my agent", "-a", "a-", "a--b", "a_b", "agent@1", "é", " a"]) {
      assert.isFalse(Slug.isSlug(s), s)
      const result = decode(s)
      assert.isTrue(Either.isLeft(result), `expected ${JSON.stringify(s)} to be rejected`)
    }
  })

  it("rejects non-strings", () => {
    assert.isTrue(Either.isLeft(decode(12)))
    assert.isTrue(Either.isLeft(decode(null)))
  })

  it.effect("names the rule in its message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Schema.decodeUnknown(Slug.Slug)("Not A Slug"))
      assert.include(error.message, "slug-shaped")
    }))

  it.effect("takes at most 63 characters", () =>
    Effect.gen(function*() {
      assert.isTrue(Slug.isSlug("a".repeat(63)))
      assert.isFalse(Slug.isSlug("a".repeat(64)))
      assert.deepStrictEqual(decode("a".repeat(63)), Either.right("a".repeat(63)))
      const error = yield* Effect.flip(Schema.decodeUnknown(Slug.Slug)("a".repeat(64)))
      assert.include(error.message, "must be at most 63 characters (got 64)")
    }))
})

describe("Slug.Name", () => {
  it.effect("takes at most 256 characters", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Schema.decodeUnknown(Slug.Name)("n".repeat(256)), "n".repeat(256))
      const error = yield* Effect.flip(Schema.decodeUnknown(Slug.Name)("n".repeat(10_000)))
      assert.include(error.message, "must be at most 256 characters (got 10000)")
    }))

  // A value whose string conversion throws (an array holding an object with a `toString` key)
  // once made the message function throw, and the request answer a 500.
  it("formats a wrong-typed value whose string conversion throws", () => {
    for (const schema of [Slug.Name, Slug.Slug]) {
      const result = Schema.decodeUnknownEither(schema)([{ toString: 1 }])
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
        assert.strictEqual(issues.length, 1)
        assert.include(issues[0].message, "Expected string")
      }
    }
  })
})
