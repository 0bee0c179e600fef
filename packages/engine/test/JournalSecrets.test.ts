/**
 * What activities journal: a result or an error that carries a secret value of the run
 * is sealed for the journal and opened again when read back; others pass as they are.
 */
import { assert, describe, it } from "@effect/vitest"
import { SecretBox } from "@weft/resource"
import { Effect, Either } from "effect"
import { randomBytes } from "node:crypto"
import * as JournalSecrets from "../src/internal/journalSecrets.js"
import * as TaskErrors from "../src/TaskError.js"

const box = SecretBox.make({ current: randomBytes(32) })
const secret = "tok-\"quoted\"-77e1"
const journal = JournalSecrets.make(box, [secret, "plain-but-secret"])

describe("journaled results", () => {
  it.effect("a result carrying a secret is journaled as one envelope, and read back as it was", () =>
    Effect.gen(function*() {
      const result = { body: { echo: `Bearer ${secret}` }, status: 200 }
      const journaled = yield* journal.seal(Effect.succeed(result))
      const text = JSON.stringify(journaled)
      assert.notInclude(text, "quoted")
      assert.isTrue(SecretBox.isEnvelope((journaled as Record<string, unknown>)["weft:sealed"]))
      assert.deepStrictEqual(yield* journal.open(Effect.succeed(journaled)), result)
    }))

  it.effect("a result without a secret is journaled as it is", () =>
    Effect.gen(function*() {
      const result = { region: "eu", list: [1, 2] }
      assert.deepStrictEqual(yield* journal.seal(Effect.succeed(result)), result)
      assert.deepStrictEqual(yield* journal.open(Effect.succeed(result)), result)
      assert.strictEqual(yield* journal.seal(Effect.succeed(undefined)), undefined)
    }))

  it.effect("an error's title and detail that carry a secret are sealed each, and opened again", () =>
    Effect.gen(function*() {
      const error = TaskErrors.make("http", `401 for plain-but-secret`, { status: 401 })
      const journaled = yield* Effect.flip(journal.seal(Effect.fail(error)))
      assert.isTrue(SecretBox.isEnvelope(journaled.detail))
      assert.strictEqual(journaled.title, error.title)
      assert.strictEqual(journaled.status, 401)
      const opened = yield* Effect.flip(journal.open(Effect.fail(journaled)))
      assert.deepStrictEqual(opened.toObject(), error.toObject())
    }))

  it.effect("a sealed result whose key is gone fails the task, saying so", () =>
    Effect.gen(function*() {
      const journaled = yield* journal.seal(Effect.succeed({ token: secret }))
      const other = JournalSecrets.make(SecretBox.make({ current: randomBytes(32) }), [secret])
      const failed = yield* Effect.either(other.open(Effect.succeed(journaled)))
      assert.isTrue(Either.isLeft(failed))
      assert.include(Either.isLeft(failed) ? failed.left.detail : "", "cannot be opened")
    }))

  it("a run without secrets journals everything as it is", () => {
    const none = JournalSecrets.make(box, [])
    const run = Effect.succeed({ a: 1 })
    assert.strictEqual(none.seal(run), run)
  })
})
