import { HttpApiSchema } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, ParseResult, Schema } from "effect"
import {
  Aborted,
  AlreadyExists,
  Errors,
  FailedPrecondition,
  Internal,
  InvalidArgument,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Resource,
  SecretValues,
  Unauthenticated,
  Unavailable
} from "../src/index.js"

const table = [
  { Class: InvalidArgument, tag: "InvalidArgument", code: "INVALID_ARGUMENT", status: 400 },
  { Class: Unauthenticated, tag: "Unauthenticated", code: "UNAUTHENTICATED", status: 401 },
  { Class: PermissionDenied, tag: "PermissionDenied", code: "PERMISSION_DENIED", status: 403 },
  { Class: NotFound, tag: "NotFound", code: "NOT_FOUND", status: 404 },
  { Class: AlreadyExists, tag: "AlreadyExists", code: "ALREADY_EXISTS", status: 409 },
  { Class: FailedPrecondition, tag: "FailedPrecondition", code: "FAILED_PRECONDITION", status: 409 },
  { Class: Aborted, tag: "Aborted", code: "ABORTED", status: 412 },
  { Class: PayloadTooLarge, tag: "PayloadTooLarge", code: "PAYLOAD_TOO_LARGE", status: 413 },
  { Class: Internal, tag: "Internal", code: "INTERNAL", status: 500 },
  { Class: Unavailable, tag: "Unavailable", code: "UNAVAILABLE", status: 503 }
] as const

describe("canonical errors", () => {
  for (const { Class, code, status, tag } of table) {
    describe(tag, () => {
      it.effect(`encodes to {code: "${code}", message}`, () =>
        Effect.gen(function*() {
          const error = new Class({ message: "something happened" })
          assert.strictEqual(error._tag, tag)
          assert.strictEqual(error.code, code)
          assert.strictEqual(error.message, "something happened")
          const encoded = yield* Schema.encode(Class as unknown as Schema.Schema<unknown, unknown>)(error)
          assert.deepStrictEqual(encoded, { _tag: tag, code, message: "something happened" })
          // The encoded body is plain JSON: it survives a JSON round trip unchanged.
          assert.deepStrictEqual(JSON.parse(JSON.stringify(encoded)), encoded)
        }))

      it(`carries HTTP status ${status}`, () => {
        assert.strictEqual(HttpApiSchema.getStatusError(Class), status)
        assert.strictEqual(HttpApiSchema.getStatusErrorAST(Class.ast), status)
      })

      it.effect("decodes its own encoding back to an instance of the class", () =>
        Effect.gen(function*() {
          const decoded = yield* Schema.decodeUnknown(Class as unknown as Schema.Schema<unknown, unknown>)({
            _tag: tag,
            code,
            message: "m"
          })
          assert.isTrue(decoded instanceof Class)
          assert.strictEqual((decoded as { message: string }).message, "m")
        }))

      it.effect("refuses a body with a different code", () =>
        Effect.gen(function*() {
          const exit = yield* Effect.exit(
            Schema.decodeUnknown(Class as unknown as Schema.Schema<unknown, unknown>)({
              _tag: tag,
              code: "SOMETHING_ELSE",
              message: "m"
            })
          )
          assert.isTrue(Exit.isFailure(exit))
        }))

      it.effect("is a yieldable failure", () =>
        Effect.gen(function*() {
          const error = new Class({ message: "boom" })
          const flipped = yield* Effect.flip(error as unknown as Effect.Effect<never, unknown>)
          assert.strictEqual(flipped, error)
        }))
    })
  }

  it("NotFound.of names the kind and the id", () => {
    const error = NotFound.of("Workflow", "abc")
    assert.strictEqual(error.message, "Workflow not found: abc")
    assert.strictEqual(error.code, "NOT_FOUND")
  })

  it("AlreadyExists.of names the kind, the org when there is one, and the slug", () => {
    assert.strictEqual(AlreadyExists.of("Workflow", undefined, "my-flow").message, "Workflow already exists: my-flow")
    assert.strictEqual(
      AlreadyExists.of("Workflow", "acme", "my-flow").message,
      "Workflow already exists in org acme: my-flow"
    )
  })

  it("Aborted.versionMismatch names the stored version and the If-Match value", () => {
    const error = Aborted.versionMismatch("WorkflowExecution", "wex-1", "\"2\"", 3)
    assert.strictEqual(error.code, "ABORTED")
    assert.include(error.message, "wex-1")
    assert.include(error.message, "\"3\"")
    assert.include(error.message, "\"2\"")
  })
})

describe("InvalidArgument.fromParseError", () => {
  const Body = Schema.Struct({
    metadata: Schema.Struct({ name: Schema.String }),
    spec: Schema.Struct({
      tasks: Schema.Array(Schema.Struct({ name: Schema.NonEmptyString, kind: Schema.Literal("A", "B") }))
    })
  })

  const fail = (input: unknown, prefix?: ReadonlyArray<PropertyKey>) =>
    Schema.decodeUnknown(Body, { errors: "all" })(input).pipe(
      Effect.flip,
      Effect.map((error) => InvalidArgument.fromParseError(error, { prefix }))
    )

  it.effect("names the field path of a nested array element", () =>
    Effect.gen(function*() {
      const error = yield* fail({ metadata: { name: "x" }, spec: { tasks: [{ name: 1, kind: "A" }] } })
      assert.instanceOf(error, InvalidArgument)
      assert.strictEqual(error.code, "INVALID_ARGUMENT")
      assert.isTrue(error.message.startsWith("spec.tasks[0].name: "), error.message)
    }))

  it.effect("names a missing field", () =>
    Effect.gen(function*() {
      const error = yield* fail({ spec: { tasks: [] } })
      assert.strictEqual(error.message, "metadata: is missing")
    }))

  it.effect("lists several issues, each with its path", () =>
    Effect.gen(function*() {
      const error = yield* fail({
        metadata: {},
        spec: { tasks: [{ name: "a", kind: "A" }, { name: "b", kind: "Z" }] }
      })
      assert.include(error.message, "metadata.name: is missing")
      assert.include(error.message, "spec.tasks[1].kind: ")
      assert.include(error.message, "; ")
    }))

  it.effect("puts the prefix in front of every path", () =>
    Effect.gen(function*() {
      const error = yield* fail({ metadata: { name: "x" }, spec: { tasks: [{ name: "", kind: "A" }] } }, ["body"])
      assert.isTrue(error.message.startsWith("body.spec.tasks[0].name: "), error.message)
    }))

  it.effect("names five issues in full and counts the rest", () =>
    Effect.gen(function*() {
      const tasks = Array.from({ length: 8 }, () => ({ name: 1, kind: "A" }))
      const error = yield* fail({ metadata: { name: "x" }, spec: { tasks } })
      const parts = error.message.split("; ")
      assert.strictEqual(parts.length, 5)
      assert.deepStrictEqual(parts.map((part) => part.slice(0, part.indexOf(":"))), [0, 1, 2, 3, 4].map((i) =>
        `spec.tasks[${i}].name`
      ))
      assert.isTrue(error.message.endsWith(" (and 3 more)"), error.message)
    }))

  it.effect("has no path prefix for a top-level type mismatch", () =>
    Effect.gen(function*() {
      const error = yield* fail("not an object")
      assert.isFalse(error.message.startsWith(":"), error.message)
      assert.include(error.message, "Expected")
    }))

  it.effect("names an issue of the whole value by the subject", () =>
    Effect.gen(function*() {
      const error = yield* Schema.decodeUnknown(Body)("not an object").pipe(
        Effect.flip,
        Effect.map((error) => InvalidArgument.fromParseError(error, { subject: "body" }))
      )
      assert.isTrue(error.message.startsWith("body: Expected "), error.message)
    }))

  it.effect("keeps the message short however large the offending value", () =>
    Effect.gen(function*() {
      const huge = "x".repeat(400_000)
      const error = yield* fail({ metadata: { name: huge }, spec: { tasks: [{ name: huge, kind: huge }] } })
      assert.isAtMost(error.message.length, Errors.messageLimit + 2)
      assert.include(error.message, "spec.tasks[0].kind: ")
    }))
})

describe("formatIssues", () => {
  it("drops the noise of an optional field's undefined branch and the encoded side", () => {
    const message = Errors.formatIssues([
      { _tag: "Type", path: ["a"], message: "Expected undefined, actual 1" },
      { _tag: "Type", path: ["a"], message: "Expected string, actual 1 (Encoded side)" }
    ])
    assert.strictEqual(message, "a: Expected string, actual 1")
  })

  it("clipWords cuts long text at a word boundary and marks it", () => {
    const text = Array.from({ length: 200 }, (_, i) => `WORD_${i}`).join(", ")
    const clipped = Errors.clipWords(text, 100)
    assert.isAtMost(clipped.length, 101)
    assert.match(clipped, /WORD_\d+ …$/)
    const words = clipped.slice(0, -2).split(", ")
    assert.deepStrictEqual(words, Array.from({ length: words.length }, (_, i) => `WORD_${i}`))
    assert.strictEqual(Errors.clipWords("short", 100), "short")
  })
})

describe("Resource.body", () => {
  const Input = Resource.input("Thing", Schema.Struct({ size: Schema.Number, color: Schema.String }))
  const message = (body: unknown) =>
    Schema.decodeUnknown(Input)(body).pipe(
      Effect.flip,
      Effect.map((error) => Errors.formatParseError(error, { subject: "body" }))
    )

  it.effect("an absent body is required", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* message(null), "body: is required")
      assert.strictEqual(yield* message(undefined), "body: is required")
      assert.strictEqual(yield* message("text"), "body: must be a JSON object")
      assert.strictEqual(yield* message([]), "body: must be a JSON object")
    }))

  it.effect("a list or a map reports its first bad entry only, however many there are", () =>
    Effect.gen(function*() {
      const Lists = Resource.input("Lists", Schema.Struct({
        items: Schema.Array(Schema.Struct({ n: Schema.Number, s: Schema.String })),
        byKey: Schema.Record({ key: Schema.String, value: Schema.Number }),
        name: Schema.String
      }))
      const many = 100_000
      const error = yield* Effect.flip(Schema.decodeUnknown(Lists)({
        spec: {
          items: Array.from({ length: many }, () => ({})),
          byKey: Object.fromEntries(Array.from({ length: many }, (_, i) => [`k${i}`, "x"]))
        }
      }))
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      assert.deepStrictEqual(issues.map((issue) => issue.path), [["spec", "items", 0, "n"], ["spec", "byKey", "k0"], [
        "spec",
        "name"
      ]])
    }))

  it.effect("every issue is reported without asking for it, and field messages are kept", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* message({ spec: { size: "big" } }),
        "spec.size: Expected number, actual \"big\"; spec.color: is missing"
      )
    }))
})

describe("secret values in parse errors", () => {
  const Values = Schema.Struct({
    data: Schema.optional(Schema.Record({
      key: Schema.String,
      value: Schema.Struct({ value: Schema.optional(Schema.String), isSecret: Schema.optional(Schema.Boolean) })
    }))
  })
  const long = `s3cr3t-${"x".repeat(400)}`

  it.effect("every value the input marks secret is hidden before the issue is clipped, so no part of it is quoted", () =>
    Effect.gen(function*() {
      const input = { data: { A: { value: { token: long }, isSecret: true }, PLAIN: { value: 7 } } }
      const error = yield* Schema.decodeUnknown(Values, { errors: "all" })(input).pipe(Effect.flip)
      // Unhidden, the issue quotes the refused value.
      assert.include(InvalidArgument.fromParseError(error).message, "s3cr3t")
      const message = InvalidArgument.fromParseError(error, { hide: SecretValues.hide(SecretValues.secretsIn(input)) })
        .message
      assert.include(message, "data.A.value")
      assert.include(message, "[secret]")
      assert.notInclude(message, "s3cr3t")
      assert.notInclude(message, "xxxx")
      // Unmarked values are quoted as before.
      assert.include(message, "actual 7")
    }))

  it("secretsIn finds values marked secret at any depth, malformed ones too, as text and as JSON quotes them", () => {
    const secrets = SecretValues.secretsIn({
      list: [{ value: 4242, isSecret: true }],
      deep: { C: { value: "say \"hi\"", isSecret: 1 } },
      off: { value: "shown", isSecret: false },
      plain: { value: "also shown" }
    })
    assert.sameMembers([...secrets], ["4242", "say \"hi\"", "say \\\"hi\\\""])
    assert.strictEqual(SecretValues.hide(secrets)("a 4242 b say \\\"hi\\\" c"), "a [secret] b [secret] c")
  })
})

describe("formatPath", () => {
  it("joins keys with dots and indexes with brackets", () => {
    assert.strictEqual(Errors.formatPath([]), "")
    assert.strictEqual(Errors.formatPath(["spec"]), "spec")
    assert.strictEqual(Errors.formatPath(["spec", "tasks", 0, "name"]), "spec.tasks[0].name")
    assert.strictEqual(Errors.formatPath(["a", 1, 2, "b"]), "a[1][2].b")
    assert.strictEqual(Errors.formatPath([0, "a"]), "[0].a")
  })
})
