/**
 * How one kind is laid out in SQL: a JSON document plus the columns that queries need.
 * Every table has `id, org, slug, version, created_at, doc`; a kind adds the indexed
 * columns its list filters use (foreign ids, phase).
 */
import { Effect } from "effect"
import { SqlClient } from "@effect/sql"
import type { AnyResource } from "./Resource.js"
import type { ResourceKind } from "./ResourceKind.js"

export interface Column<A> {
  readonly name: string
  readonly get: (resource: A) => string | null
}

export interface ResourceTable<A extends AnyResource = AnyResource> {
  readonly kind: ResourceKind
  readonly columns: ReadonlyArray<Column<A>>
}

export const make = <A extends AnyResource>(
  kind: ResourceKind,
  columns: { readonly [name: string]: (resource: A) => string | null | undefined } = {}
): ResourceTable<A> => ({
  kind,
  columns: Object.entries(columns).map(([name, get]) => ({ name, get: (a: A) => get(a) ?? null }))
})

/**
 * The migration that creates a kind's table: portable SQL, with the unique
 * (org, slug) index and one `(column, id)` index per extra column for keyset lists.
 */
export const createTable = <A extends AnyResource>(table: ResourceTable<A>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = table.kind.table
    const extra = table.columns.map((c) => `, ${c.name} TEXT`).join("")
    yield* sql.unsafe(
      `CREATE TABLE IF NOT EXISTS ${name} (
        id TEXT PRIMARY KEY NOT NULL,
        org TEXT NOT NULL,
        slug TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL${extra}
      )`
    )
    yield* sql.unsafe(`CREATE UNIQUE INDEX IF NOT EXISTS ${name}_org_slug ON ${name} (org, slug)`)
    for (const column of table.columns) {
      yield* sql.unsafe(`CREATE INDEX IF NOT EXISTS ${name}_${column.name} ON ${name} (${column.name}, id)`)
    }
  })
