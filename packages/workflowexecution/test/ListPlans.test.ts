/**
 * A list page with each selector reads through indexes, never a scan of the table: the
 * statement the store runs for the page is captured and the database is asked for its
 * plan (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`) over 20,000 executions with
 * statistics gathered. On SQLite the page is also read in index order (no sort of the
 * matches in a temporary B-tree): a keyset page. `bench/` measures the same pages at
 * 1,000,000 rows.
 */
import { SqlClient, Statement } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { LabelSelector, TestDatabase } from "@weft/resource"
import { Effect } from "effect"
import { ExecutionRunner, layerTest, type ListWorkflowExecutions, WorkflowExecutions } from "../src/index.js"

const ROWS = 20_000

/** The document of every row: what a page answers is not looked at, only how it is read. */
const doc = JSON.stringify({ metadata: {}, spec: {}, status: {} })

/** ROWS executions (ids in creation order, a phase each) and labels `team` (10 values) on every row, `tier` on every 7th. */
const populate = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.onDialectOrElse({
    pg: () =>
      Effect.all([
        sql.unsafe(`INSERT INTO workflow_executions (id, org, slug, version, created_at, updated_at, doc, phase)
          SELECT 'wex-' || lpad(i::text, 26, '0'), 'acme', 'r' || i, 1, '2026-01-31T12:00:00.000Z',
            '2026-01-31T12:00:00.000Z', '${doc}', (ARRAY['EXECUTION_PENDING','EXECUTION_IN_PROGRESS','EXECUTION_COMPLETED'])[1 + i % 3]
          FROM generate_series(1, ${ROWS}) AS i`),
        sql.unsafe(`INSERT INTO workflow_executions_labels (id, key, value)
          SELECT 'wex-' || lpad(i::text, 26, '0'), 'team', 't' || (i % 10) FROM generate_series(1, ${ROWS}) AS i`),
        sql.unsafe(`INSERT INTO workflow_executions_labels (id, key, value)
          SELECT 'wex-' || lpad(i::text, 26, '0'), 'tier', 'gold' FROM generate_series(7, ${ROWS}, 7) AS i`),
        sql.unsafe(`ANALYZE`)
      ], { discard: true }),
    orElse: () =>
      Effect.all([
        sql.unsafe(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
          INSERT INTO workflow_executions (id, org, slug, version, created_at, updated_at, doc, phase)
          SELECT printf('wex-%026d', i), 'acme', 'r' || i, 1, '2026-01-31T12:00:00.000Z', '2026-01-31T12:00:00.000Z', '${doc}',
            CASE i % 3 WHEN 0 THEN 'EXECUTION_PENDING' WHEN 1 THEN 'EXECUTION_IN_PROGRESS' ELSE 'EXECUTION_COMPLETED' END
          FROM n`),
        sql.unsafe(`INSERT INTO workflow_executions_labels (id, key, value)
          SELECT id, 'team', 't' || (CAST(substr(id, 5) AS INTEGER) % 10) FROM workflow_executions`),
        sql.unsafe(`INSERT INTO workflow_executions_labels (id, key, value)
          SELECT id, 'tier', 'gold' FROM workflow_executions WHERE CAST(substr(id, 5) AS INTEGER) % 7 = 0`),
        sql.unsafe(`ANALYZE`)
      ], { discard: true })
  })
}).pipe(Effect.orDie)

/** The plan of the page `list(query)` reads, as text lines. */
const planOf = (query: ListWorkflowExecutions) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const sql = yield* SqlClient.SqlClient
    const pages: Array<readonly [string, ReadonlyArray<unknown>]> = []
    yield* executions.list(query).pipe(
      Statement.withTransformer((statement) => {
        const [text, params] = statement.compile()
        if (text.includes("ORDER BY")) pages.push([text, params])
        return Effect.succeed(statement)
      })
    )
    assert.strictEqual(pages.length, 1, "one statement reads the page")
    const [text, params] = pages[0]
    return yield* sql.onDialectOrElse({
      pg: () =>
        Effect.map(sql.unsafe<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params), (rows) => rows.map((row) => row["QUERY PLAN"])),
      orElse: () =>
        Effect.map(sql.unsafe<{ detail: string }>(`EXPLAIN QUERY PLAN ${text}`, params), (rows) => rows.map((row) => row.detail))
    })
  }).pipe(Effect.orDie)

const selector = (text: string): LabelSelector.LabelSelector => {
  const parsed = LabelSelector.parse(text)
  if ("error" in parsed) throw new Error(parsed.error)
  return parsed
}

const queries: ReadonlyArray<readonly [string, ListWorkflowExecutions]> = [
  ["no filter", { pageSize: 50 }],
  ["phase", { pageSize: 50, phase: ["EXECUTION_PENDING"] }],
  ["k=v", { pageSize: 50, labelSelector: selector("team=t3") }],
  ["k!=v", { pageSize: 50, labelSelector: selector("team!=t3") }],
  ["k", { pageSize: 50, labelSelector: selector("tier") }],
  ["!k", { pageSize: 50, labelSelector: selector("!tier") }],
  ["k=v,k2", { pageSize: 50, labelSelector: selector("team=t3,tier") }],
  ["k=v and phase", { pageSize: 50, labelSelector: selector("team=t3"), phase: ["EXECUTION_COMPLETED"] }],
  ["createdAfter", { pageSize: 50, createdAfter: "2026-01-31T11:00:00.000Z" }],
  ["createdBefore", { pageSize: 50, createdBefore: "2026-01-31T13:00:00.000Z" }],
  ["createdAfter and createdBefore", {
    pageSize: 50,
    createdAfter: "2026-01-31T11:00:00.000Z",
    createdBefore: "2026-01-31T13:00:00.000Z"
  }],
  ["k=v in a window", { pageSize: 50, labelSelector: selector("team=t3"), createdAfter: "2026-01-31T11:00:00.000Z" }],
  ["a next page of k=v", { pageSize: 50, labelSelector: selector("team=t3"), pageToken: Buffer.from(`wex-${"0".repeat(21)}10000`).toString("base64url") }]
]

describe.each(TestDatabase.backends)("list plans on %s", (backend) => {
  it.effect("each selector's page reads through indexes, not a scan of the table", () =>
    Effect.gen(function*() {
      yield* populate
      const sql = yield* SqlClient.SqlClient
      const pg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
      for (const [name, query] of queries) {
        const plan = yield* planOf(query)
        const text = plan.join("\n")
        if (pg) {
          assert.notMatch(text, /Seq Scan on workflow_executions/, `${name}:\n${text}`)
          assert.match(text, /Index (Only )?Scan|Bitmap Index Scan/, `${name}:\n${text}`)
        } else {
          // `SCAN r` without an index reads the whole table; a temporary B-tree sorts every match.
          for (const line of plan) {
            assert.notMatch(line, /^SCAN [a-z]+$/, `${name}:\n${text}`)
            assert.notMatch(line, /TEMP B-TREE/, `${name}:\n${text}`)
          }
          assert.match(text, /USING (COVERING |PRIMARY KEY|INDEX)/, `${name}:\n${text}`)
        }
      }
    }).pipe(Effect.provide(layerTest(ExecutionRunner.layerNoop, backend))), 60_000)
})
