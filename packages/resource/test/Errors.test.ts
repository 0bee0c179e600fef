import { HttpApiSchema } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
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
      Effect.map((error) => InvalidArgument.fromParseError(error, prefix))
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

  it.effect("reports at most five issues", () =>
    Effect.gen(function*() {
      const tasks = Array.from({ length: 8 }, () => ({ name: 1, kind: "A" }))
      const error = yield* fail({ metadata: { name: "x" }, spec: { tasks } })
      assert.strictEqual(error.message.split("; ").length, 5)
    }))

  it.effect("has no path prefix for a top-level type mismatch", () =>
    Effect.gen(function*() {
      const error = yield* fail("not an object")
      assert.isFalse(error.message.startsWith(":"), error.message)
      assert.include(error.message, "Expected")
    }))
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
