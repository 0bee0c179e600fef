import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, Option } from "effect"
import { Aborted, AlreadyExists, InvalidArgument, ResourceId, ResourceKind, ResourceStore, TestDatabase } from "../src/index.js"
import { bump, fake, type FakeExecution, storeOn, table } from "./fixtures.js"

const Store = ResourceStore.ResourceStore

/** Pages through the whole list, calling `between` after each page. */
const collect = (
  query: Omit<ResourceStore.ListQuery, "pageToken">,
  between: (page: number) => Effect.Effect<void, unknown, ResourceStore.ResourceStore> = () => Effect.void
) =>
  Effect.gen(function*() {
    const store = yield* Store
    const seen: Array<FakeExecution> = []
    let token: string | undefined = undefined
    let pages = 0
    do {
      const page: ResourceStore.Page<FakeExecution> = yield* store.list(table, { ...query, pageToken: token })
      pages++
      seen.push(...page.entries)
      token = page.nextPageToken
      if (token !== undefined) yield* between(pages)
    } while (token !== undefined && pages < 1000)
    return { seen, pages }
  })

const ids = (rs: ReadonlyArray<FakeExecution>) => rs.map((r) => r.metadata.id)

/** Inserts `n` fakes in order (so their ids ascend) and returns them. */
const insertMany = (n: number, options: Parameters<typeof fake>[0] = {}) =>
  Effect.gen(function*() {
    const store = yield* Store
    const out: Array<FakeExecution> = []
    for (let i = 0; i < n; i++) out.push(yield* store.insert(table, fake(options)))
    return out
  })

describe.each(TestDatabase.backends)("ResourceStore on %s", (backend) => {
  const StoreLive = storeOn(backend)

  describe("insert / get / getBySlug", () => {
    it.effect("stores a resource and reads it back by id and by slug", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const r = fake({ slug: "first", org: "acme" })
        const inserted = yield* store.insert(table, r)
        assert.deepStrictEqual(inserted, r)
        assert.deepStrictEqual(yield* store.get(table, r.metadata.id), Option.some(r))
        assert.deepStrictEqual(yield* store.getBySlug(table, "acme", "first"), Option.some(r))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("get and getBySlug are None when absent", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* store.insert(table, fake({ slug: "present", org: "acme" }))
        assert.isTrue(Option.isNone(yield* store.get(table, ResourceId.makeSync(ResourceKind.WorkflowExecution))))
        assert.isTrue(Option.isNone(yield* store.getBySlug(table, "acme", "absent")))
        // getBySlug is org-scoped.
        assert.isTrue(Option.isNone(yield* store.getBySlug(table, "other", "present")))
        assert.isTrue(Option.isNone(yield* store.getBySlug(table, undefined, "present")))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a resource without org is found with org undefined", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const r = fake({ slug: "no-org" })
        yield* store.insert(table, r)
        assert.deepStrictEqual(yield* store.getBySlug(table, undefined, "no-org"), Option.some(r))
        assert.isTrue(Option.isNone(yield* store.getBySlug(table, "acme", "no-org")))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("the same slug in two orgs (and without org) is fine", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const a = yield* store.insert(table, fake({ slug: "shared", org: "a" }))
        const b = yield* store.insert(table, fake({ slug: "shared", org: "b" }))
        const none = yield* store.insert(table, fake({ slug: "shared" }))
        assert.deepStrictEqual(yield* store.getBySlug(table, "a", "shared"), Option.some(a))
        assert.deepStrictEqual(yield* store.getBySlug(table, "b", "shared"), Option.some(b))
        assert.deepStrictEqual(yield* store.getBySlug(table, undefined, "shared"), Option.some(none))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("the same slug twice in one org is ALREADY_EXISTS and stores nothing", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const first = yield* store.insert(table, fake({ slug: "dup", org: "acme" }))
        const second = fake({ slug: "dup", org: "acme" })
        const error = yield* Effect.flip(store.insert(table, second))
        assert.instanceOf(error, AlreadyExists)
        assert.strictEqual(error.code, "ALREADY_EXISTS")
        assert.strictEqual(error.message, "WorkflowExecution already exists in org acme: dup")
        assert.isTrue(Option.isNone(yield* store.get(table, second.metadata.id)))
        assert.deepStrictEqual(yield* store.getBySlug(table, "acme", "dup"), Option.some(first))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("the same slug twice without org is ALREADY_EXISTS", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* store.insert(table, fake({ slug: "dup" }))
        const error = yield* Effect.flip(store.insert(table, fake({ slug: "dup" })))
        assert.instanceOf(error, AlreadyExists)
        assert.strictEqual(error.message, "WorkflowExecution already exists: dup")
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a reused id is ALREADY_EXISTS and does not overwrite the stored resource", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const original = yield* store.insert(table, fake({ slug: "original" }))
        const intruder = fake({ slug: "intruder", id: original.metadata.id })
        const error = yield* Effect.flip(store.insert(table, intruder))
        assert.instanceOf(error, AlreadyExists)
        assert.deepStrictEqual(yield* store.get(table, original.metadata.id), Option.some(original))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("fills the query columns from the document", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sql = yield* SqlClient.SqlClient
        const r = fake({ slug: "cols", org: "acme", workflowId: "wfl-x", phase: "EXECUTION_IN_PROGRESS" })
        yield* store.insert(table, r)
        const rows = yield* sql<{
          id: string
          org: string
          slug: string
          version: number
          created_at: string
          phase: string
          workflow_id: string
        }>`SELECT id, org, slug, version, created_at, phase, workflow_id FROM workflow_executions`
        assert.deepStrictEqual(rows.map((row) => ({ ...row })), [{
          id: r.metadata.id,
          org: "acme",
          slug: "cols",
          version: 1,
          created_at: "2024-01-01T00:00:00.000Z",
          phase: "EXECUTION_IN_PROGRESS",
          workflow_id: "wfl-x"
        }])
      }).pipe(Effect.provide(StoreLive)))

    it.effect("two concurrent inserts of one slug: exactly one succeeds, the other is ALREADY_EXISTS", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const a = fake({ slug: "race", org: "acme" })
        const b = fake({ slug: "race", org: "acme" })
        const results = yield* Effect.all(
          [store.insert(table, a), store.insert(table, b)],
          { concurrency: "unbounded", mode: "either" }
        )
        const wins = results.filter(Either.isRight)
        const losses = results.filter(Either.isLeft)
        assert.strictEqual(wins.length, 1)
        assert.strictEqual(losses.length, 1)
        assert.instanceOf(losses[0].left, AlreadyExists)
        const stored = yield* store.getBySlug(table, "acme", "race")
        assert.deepStrictEqual(stored, Option.some(wins[0].right))
        const all = yield* store.list(table, { pageSize: 10 })
        assert.strictEqual(all.entries.length, 1)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("many concurrent inserts of one slug: exactly one succeeds", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => store.insert(table, fake({ slug: "stampede" }))),
          { concurrency: "unbounded", mode: "either" }
        )
        assert.strictEqual(results.filter(Either.isRight).length, 1)
        const losses = results.filter(Either.isLeft)
        assert.strictEqual(losses.length, 19)
        for (const loss of losses) assert.instanceOf(loss.left, AlreadyExists)
      }).pipe(Effect.provide(StoreLive)))
  })

  describe("update", () => {
    it.effect("writes version+1 and the new document and columns", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const v1 = yield* store.insert(table, fake({ slug: "u", phase: "EXECUTION_PENDING" }))
        const v2 = bump(v1, { note: "changed" }, "EXECUTION_IN_PROGRESS")
        assert.deepStrictEqual(yield* store.update(table, v2, v1), v2)
        const stored = yield* store.get(table, v1.metadata.id)
        assert.deepStrictEqual(stored, Option.some(v2))
        const byPhase = yield* store.list(table, { pageSize: 10, where: { phase: "EXECUTION_IN_PROGRESS" } })
        assert.deepStrictEqual(ids(byPhase.entries), [v1.metadata.id])
        const oldPhase = yield* store.list(table, { pageSize: 10, where: { phase: "EXECUTION_PENDING" } })
        assert.strictEqual(oldPhase.entries.length, 0)
        const v3 = bump(v2, { note: "again" })
        yield* store.update(table, v3, v2)
        assert.deepStrictEqual(yield* store.get(table, v1.metadata.id), Option.some(v3))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("keeps the created_at column", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sql = yield* SqlClient.SqlClient
        const v1 = yield* store.insert(table, fake({ slug: "keep" }))
        const v2 = {
          ...bump(v1),
          status: {
            ...v1.status,
            audit: {
              specAudit: { ...v1.status.audit.specAudit, createdAt: "2030-01-01T00:00:00.000Z", updatedAt: "2030-01-01T00:00:00.000Z" },
              statusAudit: v1.status.audit.statusAudit
            }
          }
        }
        yield* store.update(table, v2, v1)
        const rows = yield* sql<{ created_at: string; updated_at: string }>`SELECT created_at, updated_at FROM workflow_executions`
        assert.strictEqual(rows[0].created_at, "2024-01-01T00:00:00.000Z")
        assert.strictEqual(rows[0].updated_at, "2030-01-01T00:00:00.000Z")
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a stale write (the stored version moved on) is ABORTED and changes nothing", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const v1 = yield* store.insert(table, fake({ slug: "stale" }))
        // Two writers both start from v1; the first one wins.
        const mine = bump(v1, { note: "mine" })
        const theirs = bump(v1, { note: "theirs" })
        yield* store.update(table, mine, v1)
        const error = yield* Effect.flip(store.update(table, theirs, v1))
        assert.instanceOf(error, Aborted)
        assert.strictEqual(error.code, "ABORTED")
        assert.include(error.message, v1.metadata.id)
        assert.deepStrictEqual(yield* store.get(table, v1.metadata.id), Option.some(mine))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a version that skips ahead or stays the same is ABORTED", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const v1 = yield* store.insert(table, fake({ slug: "skip" }))
        const skip = bump(bump(v1))
        assert.instanceOf(yield* Effect.flip(store.update(table, skip, v1)), Aborted)
        assert.instanceOf(yield* Effect.flip(store.update(table, v1, v1)), Aborted)
        assert.deepStrictEqual(yield* store.get(table, v1.metadata.id), Option.some(v1))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("concurrent updates from one version: exactly one wins", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const v1 = yield* store.insert(table, fake({ slug: "contended" }))
        const results = yield* Effect.all(
          Array.from({ length: 10 }, (_, i) => store.update(table, bump(v1, { note: `w${i}` }), v1)),
          { concurrency: "unbounded", mode: "either" }
        )
        const wins = results.filter(Either.isRight)
        assert.strictEqual(wins.length, 1)
        for (const loss of results.filter(Either.isLeft)) assert.instanceOf(loss.left, Aborted)
        assert.deepStrictEqual(yield* store.get(table, v1.metadata.id), Option.some(wins[0].right))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("updating an absent resource is ABORTED (callers check existence first)", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const ghost = bump(fake({ slug: "ghost" }))
        assert.instanceOf(yield* Effect.flip(store.update(table, ghost, ghost)), Aborted)
        assert.isTrue(Option.isNone(yield* store.get(table, ghost.metadata.id)))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("changing the slug to a taken one is ALREADY_EXISTS", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* store.insert(table, fake({ slug: "taken" }))
        const other = yield* store.insert(table, fake({ slug: "other" }))
        const next = { ...bump(other), metadata: { ...bump(other).metadata, slug: "taken" } }
        const error = yield* Effect.flip(store.update(table, next, other))
        assert.instanceOf(error, AlreadyExists)
        assert.deepStrictEqual(yield* store.get(table, other.metadata.id), Option.some(other))
      }).pipe(Effect.provide(StoreLive)))
  })

  describe("delete", () => {
    it.effect("returns the deleted document and removes it", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const r = yield* store.insert(table, fake({ slug: "doomed", org: "acme" }))
        const keep = yield* store.insert(table, fake({ slug: "kept", org: "acme" }))
        assert.deepStrictEqual(yield* store.delete(table, r.metadata.id), Option.some(r))
        assert.isTrue(Option.isNone(yield* store.get(table, r.metadata.id)))
        assert.isTrue(Option.isNone(yield* store.getBySlug(table, "acme", "doomed")))
        assert.deepStrictEqual(yield* store.get(table, keep.metadata.id), Option.some(keep))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("is None when there is nothing to delete (also the second time)", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const r = yield* store.insert(table, fake())
        assert.isTrue(Option.isSome(yield* store.delete(table, r.metadata.id)))
        assert.isTrue(Option.isNone(yield* store.delete(table, r.metadata.id)))
        assert.isTrue(Option.isNone(yield* store.delete(table, "wex-00000000000000000000000000")))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("frees the slug for a new resource", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const r = yield* store.insert(table, fake({ slug: "reuse" }))
        yield* store.delete(table, r.metadata.id)
        const again = yield* store.insert(table, fake({ slug: "reuse" }))
        assert.deepStrictEqual(yield* store.getBySlug(table, undefined, "reuse"), Option.some(again))
      }).pipe(Effect.provide(StoreLive)))
  })

  describe("list", () => {
    it.effect("is empty on an empty table, with no nextPageToken", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const page = yield* store.list(table, { pageSize: 10 })
        assert.deepStrictEqual(page, { entries: [] })
        assert.isFalse("nextPageToken" in page)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("lists newest first", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const inserted = yield* insertMany(5)
        const page = yield* store.list(table, { pageSize: 10 })
        assert.deepStrictEqual(page.entries, [...inserted].reverse())
        assert.isUndefined(page.nextPageToken)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("honours pageSize and omits nextPageToken on the last page", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const inserted = yield* insertMany(7)
        const newestFirst = ids([...inserted].reverse())

        const p1 = yield* store.list(table, { pageSize: 3 })
        assert.deepStrictEqual(ids(p1.entries), newestFirst.slice(0, 3))
        assert.isString(p1.nextPageToken)

        const p2 = yield* store.list(table, { pageSize: 3, pageToken: p1.nextPageToken })
        assert.deepStrictEqual(ids(p2.entries), newestFirst.slice(3, 6))
        assert.isString(p2.nextPageToken)

        const p3 = yield* store.list(table, { pageSize: 3, pageToken: p2.nextPageToken })
        assert.deepStrictEqual(ids(p3.entries), newestFirst.slice(6))
        assert.isFalse("nextPageToken" in p3)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a page token of another kind is refused", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const foreign = ResourceStore.encodePageToken(ResourceId.makeSync(ResourceKind.Workflow))
        const result = yield* Effect.either(store.list(table, { pageSize: 3, pageToken: foreign }))
        assert.isTrue(Either.isLeft(result) && result.left instanceof InvalidArgument)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a page that exactly fills the rest has no nextPageToken", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* insertMany(4)
        const p1 = yield* store.list(table, { pageSize: 2 })
        assert.isString(p1.nextPageToken)
        const p2 = yield* store.list(table, { pageSize: 2, pageToken: p1.nextPageToken })
        assert.strictEqual(p2.entries.length, 2)
        assert.isUndefined(p2.nextPageToken)
        const all = yield* store.list(table, { pageSize: 4 })
        assert.strictEqual(all.entries.length, 4)
        assert.isUndefined(all.nextPageToken)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("pageSize 1 walks every item once", () =>
      Effect.gen(function*() {
        const inserted = yield* insertMany(6)
        const { pages, seen } = yield* collect({ pageSize: 1 })
        assert.deepStrictEqual(ids(seen), ids([...inserted].reverse()))
        assert.strictEqual(pages, 6)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("filters by one value", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const a = yield* insertMany(3, { workflowId: "wfl-a" })
        yield* insertMany(2, { workflowId: "wfl-b" })
        const page = yield* store.list(table, { pageSize: 10, where: { workflow_id: "wfl-a" } })
        assert.deepStrictEqual(ids(page.entries), ids([...a].reverse()))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("filters by an array of values (any of), and by several columns (all of)", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const p = yield* store.insert(table, fake({ phase: "EXECUTION_PENDING", workflowId: "wfl-a" }))
        const r = yield* store.insert(table, fake({ phase: "EXECUTION_IN_PROGRESS", workflowId: "wfl-a" }))
        yield* store.insert(table, fake({ phase: "EXECUTION_COMPLETED", workflowId: "wfl-a" }))
        const rb = yield* store.insert(table, fake({ phase: "EXECUTION_IN_PROGRESS", workflowId: "wfl-b" }))

        const anyOf = yield* store.list(table, {
          pageSize: 10,
          where: { phase: ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS"] }
        })
        assert.deepStrictEqual(ids(anyOf.entries), ids([rb, r, p]))

        const both = yield* store.list(table, {
          pageSize: 10,
          where: { phase: ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS"], workflow_id: "wfl-a" }
        })
        assert.deepStrictEqual(ids(both.entries), ids([r, p]))

        const single = yield* store.list(table, { pageSize: 10, where: { phase: ["EXECUTION_COMPLETED"] } })
        assert.strictEqual(single.entries.length, 1)

        const nothing = yield* store.list(table, { pageSize: 10, where: { phase: "EXECUTION_FAILED" } })
        assert.deepStrictEqual(nothing, { entries: [] })
      }).pipe(Effect.provide(StoreLive)))

    it.effect("an undefined filter or an empty array is no filter", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* insertMany(3)
        assert.strictEqual((yield* store.list(table, { pageSize: 10, where: { phase: undefined } })).entries.length, 3)
        assert.strictEqual((yield* store.list(table, { pageSize: 10, where: { phase: [] } })).entries.length, 3)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("filters by org", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const a = yield* insertMany(2, { org: "a" })
        yield* insertMany(2, { org: "b" })
        yield* insertMany(1)
        const page = yield* store.list(table, { pageSize: 10, where: { org: "a" } })
        assert.deepStrictEqual(ids(page.entries), ids([...a].reverse()))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("paging keeps the filter", () =>
      Effect.gen(function*() {
        const a = yield* insertMany(5, { workflowId: "wfl-a" })
        yield* insertMany(5, { workflowId: "wfl-b" })
        const { seen } = yield* collect({ pageSize: 2, where: { workflow_id: "wfl-a" } })
        assert.deepStrictEqual(ids(seen), ids([...a].reverse()))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a malformed pageToken is INVALID_ARGUMENT naming pageToken", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* insertMany(2)
        for (const token of ["", "garbage!!", "not-a-token", ResourceStore.encodePageToken("hello"), "d2V4LQ"]) {
          const error = yield* Effect.flip(store.list(table, { pageSize: 10, pageToken: token }))
          assert.instanceOf(error, InvalidArgument)
          assert.strictEqual(error.code, "INVALID_ARGUMENT")
          assert.include(error.message, "pageToken")
        }
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a pageSize that is not a positive integer is INVALID_ARGUMENT (not a 500)", () =>
      Effect.gen(function*() {
        const store = yield* Store
        yield* insertMany(2)
        for (const pageSize of [0, -5, 2.5, Number.NaN]) {
          const error = yield* Effect.flip(store.list(table, { pageSize }))
          assert.instanceOf(error, InvalidArgument)
          assert.include(error.message, "pageSize")
        }
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a filter on an unknown column is a defect, not a user error", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const exit = yield* Effect.exit(store.list(table, { pageSize: 10, where: { "1=1; DROP TABLE x": "y" } }))
        assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("paging while rows are inserted and deleted returns each item that existed throughout exactly once", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const initial = yield* insertMany(20)
        // Rows deleted while paging: some already seen, some not yet seen (including
        // the row whose id is the page token).
        const deleted = new Set<string>()
        const { seen } = yield* collect({ pageSize: 3 }, (page) =>
          Effect.gen(function*() {
            // New rows (newer than everything: they belong before the cursor)...
            yield* store.insert(table, fake())
            yield* store.insert(table, fake())
            // ...and deletions of the page's last row (the cursor) and of a row not seen yet.
            const newestFirst = [...initial].reverse()
            const seenBoundary = newestFirst[page * 3 - 1] // the last item of this page = token
            const ahead = newestFirst[page * 3 + 1] // not yet seen
            for (const victim of [seenBoundary, ahead]) {
              if (victim !== undefined && !deleted.has(victim.metadata.id)) {
                deleted.add(victim.metadata.id)
                yield* store.delete(table, victim.metadata.id)
              }
            }
          }))
        const seenIds = ids(seen)
        // No item is returned twice.
        assert.strictEqual(new Set(seenIds).size, seenIds.length)
        // Every item that existed throughout is returned exactly once.
        const throughout = ids(initial).filter((id) => !deleted.has(id))
        for (const id of throughout) {
          assert.strictEqual(seenIds.filter((s) => s === id).length, 1, `missing or duplicated ${id}`)
        }
        // Newest first, still.
        assert.deepStrictEqual(seenIds, [...seenIds].sort().reverse())
        assert.isTrue(deleted.size > 5)
      }).pipe(Effect.provide(StoreLive)))
  })

  describe("exists", () => {
    it.effect("matches on columns, with exceptId left out", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const a = yield* store.insert(table, fake({ slug: "a", org: "acme", workflowId: "wfl-1" }))
        assert.isTrue(yield* store.exists(table, { workflow_id: "wfl-1" }))
        assert.isFalse(yield* store.exists(table, { workflow_id: "wfl-2" }))
        assert.isTrue(yield* store.exists(table, { org: "acme", slug: "a" }))
        assert.isFalse(yield* store.exists(table, { org: "other", slug: "a" }))
        assert.isTrue(yield* store.exists(table, { workflow_id: ["wfl-2", "wfl-1"] }))
        // The only match is the excepted row.
        assert.isFalse(yield* store.exists(table, { workflow_id: "wfl-1" }, a.metadata.id))
        const b = yield* store.insert(table, fake({ slug: "b", workflowId: "wfl-1" }))
        assert.isTrue(yield* store.exists(table, { workflow_id: "wfl-1" }, a.metadata.id))
        assert.isTrue(yield* store.exists(table, { workflow_id: "wfl-1" }, b.metadata.id))
      }).pipe(Effect.provide(StoreLive)))

    it.effect("with no filter: whether the table has any row (other than exceptId)", () =>
      Effect.gen(function*() {
        const store = yield* Store
        assert.isFalse(yield* store.exists(table, {}))
        const a = yield* store.insert(table, fake())
        assert.isTrue(yield* store.exists(table, {}))
        assert.isFalse(yield* store.exists(table, {}, a.metadata.id))
      }).pipe(Effect.provide(StoreLive)))
  })

  describe("page tokens", () => {
    it("round-trip an id and are opaque (not the raw id)", () => {
      const id = ResourceId.makeSync(ResourceKind.WorkflowExecution)
      const token = ResourceStore.encodePageToken(id)
      assert.notStrictEqual(token, id)
      assert.match(token, /^[A-Za-z0-9_-]+$/)
      assert.strictEqual(Effect.runSync(ResourceStore.decodePageToken(token)), id)
    })
  })

  it.effect("each test gets its own database", () =>
    Effect.gen(function*() {
      const store = yield* Store
      const page = yield* store.list(table, { pageSize: 1000 })
      assert.strictEqual(page.entries.length, 0)
    }).pipe(Effect.provide(StoreLive)))

  describe("getForUpdate", () => {
    it.live("concurrent read-modify-writes of one resource in transactions all land, none ABORTED", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sql = yield* SqlClient.SqlClient
        const v1 = yield* store.insert(table, fake({ slug: "counter" }))
        const increment = (i: number) =>
          sql.withTransaction(Effect.gen(function*() {
            const current = Option.getOrThrow(yield* store.getForUpdate(table, v1.metadata.id))
            yield* store.update(table, bump(current, { note: `${current.spec.note ?? ""}${i},` }), current)
          }))
        yield* Effect.all(Array.from({ length: 12 }, (_, i) => increment(i)), { concurrency: "unbounded" })
        const stored = Option.getOrThrow(yield* store.get(table, v1.metadata.id))
        assert.strictEqual(stored.metadata.version, 13)
        assert.sameMembers(stored.spec.note!.split(",").filter((x) => x !== ""), Array.from({ length: 12 }, (_, i) => `${i}`))
      }).pipe(Effect.provide(StoreLive)))
  })
})
