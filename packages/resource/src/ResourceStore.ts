/**
 * Storage of resources over `@effect/sql`: insert, get, get by slug, versioned update,
 * delete and keyset-paged lists. Portable SQL (SQLite and PostgreSQL).
 *
 * Storage failures are defects: they surface as 500 INTERNAL and are logged with their
 * cause, never as a user error.
 *
 * The store answers for the current caller (`Access.currentCaller`): a caller limited to
 * some orgs gets nothing of another org (a get finds nothing, so the route answers 404
 * without telling that the resource exists; lists leave such rows out) and cannot store
 * a resource outside its orgs (403). Work without a caller (the engine) sees every org.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { Context, Effect, Layer, Option } from "effect"
import * as Access from "./Access.js"
import { Aborted, AlreadyExists, InvalidArgument, type PermissionDenied } from "./Errors.js"
import * as LabelSelector from "./LabelSelector.js"
import * as Metadata from "./Metadata.js"
import * as Migrations from "./Migrations.js"
import type { AnyResource } from "./Resource.js"
import * as ResourceId from "./ResourceId.js"
import type { ResourceTable } from "./ResourceTable.js"
import * as TestDatabase from "./TestDatabase.js"

/** What every list selects on besides its columns: labels and the creation time window. */
export interface Selection {
  /** Requirements on the labels, all of which must hold (a table with `labels` only). */
  readonly labelSelector?: LabelSelector.LabelSelector | undefined
  /** Created at or after this time (RFC 3339 UTC with milliseconds, as stored). */
  readonly createdAfter?: string | undefined
  /** Created before this time (RFC 3339 UTC with milliseconds, as stored). */
  readonly createdBefore?: string | undefined
}

/** The `Selection` part of a wider query. */
export const selection = (query: Selection): Selection => ({
  labelSelector: query.labelSelector,
  createdAfter: query.createdAfter,
  createdBefore: query.createdBefore
})

/** Whether a resource is selected: the list's `Selection` test, in memory (feeds). */
export const isSelected = (selection: Selection, resource: AnyResource): boolean => {
  const createdAt = resource.status.audit.specAudit.createdAt
  return (selection.labelSelector === undefined || LabelSelector.matches(selection.labelSelector, resource.metadata.labels)) &&
    (selection.createdAfter === undefined || createdAt >= selection.createdAfter) &&
    (selection.createdBefore === undefined || createdAt < selection.createdBefore)
}

export interface ListQuery extends Selection {
  /** Column equality filters; an array means "any of". Keys are the table's columns. */
  readonly where?: { readonly [column: string]: string | ReadonlyArray<string> | undefined }
  readonly pageSize: number
  readonly pageToken?: string | undefined
}

export interface Page<A> {
  readonly entries: ReadonlyArray<A>
  readonly nextPageToken?: string
}

export interface ResourceStoreService {
  /**
   * Stores a new resource. A taken (org, slug) fails with ALREADY_EXISTS, an org the
   * caller does not act in with PERMISSION_DENIED.
   */
  readonly insert: <A extends AnyResource>(
    table: ResourceTable<A>,
    resource: A
  ) => Effect.Effect<A, AlreadyExists | PermissionDenied>
  readonly get: <A extends AnyResource>(table: ResourceTable<A>, id: string) => Effect.Effect<Option.Option<A>>
  /**
   * `get` that also locks the row until the caller's transaction ends (PostgreSQL's
   * `SELECT … FOR UPDATE`), so concurrent read-modify-writes of one resource, from any
   * replica, take turns instead of failing. On SQLite, whose writers already take turns,
   * it is `get`.
   */
  readonly getForUpdate: <A extends AnyResource>(table: ResourceTable<A>, id: string) => Effect.Effect<Option.Option<A>>
  readonly getBySlug: <A extends AnyResource>(
    table: ResourceTable<A>,
    org: string | undefined,
    slug: string
  ) => Effect.Effect<Option.Option<A>>
  /**
   * Replaces a stored resource with `next`, whose `metadata.version` must be exactly one
   * more than the stored one: a concurrent change in between fails with ABORTED.
   * `previous` is the stored resource `next` was made from: its labels tell whether the
   * label rows need rewriting, without reading them again.
   */
  readonly update: <A extends AnyResource>(
    table: ResourceTable<A>,
    next: A,
    previous: A
  ) => Effect.Effect<A, Aborted | AlreadyExists>
  /** Deletes by id; returns what was deleted, or None when there was nothing. */
  readonly delete: <A extends AnyResource>(table: ResourceTable<A>, id: string) => Effect.Effect<Option.Option<A>>
  /**
   * Newest first (ids are ULIDs), keyset-paged: every filter keeps the page a range scan
   * of an index in id order (the primary key, a filter column's `(column, id)` index, or
   * the labels' `(key, value, id)` key for a `k=v` requirement). A malformed page token,
   * or a pageSize that is not a positive integer, is INVALID_ARGUMENT.
   */
  readonly list: <A extends AnyResource>(
    table: ResourceTable<A>,
    query: ListQuery
  ) => Effect.Effect<Page<A>, InvalidArgument>
  /**
   * The slugs in `org` that are `prefix` or start with `prefix-` (an index range scan),
   * for choosing a free one. In a transaction, allocations under one prefix take turns:
   * on PostgreSQL the read first takes a transaction-level advisory lock on
   * (table, org, prefix), so a concurrent allocation reads once this transaction's row is
   * committed (or rolled back); SQLite runs one write transaction at a time anyway.
   */
  readonly slugsWithPrefixForUpdate: (
    table: ResourceTable<any>,
    org: string | undefined,
    prefix: string
  ) => Effect.Effect<ReadonlyArray<string>>
  /** Whether any row matches, in any org (for integrity checks); `exceptId` is left out of the match. */
  readonly exists: (
    table: ResourceTable<any>,
    where: NonNullable<ListQuery["where"]>,
    exceptId?: string
  ) => Effect.Effect<boolean>
}

export class ResourceStore extends Context.Tag("@weft/resource/ResourceStore")<ResourceStore, ResourceStoreService>() {}

const orgKey = (org: string | undefined): string => org ?? ""

/**
 * The class of the advisory locks slug allocation takes on PostgreSQL (`pg_advisory_xact_lock(class, key)`):
 * not weft's own class, whose keys 1 and 2 are the migrations' and the change log's locks.
 */
const slugLockClass = 0x776e6d65

/** Whether a failed statement broke a unique constraint (SQLite or PostgreSQL). */
export const isUniqueViolation = (error: SqlError.SqlError): boolean => {
  const cause = error.cause as { code?: unknown } | undefined
  const code = cause?.code
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505"
}

export const encodePageToken = (lastId: string): string => Buffer.from(lastId, "utf8").toString("base64url")

export const decodePageToken = (token: string, idPrefix?: string): Effect.Effect<string, InvalidArgument> => {
  const id = Buffer.from(token, "base64url").toString("utf8")
  return /^[a-z]{3}-[0-9a-z]{26}$/.test(id) && (idPrefix === undefined || id.startsWith(`${idPrefix}-`))
    ? Effect.succeed(id)
    : Effect.fail(new InvalidArgument({ message: "pageToken: not a token returned by a previous page" }))
}

export const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const parse = <A>(row: { readonly doc: string }): A => JSON.parse(row.doc) as A
  const first = <A>(rows: ReadonlyArray<{ readonly doc: string }>): Option.Option<A> =>
    rows.length === 0 ? Option.none() : Option.some(parse<A>(rows[0]))

  const checkColumn = (table: ResourceTable<any>, column: string) => {
    if (column !== "org" && column !== "slug" && !table.columns.some((c) => c.name === column)) {
      throw new Error(`${table.kind.table} has no list column ${column}`)
    }
  }

  /** Equality filters on `where`'s columns, of the table aliased `alias` when given. */
  const whereClauses = (table: ResourceTable<any>, where: ListQuery["where"], alias?: string) => {
    const clauses = []
    for (const [column, value] of Object.entries(where ?? {})) {
      if (value === undefined) continue
      checkColumn(table, column)
      const name = alias === undefined ? sql(column) : sql`${sql(alias)}.${sql(column)}`
      if (typeof value === "string") clauses.push(sql`${name} = ${value}`)
      else if (value.length > 0) clauses.push(sql`${name} IN ${sql.in(value)}`)
    }
    return clauses
  }

  /** Whether the resource aliased `r` satisfies one label requirement: a probe of the `(id, key)` index. */
  const labelClause = (labels: string, requirement: LabelSelector.Requirement) => {
    const probe = requirement._tag === "Equals" || requirement._tag === "NotEquals"
      ? sql`SELECT 1 FROM ${sql(labels)} x WHERE x.id = r.id AND x.key = ${requirement.key} AND x.value = ${requirement.value}`
      : sql`SELECT 1 FROM ${sql(labels)} x WHERE x.id = r.id AND x.key = ${requirement.key}`
    return requirement._tag === "Equals" || requirement._tag === "Exists" ? sql`EXISTS (${probe})` : sql`NOT EXISTS (${probe})`
  }

  const labelRows = (resource: AnyResource) =>
    Object.entries(resource.metadata.labels ?? {}).map(([key, value]) => ({ id: resource.metadata.id, key, value }))

  const insertLabels = (labels: string, rows: ReturnType<typeof labelRows>): Effect.Effect<void, SqlError.SqlError> =>
    rows.length === 0 ? Effect.void : Effect.asVoid(sql`INSERT INTO ${sql(labels)} ${sql.insert(rows)}`)

  const sameLabels = (a: AnyResource, b: AnyResource) => {
    const left = labelRows(a)
    const right = new Map(labelRows(b).map((row) => [row.key, row.value]))
    return left.length === right.size && left.every((row) => right.get(row.key) === row.value)
  }

  /** Rewrites the resource's label rows. */
  const replaceLabels = (labels: string, resource: AnyResource) =>
    Effect.zipRight(
      sql`DELETE FROM ${sql(labels)} WHERE id = ${resource.metadata.id}`,
      insertLabels(labels, labelRows(resource))
    )

  const row = <A extends AnyResource>(table: ResourceTable<A>, resource: A) => {
    const values: Record<string, string | number | null> = {
      id: resource.metadata.id,
      org: orgKey(resource.metadata.org),
      slug: resource.metadata.slug,
      version: resource.metadata.version,
      created_at: resource.status.audit.specAudit.createdAt,
      updated_at: Metadata.lastUpdate(resource.status.audit),
      doc: JSON.stringify(resource)
    }
    for (const column of table.columns) values[column.name] = column.get(resource)
    return values
  }

  /** The caller's rows only: `org IN (…)` for a caller limited to some orgs. */
  const scopeClauses = (table: ResourceTable<any>, caller: Access.CallerShape, alias?: string) =>
    caller.orgs === "*"
      ? []
      : caller.orgs.length === 0
      ? [sql`1 = 0`]
      : whereClauses(table, { org: caller.orgs }, alias)

  /** A row found, if the caller may see it. */
  const visible = <A extends AnyResource>(found: Option.Option<A>): Effect.Effect<Option.Option<A>> =>
    Option.isNone(found)
      ? Effect.succeed(found)
      : Effect.map(Access.currentCaller, (caller) => Access.inScope(caller, found.value.metadata.org) ? found : Option.none())

  const insert: ResourceStoreService["insert"] = (table, resource) => {
    const insertRow = Effect.asVoid(sql`INSERT INTO ${sql(table.kind.table)} ${sql.insert(row(table, resource))}`)
    const labels = table.labels === undefined ? [] : labelRows(resource)
    const write = labels.length === 0
      ? insertRow
      : sql.withTransaction(Effect.zipRight(insertRow, insertLabels(table.labels!, labels)))
    return Access.currentCaller.pipe(
      Effect.flatMap((caller) => Access.requireScope(caller, resource.metadata.org)),
      Effect.zipRight(write),
      Effect.as(resource),
      Effect.catchTag("SqlError", (error) =>
        isUniqueViolation(error)
          ? Effect.fail(AlreadyExists.of(table.kind.kind, resource.metadata.org, resource.metadata.slug))
          : Effect.die(error)),
      Effect.withSpan("ResourceStore.insert", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )
  }

  const forUpdate = sql.onDialectOrElse({ pg: () => sql` FOR UPDATE`, orElse: () => sql`` })

  const byId = (span: string, lock: boolean) =>
  <A extends AnyResource>(table: ResourceTable<A>, id: string): Effect.Effect<Option.Option<A>> =>
    sql<{ doc: string }>`SELECT doc FROM ${sql(table.kind.table)} WHERE id = ${id}${lock ? forUpdate : sql``}`.pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.flatMap(visible),
      Effect.withSpan(span, { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const get = byId("ResourceStore.get", false)

  const getForUpdate = byId("ResourceStore.getForUpdate", true)

  const getBySlug = <A extends AnyResource>(
    table: ResourceTable<A>,
    org: string | undefined,
    slug: string
  ): Effect.Effect<Option.Option<A>> =>
    sql<{ doc: string }>`SELECT doc FROM ${sql(table.kind.table)} WHERE org = ${orgKey(org)} AND slug = ${slug}`.pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.flatMap(visible),
      Effect.withSpan("ResourceStore.getBySlug", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const update: ResourceStoreService["update"] = (table, next, previous) => {
    const { id, version } = next.metadata
    const values = row(table, next)
    delete values.id
    delete values.created_at
    const updateRow = sql<{ id: string }>`UPDATE ${sql(table.kind.table)} SET ${sql.update(values)}
      WHERE id = ${id} AND version = ${version - 1} RETURNING id`
    // A status write (most updates) leaves the labels as they were: no label rows are touched.
    const write = table.labels === undefined || sameLabels(previous, next)
      ? updateRow
      : sql.withTransaction(Effect.tap(updateRow, (rows) => rows.length === 1 ? replaceLabels(table.labels!, next) : Effect.void))
    return write.pipe(
      Effect.catchTag("SqlError", (error) =>
        isUniqueViolation(error)
          ? Effect.fail(AlreadyExists.of(table.kind.kind, next.metadata.org, next.metadata.slug))
          : Effect.die(error)),
      Effect.flatMap((rows) =>
        rows.length === 1
          ? Effect.succeed(next)
          : Effect.fail(
            new Aborted({ message: `${table.kind.kind} ${id} changed concurrently; expected version ${version - 1}` })
          )
      ),
      Effect.withSpan("ResourceStore.update", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )
  }

  const delete_ = <A extends AnyResource>(table: ResourceTable<A>, id: string): Effect.Effect<Option.Option<A>> =>
    Effect.flatMap(Access.currentCaller, (caller) => {
      const deleteRow = sql<{ doc: string }>`DELETE FROM ${sql(table.kind.table)}
        WHERE ${sql.and([sql`id = ${id}`, ...scopeClauses(table, caller)])} RETURNING doc`
      // The labels go with the row, and only if the caller could delete it.
      return table.labels === undefined ? deleteRow : sql.withTransaction(
        Effect.tap(deleteRow, (rows) => rows.length === 1 ? sql`DELETE FROM ${sql(table.labels!)} WHERE id = ${id}` : Effect.void)
      )
    }).pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.withSpan("ResourceStore.delete", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )


  const list: ResourceStoreService["list"] = (table, query) =>
    Effect.gen(function*() {
      if (!Number.isSafeInteger(query.pageSize) || query.pageSize < 1) {
        return yield* new InvalidArgument({ message: `pageSize: must be a positive integer, got ${query.pageSize}` })
      }
      const selector = query.labelSelector ?? []
      if (selector.length > 0 && table.labels === undefined) {
        return yield* Effect.dieMessage(`${table.kind.table} keeps no labels to select on`)
      }
      // A `k=v` requirement drives the page from the labels' (key, value, id) key, in id order.
      const driver = selector.find((requirement) => requirement._tag === "Equals")
      const key = driver === undefined ? sql`r.id` : sql`d.id`
      const clauses = [...whereClauses(table, query.where, "r"), ...scopeClauses(table, yield* Access.currentCaller, "r")]
      if (driver !== undefined) clauses.push(sql`d.key = ${driver.key}`, sql`d.value = ${driver.value}`)
      for (const requirement of selector) {
        if (requirement !== driver) clauses.push(labelClause(table.labels!, requirement))
      }
      // Ids are made at their creation time: the window is an id range, `created_at` the exact test.
      if (query.createdAfter !== undefined) {
        const bound = ResourceId.timeBound(table.kind, Date.parse(query.createdAfter), "lower")
        clauses.push(sql`${key} >= ${bound}`, sql`r.created_at >= ${query.createdAfter}`)
      }
      if (query.createdBefore !== undefined) {
        const bound = ResourceId.timeBound(table.kind, Date.parse(query.createdBefore), "upper")
        clauses.push(sql`${key} < ${bound}`, sql`r.created_at < ${query.createdBefore}`)
      }
      if (query.pageToken !== undefined) {
        const after = yield* decodePageToken(query.pageToken, table.kind.idPrefix)
        clauses.push(sql`${key} < ${after}`)
      }
      const from = driver === undefined
        ? sql`${sql(table.kind.table)} r`
        : sql`${sql(table.labels!)} d JOIN ${sql(table.kind.table)} r ON r.id = d.id`
      const rows = yield* sql<{ id: string; doc: string }>`SELECT r.id AS id, r.doc AS doc FROM ${from}
        ${clauses.length > 0 ? sql`WHERE ${sql.and(clauses)}` : sql``}
        ORDER BY ${key} DESC LIMIT ${query.pageSize + 1}`.pipe(Effect.orDie)
      const hasMore = rows.length > query.pageSize
      const page = hasMore ? rows.slice(0, query.pageSize) : rows
      const entries = page.map((r) => parse<any>(r))
      return hasMore ? { entries, nextPageToken: encodePageToken(page[page.length - 1].id) } : { entries }
    }).pipe(Effect.withSpan("ResourceStore.list", { attributes: { kind: table.kind.kind }, captureStackTrace: false }))

  const exists: ResourceStoreService["exists"] = (table, where, exceptId) =>
    Effect.gen(function*() {
      const clauses = whereClauses(table, where)
      if (exceptId !== undefined) clauses.push(sql`id <> ${exceptId}`)
      const rows = yield* sql`SELECT 1 AS one FROM ${sql(table.kind.table)}
        ${clauses.length > 0 ? sql`WHERE ${sql.and(clauses)}` : sql``} LIMIT 1`.pipe(Effect.orDie)
      return rows.length > 0
    })

  // `-` sorts just before `.`, so [prefix, prefix + ".") holds prefix and prefix-*.
  /** On PostgreSQL, the lock of (table, org, prefix) until the transaction ends: class `weft`, the key's hash. */
  const lockPrefix = (table: ResourceTable<any>, org: string | undefined, prefix: string) =>
    sql.onDialectOrElse({
      pg: () =>
        sql`SELECT pg_advisory_xact_lock(${slugLockClass}, hashtext(${
          `${table.kind.table}/${orgKey(org)}/${prefix}`
        }))`.pipe(Effect.asVoid),
      orElse: () => Effect.void
    })

  const slugsWithPrefixForUpdate: ResourceStoreService["slugsWithPrefixForUpdate"] = (table, org, prefix) =>
    lockPrefix(table, org, prefix).pipe(
      Effect.zipRight(sql<{ slug: string }>`SELECT slug FROM ${sql(table.kind.table)}
        WHERE org = ${orgKey(org)} AND slug >= ${prefix} AND slug < ${prefix + "."}`),
      Effect.map((rows) =>
        rows.map((r) => r.slug).filter((slug) => slug === prefix || slug.startsWith(`${prefix}-`))
      ),
      Effect.orDie
    )

  return ResourceStore.of({ insert, get, getForUpdate, getBySlug, update, delete: delete_, list, exists, slugsWithPrefixForUpdate })
})

/** The SQL store; requires a `SqlClient`. */
export const layer: Layer.Layer<ResourceStore, never, SqlClient.SqlClient> = Layer.effect(ResourceStore, make)

/**
 * For tests: the store over a fresh database of `backend` (in-memory SQLite by default)
 * with `sets` migrated, and the SqlClient. Each time it is provided (and built) it is a
 * new, empty database.
 */
export const layerTest = (
  sets: ReadonlyArray<Migrations.MigrationSet>,
  backend: TestDatabase.Backend = "sqlite"
): Layer.Layer<ResourceStore | SqlClient.SqlClient> =>
  layer.pipe(
    Layer.provideMerge(Migrations.layer(sets)),
    Layer.provideMerge(TestDatabase.layer(backend))
  )
