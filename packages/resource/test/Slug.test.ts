import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
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

  it("drops non-ASCII letters", () => {
    assert.strictEqual(Slug.fromName("Café Ünïcode"), "caf-ncode")
  })

  it("is empty when the name has no letters or digits", () => {
    assert.strictEqual(Slug.fromName(""), "")
    assert.strictEqual(Slug.fromName("   "), "")
    assert.strictEqual(Slug.fromName("@#$%!"), "")
    assert.strictEqual(Slug.fromName("- - -"), "")
    assert.strictEqual(Slug.fromName("___"), "")
  })

  it("output is always empty or slug-shaped (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (name) => {
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
})
