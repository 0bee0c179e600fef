/**
 * How one kind is laid out in SQL: a JSON document plus the columns that queries need.
 * Every table has `id, org, slug, version, created_at, updated_at, doc`; a kind adds
 * the indexed columns its list filters use (foreign ids, phase). The tables themselves
 * are made by each kind's frozen migrations (see `Migrations`).
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
}

export const make = <A extends AnyResource>(
  kind: ResourceKind,
  columns: { readonly [name: string]: (resource: A) => string | null | undefined } = {}
): ResourceTable<A> => ({
  kind,
  columns: Object.entries(columns).map(([name, get]) => ({ name, get: (a: A) => get(a) ?? null }))
})
