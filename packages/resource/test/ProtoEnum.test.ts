import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { ProtoEnum } from "../src/index.js"

const Phase = ProtoEnum.make([
  "EXECUTION_PHASE_UNSPECIFIED",
  "EXECUTION_PENDING",
  "EXECUTION_IN_PROGRESS",
  "EXECUTION_COMPLETED"
])
const decode = Schema.decodeUnknownEither(Phase)
const encode = Schema.encodeEither(Phase)

describe("ProtoEnum", () => {
  it("decodes every value name to itself", () => {
    const names = ["EXECUTION_PHASE_UNSPECIFIED", "EXECUTION_PENDING", "EXECUTION_IN_PROGRESS", "EXECUTION_COMPLETED"] as const
    for (const name of names) {
      assert.deepStrictEqual(decode(name), Either.right(name))
    }
  })

  it("decodes proto numbers to the name at that index", () => {
    assert.deepStrictEqual(decode(0), Either.right("EXECUTION_PHASE_UNSPECIFIED"))
    assert.deepStrictEqual(decode(1), Either.right("EXECUTION_PENDING"))
    assert.deepStrictEqual(decode(2), Either.right("EXECUTION_IN_PROGRESS"))
    assert.deepStrictEqual(decode(3), Either.right("EXECUTION_COMPLETED"))
  })

  it("rejects numbers out of range or not integers", () => {
    for (const n of [4, 100, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.isTrue(Either.isLeft(decode(n)), `expected ${n} to be rejected`)
    }
  })

  it("rejects unknown names, other casings and other types", () => {
    for (const v of ["EXECUTION_UNKNOWN", "execution_pending", "", "1", null, undefined, true, {}]) {
      assert.isTrue(Either.isLeft(decode(v)), `expected ${JSON.stringify(v)} to be rejected`)
    }
  })

  it.effect("explains the allowed values in its message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Schema.decodeUnknown(Phase)("NOPE"))
      assert.include(
        error.message,
        "expected one of EXECUTION_PHASE_UNSPECIFIED, EXECUTION_PENDING, EXECUTION_IN_PROGRESS, EXECUTION_COMPLETED (or its number)"
      )
      const fromNumber = yield* Effect.flip(Schema.decodeUnknown(Phase)(9))
      assert.include(fromNumber.message, "expected one of")
    }))

  it("encodes names as names (never numbers)", () => {
    assert.deepStrictEqual(encode("EXECUTION_PENDING"), Either.right("EXECUTION_PENDING"))
    assert.deepStrictEqual(encode("EXECUTION_PHASE_UNSPECIFIED"), Either.right("EXECUTION_PHASE_UNSPECIFIED"))
    assert.deepStrictEqual(encode("EXECUTION_COMPLETED"), Either.right("EXECUTION_COMPLETED"))
  })

  it("round-trips a number through decode and encode to the name", () => {
    const decoded = Schema.decodeUnknownSync(Phase)(2)
    assert.strictEqual(Schema.encodeSync(Phase)(decoded), "EXECUTION_IN_PROGRESS")
  })

  it("works inside a struct with the path in the error", () => {
    const S = Schema.Struct({ status: Schema.Struct({ phase: Phase }) })
    assert.deepStrictEqual(
      Schema.decodeUnknownEither(S)({ status: { phase: 1 } }),
      Either.right({ status: { phase: "EXECUTION_PENDING" } })
    )
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(S)({ status: { phase: 7 } })))
  })

  describe("firstNumber", () => {
    const Kind = ProtoEnum.make(["KIND_A", "KIND_B", "KIND_C"], { firstNumber: 1 })
    const decodeKind = Schema.decodeUnknownEither(Kind)

    it("numbers the names from firstNumber", () => {
      assert.deepStrictEqual(decodeKind(1), Either.right("KIND_A"))
      assert.deepStrictEqual(decodeKind(3), Either.right("KIND_C"))
      assert.deepStrictEqual(decodeKind("KIND_B"), Either.right("KIND_B"))
    })

    it("rejects numbers below firstNumber or past the last name", () => {
      assert.isTrue(Either.isLeft(decodeKind(0)))
      assert.isTrue(Either.isLeft(decodeKind(4)))
    })

    it("still encodes names", () => {
      assert.deepStrictEqual(Schema.encodeEither(Kind)("KIND_C"), Either.right("KIND_C"))
    })
  })
})
