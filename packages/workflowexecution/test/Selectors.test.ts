/**
 * Label selectors and creation-time windows on the lists of every kind (the store's
 * labels table and id ranges), and in the feed's filter. One fresh in-memory SQLite per test.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { LabelSelector, ResourceStore } from "@weft/resource"
import { Effect, Schema, TestClock } from "effect"
import { FeedWorkflowExecutionsParams, matchesFeed, type WorkflowExecution } from "../src/index.js"
import { createWorkflow, executionBody, instanceBody, services, TestLayer } from "./fixtures.js"

const selector = (text: string): LabelSelector.LabelSelector => {
  const parsed = LabelSelector.parse(text)
  if ("error" in parsed) throw new Error(parsed.error)
  return parsed
}

const names = (page: { readonly entries: ReadonlyArray<{ readonly metadata: { readonly name: string } }> }) =>
  page.entries.map((e) => e.metadata.name)

const T0 = Date.UTC(2026, 0, 31, 12, 0, 0)
const iso = (millis: number) => new Date(millis).toISOString()

/** Five runs a minute apart from T0, labelled. */
const populate = Effect.gen(function*() {
  const { executions } = yield* services
  const workflow = yield* createWorkflow()
  const labels: ReadonlyArray<Record<string, string> | undefined> = [
    { team: "growth", tier: "gold" },
    { team: "growth" },
    { team: "ops", tier: "gold" },
    undefined,
    { team: "growth", experimental: "yes" }
  ]
  const runs: Array<WorkflowExecution.WorkflowExecution> = []
  yield* TestClock.setTime(T0)
  for (const [i, l] of labels.entries()) {
    runs.push(yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: `r${i}`, labels: l })))
    yield* TestClock.adjust("1 minute")
  }
  return { workflow, runs }
})

describe("labelSelector on the execution list", () => {
  it.effect("k=v, k!=v, k, !k and their conjunction, newest first", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      yield* populate
      const list = (text: string) => Effect.map(executions.list({ pageSize: 50, labelSelector: selector(text) }), names)
      assert.deepStrictEqual(yield* list("team=growth"), ["r4", "r1", "r0"])
      assert.deepStrictEqual(yield* list("team!=growth"), ["r3", "r2"])
      assert.deepStrictEqual(yield* list("tier"), ["r2", "r0"])
      assert.deepStrictEqual(yield* list("!tier"), ["r4", "r3", "r1"])
      assert.deepStrictEqual(yield* list("team=growth,!experimental"), ["r1", "r0"])
      assert.deepStrictEqual(yield* list("team=growth,tier=gold"), ["r0"])
      assert.deepStrictEqual(yield* list("team=growth,team=ops"), [])
      assert.deepStrictEqual(yield* list("tier,team!=growth"), ["r2"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("pages through a selection, each page a keyset page", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      yield* populate
      const first = yield* executions.list({ pageSize: 2, labelSelector: selector("team=growth") })
      assert.deepStrictEqual(names(first), ["r4", "r1"])
      const second = yield* executions.list({
        pageSize: 2,
        labelSelector: selector("team=growth"),
        pageToken: first.nextPageToken
      })
      assert.deepStrictEqual(names(second), ["r0"])
      assert.isUndefined(second.nextPageToken)
      const negative = yield* executions.list({ pageSize: 1, labelSelector: selector("!experimental") })
      const next = yield* executions.list({ pageSize: 1, labelSelector: selector("!experimental"), pageToken: negative.nextPageToken })
      assert.deepStrictEqual([...names(negative), ...names(next)], ["r3", "r2"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("combines with the column filters", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const { runs } = yield* populate
      yield* executions.updateStatus(runs[0]!.metadata.id, { phase: "EXECUTION_COMPLETED" })
      const page = yield* executions.list({
        pageSize: 50,
        labelSelector: selector("team=growth"),
        phase: ["EXECUTION_PENDING"]
      })
      assert.deepStrictEqual(names(page), ["r4", "r1"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("follows label changes by update, and forgets a deleted execution's labels", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const sql = yield* SqlClient.SqlClient
      const { runs, workflow } = yield* populate
      const r1 = runs[1]!
      yield* executions.updateUnknown(
        r1.metadata.id,
        executionBody({ workflowId: workflow.metadata.id, workflowInstanceId: r1.spec.workflowInstanceId }, {
          name: "r1",
          labels: { team: "ops" }
        })
      )
      const list = (text: string) => Effect.map(executions.list({ pageSize: 50, labelSelector: selector(text) }), names)
      assert.deepStrictEqual(yield* list("team=growth"), ["r4", "r0"])
      assert.deepStrictEqual(yield* list("team=ops"), ["r2", "r1"])
      // A status update leaves the labels as they are.
      yield* executions.updateStatus(r1.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
      assert.deepStrictEqual(yield* list("team=ops"), ["r2", "r1"])

      yield* executions.delete(runs[0]!.metadata.id)
      assert.deepStrictEqual(yield* list("tier=gold"), ["r2"])
      const left = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM workflow_executions_labels
        WHERE id = ${runs[0]!.metadata.id}`
      assert.strictEqual(Number(left[0]!.n), 0)
    }).pipe(Effect.provide(TestLayer)))
})

describe("createdAfter and createdBefore", () => {
  it.effect("a half-open window: after inclusive, before exclusive, to the millisecond", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      yield* populate
      const window = (createdAfter?: number, createdBefore?: number) =>
        Effect.map(executions.list({
          pageSize: 50,
          createdAfter: createdAfter === undefined ? undefined : iso(createdAfter),
          createdBefore: createdBefore === undefined ? undefined : iso(createdBefore)
        }), names)
      const minute = 60_000
      assert.deepStrictEqual(yield* window(T0 + minute), ["r4", "r3", "r2", "r1"])
      assert.deepStrictEqual(yield* window(T0 + minute + 1), ["r4", "r3", "r2"])
      assert.deepStrictEqual(yield* window(undefined, T0 + 2 * minute), ["r1", "r0"])
      assert.deepStrictEqual(yield* window(undefined, T0 + 2 * minute + 1), ["r2", "r1", "r0"])
      assert.deepStrictEqual(yield* window(T0 + minute, T0 + 3 * minute), ["r2", "r1"])
      assert.deepStrictEqual(yield* window(T0 + 3 * minute, T0 + minute), [])
      assert.deepStrictEqual(yield* window(T0 + 10 * minute), [])
      const labelled = yield* executions.list({
        pageSize: 1,
        createdAfter: iso(T0 + minute),
        labelSelector: selector("team=growth")
      })
      assert.deepStrictEqual(names(labelled), ["r4"])
      const rest = yield* executions.list({
        pageSize: 1,
        createdAfter: iso(T0 + minute),
        labelSelector: selector("team=growth"),
        pageToken: labelled.nextPageToken
      })
      assert.deepStrictEqual(names(rest), ["r1"])
      assert.isUndefined(rest.nextPageToken)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("an id carries its resource's creation time", () =>
    Effect.gen(function*() {
      const { runs } = yield* populate
      for (const run of runs) {
        const time = run.metadata.id.slice(4, 14).toUpperCase()
        const decoded = [...time].reduce((n, c) => n * 32 + "0123456789ABCDEFGHJKMNPQRSTVWXYZ".indexOf(c), 0)
        assert.strictEqual(iso(decoded), run.status.audit.specAudit.createdAt)
      }
    }).pipe(Effect.provide(TestLayer)))
})

describe("the workflow and instance lists", () => {
  it.effect("take the same selection", () =>
    Effect.gen(function*() {
      const { instances, workflows } = yield* services
      yield* TestClock.setTime(T0)
      const a = yield* createWorkflow({ name: "A", labels: { team: "growth" } })
      yield* TestClock.adjust("1 hour")
      const b = yield* createWorkflow({ name: "B", labels: { team: "ops" } })
      yield* instances.createUnknown(instanceBody(a.metadata.id, { name: "A prod", labels: { env: "prod" } }))
      const workflowNames = (text: string, createdAfter?: string) =>
        Effect.map(workflows.list({ pageSize: 50, labelSelector: selector(text), createdAfter }), names)
      assert.deepStrictEqual(yield* workflowNames("team=growth"), ["A"])
      assert.deepStrictEqual(yield* workflowNames("team"), ["B", "A"])
      assert.deepStrictEqual(yield* workflowNames("team!=growth"), ["B"])
      assert.deepStrictEqual(yield* workflowNames("", iso(T0 + 1)), ["B"])
      const instanceNames = (text: string) =>
        Effect.map(instances.list({ pageSize: 50, labelSelector: selector(text) }), names)
      assert.deepStrictEqual(yield* instanceNames("env=prod"), ["A prod"])
      assert.deepStrictEqual(yield* instanceNames("!env"), [`${b.metadata.slug}-default`, `${a.metadata.slug}-default`])
    }).pipe(Effect.provide(TestLayer)))
})

describe("the feed's filter", () => {
  it.effect("matches the selection in memory, as the list does in SQL", () =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const { runs } = yield* populate
      const filter = Schema.decodeUnknownSync(FeedWorkflowExecutionsParams)({
        labelSelector: "team=growth,!experimental",
        createdAfter: iso(T0 + 60_000)
      })
      assert.deepStrictEqual(runs.filter((run) => matchesFeed(filter, run)).map((run) => run.metadata.name), ["r1"])
      const listed = yield* executions.list({ pageSize: 50, ...ResourceStore.selection(filter) })
      assert.deepStrictEqual(names(listed), ["r1"])
    }).pipe(Effect.provide(TestLayer)))
})
