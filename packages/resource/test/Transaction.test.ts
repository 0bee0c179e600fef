/**
 * Transaction.run: after-commit hooks run only once the outermost weft transaction has
 * committed, in order, and never for a change that was rolled back.
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { Transaction } from "../src/index.js"
import { SqliteLive } from "./fixtures.js"

const setup = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE t (x TEXT)`).pipe(Effect.orDie)
const insert = (x: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO t (x) VALUES (${x})`).pipe(Effect.orDie)
/** Rows as a fresh read sees them: outside any transaction. */
const committedRows = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ x: string }>`SELECT x FROM t ORDER BY x`).pipe(
  Effect.map((rows) => rows.map((r) => r.x)),
  Effect.orDie
)

describe("Transaction.run", () => {
  it.effect("runs the hook after the commit, outside the transaction, with the result", () =>
    Effect.gen(function*() {
      yield* setup
      const seen: Array<unknown> = []
      const result = yield* Transaction.run(Effect.as(insert("a"), "done"), (value) =>
        Effect.gen(function*() {
          const inTransaction = (yield* Effect.serviceOption(SqlClient.TransactionConnection))._tag === "Some"
          seen.push({ value, inTransaction, rows: yield* committedRows })
        }))
      assert.strictEqual(result, "done")
      assert.deepStrictEqual(seen, [{ value: "done", inTransaction: false, rows: ["a"] }])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a rolled-back transaction runs no hook", () =>
    Effect.gen(function*() {
      yield* setup
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Transaction.run(Effect.zipRight(insert("a"), Effect.fail("no")), () => Effect.sync(() => void seen.push("hook")))
      )
      assert.strictEqual(error, "no")
      assert.deepStrictEqual(seen, [])
      assert.deepStrictEqual(yield* committedRows, [])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("nested: the inner hooks wait for the outer commit and run in order, before the outer's", () =>
    Effect.gen(function*() {
      yield* setup
      const seen: Array<string> = []
      const record = (name: string) => () =>
        Effect.flatMap(committedRows, (rows) => Effect.sync(() => void seen.push(`${name}:${rows.join(",")}`)))
      yield* Transaction.run(
        Effect.gen(function*() {
          yield* Transaction.run(insert("a"), record("inner1"))
          yield* Transaction.run(insert("b"), record("inner2"))
          assert.deepStrictEqual(seen, [], "no hook before the outer commit")
          yield* insert("c")
        }),
        record("outer")
      )
      assert.deepStrictEqual(seen, ["inner1:a,b,c", "inner2:a,b,c", "outer:a,b,c"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("nested: an inner transaction rolled back with the outer one runs no hook", () =>
    Effect.gen(function*() {
      yield* setup
      const seen: Array<string> = []
      yield* Effect.flip(Transaction.run(
        Effect.zipRight(
          Transaction.run(insert("a"), () => Effect.sync(() => void seen.push("inner"))),
          Effect.fail("outer failed")
        ),
        () => Effect.sync(() => void seen.push("outer"))
      ))
      assert.deepStrictEqual(seen, [])
      assert.deepStrictEqual(yield* committedRows, [])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("nested: an inner failure the outer recovers from drops only the inner hooks", () =>
    Effect.gen(function*() {
      yield* setup
      const seen: Array<string> = []
      yield* Transaction.run(
        Effect.gen(function*() {
          yield* Effect.either(Transaction.run(
            Effect.gen(function*() {
              yield* Transaction.run(insert("a"), () => Effect.sync(() => void seen.push("deep")))
              return yield* Effect.fail("inner failed")
            }),
            () => Effect.sync(() => void seen.push("inner"))
          ))
          yield* Transaction.run(insert("b"), () => Effect.sync(() => void seen.push("sibling")))
        }),
        () => Effect.sync(() => void seen.push("outer"))
      )
      assert.deepStrictEqual(seen, ["sibling", "outer"])
      assert.deepStrictEqual(yield* committedRows, ["b"])
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("a hook that dies is logged; the committed change still succeeds", () =>
    Effect.gen(function*() {
      yield* setup
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => void logs.push(String(message)))
      const result = yield* Transaction.run(Effect.as(insert("a"), 1), () => Effect.dieMessage("hook broke")).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger))
      )
      assert.strictEqual(result, 1)
      assert.deepStrictEqual(yield* committedRows, ["a"])
      assert.include(logs, "after-commit hook failed")
    }).pipe(Effect.provide(SqliteLive)))

  it.effect("inside a transaction the caller opened itself, the hook runs when weft's part is done", () =>
    Effect.gen(function*() {
      yield* setup
      const sql = yield* SqlClient.SqlClient
      const seen: Array<string> = []
      yield* sql.withTransaction(Effect.gen(function*() {
        yield* Transaction.run(insert("a"), () => Effect.sync(() => void seen.push("hook")))
        assert.deepStrictEqual(seen, ["hook"])
      })).pipe(Effect.orDie)
    }).pipe(Effect.provide(SqliteLive)))
})
