/**
 * How one kind is laid out in SQL: a JSON document plus the columns that queries need.
 * Every table has `id, org, slug, version, created_at, updated_at, doc`; a kind adds
 * the indexed columns its list filters use (foreign ids, phase). A kind whose lists take
 * label selectors keeps its labels in `<table>_labels (id, key, value)` too, primary key
 * `(key, value, id)` and an index on `(id, key)`, written with the resource. The tables
 * themselves are made by each kind's frozen migrations (see `Migrations`).
 */
import type { AnyResource } from "./Resource.js"
import type { ResourceKind } from "./ResourceKind.js"

export interface Column<A> {
  readonly name: string
  readonly get: (resource: A) => string | null
}

export interface ResourceTable<A extends AnyResource = AnyResource> {
  readonly kind: ResourceKind
  readonly columns: ReadonlyArray<Column<A>>
  /** The table of its labels (`<table>_labels`), when its lists take label selectors. */
  readonly labels?: string | undefined
}

export const make = <A extends AnyResource>(
  kind: ResourceKind,
  columns: { readonly [name: string]: (resource: A) => string | null | undefined } = {},
  options: { readonly labels?: boolean } = {}
): ResourceTable<A> => ({
  kind,
  columns: Object.entries(columns).map(([name, get]) => ({ name, get: (a: A) => get(a) ?? null })),
  labels: options.labels === true ? `${kind.table}_labels` : undefined
})
