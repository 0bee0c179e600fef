import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Expressions } from "../src/index.js"

const scope = (input: unknown, variables: Record<string, unknown> = {}): Expressions.Scope => ({ input, variables })

const run = <A, E>(f: (e: Expressions.ExpressionsShape) => Effect.Effect<A, E>) =>
  Effect.flatMap(Expressions.Expressions, f).pipe(Effect.provide(Expressions.layer))

describe("Expressions", () => {
  it("recognises only whole-string `${ }` as an expression", () => {
    assert.isTrue(Expressions.isExpression("${ .a }"))
    assert.isTrue(Expressions.isExpression("  ${.a}  "))
    assert.isFalse(Expressions.isExpression("Bearer ${ .token }"))
    assert.isFalse(Expressions.isExpression("${ .a } tail"))
    assert.isFalse(Expressions.isExpression(42))
  })

  it.effect("evaluates jq with the input as `.` and the variables by name", () =>
    run((e) =>
      Effect.gen(function*() {
        assert.strictEqual(yield* e.evaluate("${ -(.a) }", scope({ a: 3 })), -3)
        assert.strictEqual(yield* e.evaluate("${ \"Bearer \" + $env.TOKEN }", scope({}, { env: { TOKEN: "t" } })), "Bearer t")
        assert.deepStrictEqual(yield* e.evaluate(".items | map(. * 2)", scope({ items: [1, 2] })), [2, 4])
        assert.strictEqual(yield* e.evaluate("${ try error(\"x\") catch . }", scope(null)), "x")
        assert.strictEqual(yield* e.evaluate("${ .a[] }", scope({ a: [7, 8] })), 7, "first output")
        assert.strictEqual(yield* e.evaluate("${ empty }", scope({})), null, "no output is null")
        assert.strictEqual(yield* e.evaluate("${ $item.name }", scope({}, { item: { name: "n" } })), "n")
        assert.strictEqual(yield* e.evaluate("${ .[\"a key\"] }", scope({ "a key": 1 })), 1)
        assert.strictEqual(yield* e.evaluate("${ .list[-1] }", scope({ list: [1, 2] })), 2)
        assert.strictEqual(yield* e.evaluate("${ .missing.deeper }", scope({})), null)
      })
    ))

  it.effect("resolves expression leaves at any depth and keeps literal strings", () =>
    run((e) =>
      Effect.gen(function*() {
        const value = {
          a: "${ .x + 1 }",
          b: ["literal ${ .x }", { c: "${ $input.name }", d: 5, e: null }],
          f: "${ {y: .x} }"
        }
        const resolved = yield* e.resolve(value, scope({ x: 1 }, { input: { name: "n" } }))
        assert.deepStrictEqual(resolved, { a: 2, b: ["literal ${ .x }", { c: "n", d: 5, e: null }], f: { y: 1 } })
        assert.deepStrictEqual(yield* e.resolve({ plain: "text" }, scope({})), { plain: "text" })
      })
    ))

  it.effect("fails with type `expression`, naming the failing expression", () =>
    run((e) =>
      Effect.gen(function*() {
        const runtime = yield* Effect.flip(e.evaluate("${ .a.b }", scope({ a: 5 })))
        assert.strictEqual(runtime.type, "expression")
        assert.include(runtime.detail, "Cannot index number with string \"b\"")
        const syntax = yield* Effect.flip(e.evaluate("${ .a | | .b }", scope({})))
        assert.strictEqual(syntax.type, "expression")
        assert.include(syntax.detail, "syntax error")
        const undefinedVariable = yield* Effect.flip(e.evaluate("${ $nope }", scope({})))
        assert.include(undefinedVariable.detail, "$nope is not defined")
        const batch = yield* Effect.flip(e.resolve({ ok: "${ .a }", bad: "${ .a.b }", other: "${ 1 }" }, scope({ a: 1 })))
        assert.strictEqual(batch.type, "expression")
        assert.include(batch.detail, "Cannot index number")
        assert.include(batch.detail, ".a.b")
        const mixed = yield* Effect.flip(
          e.resolve({ fast: "${ .a }", concat: "${ \"x\" + .a }", jq: "${ .a | tostring }", bad: "${ .a | .[0] }" }, scope({ a: "s" }))
        )
        assert.include(mixed.detail, "Cannot index string with number")
        assert.include(mixed.detail, ".a | .[0]")
        assert.deepStrictEqual(
          yield* e.resolve({ fast: "${ .a }", concat: "${ \"x\" + .a }", jq: "${ .a | length }", n: "${ .n + 1 }" }, scope({ a: "s", n: 1 })),
          { fast: "s", concat: "xs", jq: 1, n: 2 }
        )
        const raised = yield* Effect.flip(e.evaluate("${ error(\"boom\") }", scope({})))
        assert.include(raised.detail, "boom")
      })
    ))

  it.live("an expression that runs too long fails (type expression) without blocking the process; the next one works", () =>
    Effect.gen(function*() {
      const e = yield* Effect.provide(Expressions.Expressions, Expressions.layerWith({ timeout: "300 millis" }))
      let ticks = 0
      const timer = setInterval(() => ticks++, 20)
      const error = yield* Effect.flip(e.evaluate("${ [range(1e12)] | length }", scope({})))
      clearInterval(timer)
      assert.strictEqual(error.type, "expression")
      assert.include(error.detail, "took longer than")
      assert.isAbove(ticks, 3, "the event loop kept running meanwhile")
      assert.strictEqual(yield* e.evaluate("${ .a | . * 2 }", scope({ a: 21 })), 42)
    }))

  it.effect("the fast path for plain paths agrees with jq", () =>
    Effect.gen(function*() {
      const cases: Array<[string, unknown]> = [
        [".a", null], [".a", 5], [".a", [1]], [".a", { a: { b: 1 } }], [".a.b", { a: { b: 2 } }],
        [".[0]", {}], [".[0]", "s"], [".[1]", [1, 2]], [".[-1]", [1, 2]], [".[5]", [1]], [".a[0]", { a: [9] }],
        ["$input.x", null], [".", { z: 1 }], [".a", true],
        ["\"Bearer \" + $input.s", null], ["\"Bearer \" + .t", { t: "tok" }], ["\"Bearer \" + .t", {}],
        ["\"Bearer \" + .t", { t: 5 }], [".a + .b", { a: "x", b: "y" }], [".a + .b", { a: 1, b: 2 }],
        ["\"a\" + .t + \"-\" + $input.s", { t: "m" }], [".a.b + \"x\"", { a: 3 }]
      ]
      const fast = yield* Effect.provide(Expressions.Expressions, Expressions.layer)
      const variables = { input: { x: 3, s: "str" } }
      const slow = yield* Effect.provide(Expressions.Expressions, Expressions.layerWith({ cacheSize: 0 }))
      for (const [expression, input] of cases) {
        const a = yield* Effect.exit(fast.evaluate(expression, scope(input, variables)))
        // `(…)` is neither a plain path nor a concatenation, so it goes through jq.
        const b = yield* Effect.exit(slow.evaluate(`(${expression})`, scope(input, variables)))
        assert.strictEqual(Exit.isSuccess(a), Exit.isSuccess(b), expression)
        if (Exit.isSuccess(a) && Exit.isSuccess(b)) assert.deepStrictEqual(a.value, b.value, expression)
        if (Exit.isFailure(a) && Exit.isFailure(b)) {
          const fa = yield* Effect.flip(a)
          const fb = yield* Effect.flip(b)
          assert.strictEqual(fa.detail.split(" (in")[0], fb.detail.split(" (in")[0], expression)
        }
      }
    }))
})
