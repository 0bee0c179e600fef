import { assert, describe, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import { SecretBox, SecretValues } from "../src/index.js"

const keyA = randomBytes(32)
const keyB = randomBytes(32)

describe("SecretBox", () => {
  it("seals with a fresh IV each time and opens what it sealed", () => {
    const box = SecretBox.make({ current: keyA })
    const one = box.seal("hunter2")
    const two = box.seal("hunter2")
    assert.notStrictEqual(one, two)
    assert.notInclude(one, "hunter2")
    assert.isTrue(SecretBox.isEnvelope(one))
    assert.deepStrictEqual(box.open(one), Either.right("hunter2"))
    assert.deepStrictEqual(box.open(box.seal("")), Either.right(""))
    assert.isTrue(box.isCurrent(one))
  })

  it("after a rotation the previous key still opens, and only the new one is current", () => {
    const old = SecretBox.make({ current: keyA })
    const sealed = old.seal("v")
    const rotated = SecretBox.make({ current: keyB, previous: [keyA] })
    assert.deepStrictEqual(rotated.open(sealed), Either.right("v"))
    assert.isFalse(rotated.isCurrent(sealed))
    assert.isTrue(rotated.isCurrent(rotated.seal("v")))
  })

  it("a key that is gone, or an altered envelope, does not open", () => {
    const sealed = SecretBox.make({ current: keyA }).seal("v")
    const other = SecretBox.make({ current: keyB })
    const gone = other.open(sealed)
    assert.isTrue(Either.isLeft(gone))
    assert.include(Either.getLeft(gone).pipe((e) => e._tag === "Some" ? e.value.message : ""), "WEFT_SECRET_KEY")
    const box = SecretBox.make({ current: keyA })
    const last = sealed.slice(-2) === "AA" ? "BB" : "AA"
    assert.isTrue(Either.isLeft(box.open(sealed.slice(0, -2) + last)))
    assert.isTrue(Either.isLeft(box.open("plain text")))
  })

  it("parseKey takes base64 of exactly 32 bytes and says how to make one", () => {
    assert.isTrue(Either.isRight(SecretBox.parseKey(keyA.toString("base64"), "K")))
    assert.isTrue(Either.isRight(SecretBox.parseKey(`${keyA.toString("base64url")}\n`, "K")))
    const short = SecretBox.parseKey(randomBytes(16).toString("base64"), "WEFT_SECRET_KEY")
    assert.include(Either.getLeft(short).pipe((e) => e._tag === "Some" ? e.value : ""), "32 bytes")
    assert.isTrue(Either.isLeft(SecretBox.parseKey("not base64!", "K")))
  })
})

describe("SecretValues", () => {
  const test = <A, E>(effect: Effect.Effect<A, E, SecretBox.SecretBox>) => Effect.provide(effect, SecretBox.layerTest)

  it.effect("seal keeps plain values, seals secrets; mask drops them; reveal opens them", () =>
    test(Effect.gen(function*() {
      const values: SecretValues.Values<SecretValues.Entry> = {
        A: { value: "a" },
        S: { value: "s3", isSecret: true, description: "d" }
      }
      const sealed = yield* SecretValues.seal(values, undefined)
      assert.deepStrictEqual(sealed!.A, { value: "a" })
      assert.isUndefined(sealed!.S.value)
      assert.isTrue(SecretBox.isEnvelope(sealed!.S.sealed))
      assert.deepStrictEqual(SecretValues.mask(sealed), { A: { value: "a" }, S: { isSecret: true, description: "d" } })
      assert.deepStrictEqual(yield* SecretValues.reveal(sealed), { values: { A: "a", S: "s3" }, secrets: ["s3"] })
    })))

  it.effect("a secret without a value keeps the previous one; the same value keeps its envelope", () =>
    test(Effect.gen(function*() {
      const first = yield* SecretValues.seal({ S: { value: "s3", isSecret: true } }, undefined)
      const kept = yield* SecretValues.seal({ S: { isSecret: true } }, first)
      assert.strictEqual(kept!.S.sealed, first!.S.sealed)
      const same = yield* SecretValues.seal({ S: { value: "s3", isSecret: true } }, first)
      assert.strictEqual(same!.S.sealed, first!.S.sealed)
      const changed = yield* SecretValues.seal({ S: { value: "s4", isSecret: true } }, first)
      assert.notStrictEqual(changed!.S.sealed, first!.S.sealed)
      assert.deepStrictEqual((yield* SecretValues.reveal(changed)).values, { S: "s4" })
      // Declared without any value: nothing to keep.
      assert.deepStrictEqual(yield* SecretValues.seal({ N: { isSecret: true } }, undefined), { N: { isSecret: true } })
    })))
})
