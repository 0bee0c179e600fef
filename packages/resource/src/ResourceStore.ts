/**
 * Storage of resources over `@effect/sql`: insert, get, get by slug, versioned update,
 * delete and keyset-paged lists. Portable SQL (SQLite and PostgreSQL).
 *
 * Storage failures are defects: they surface as 500 INTERNAL and are logged with their
 * cause, never as a user error.
 */
import { SqlClient, type SqlError } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Layer, Option } from "effect"
import { Aborted, AlreadyExists, InvalidArgument } from "./Errors.js"
import * as Migrations from "./Migrations.js"
import type { AnyResource } from "./Resource.js"
import type { ResourceTable } from "./ResourceTable.js"

export interface ListQuery {
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
  /** Stores a new resource. A taken (org, slug) fails with ALREADY_EXISTS. */
  readonly insert: <A extends AnyResource>(table: ResourceTable<A>, resource: A) => Effect.Effect<A, AlreadyExists>
  readonly get: <A extends AnyResource>(table: ResourceTable<A>, id: string) => Effect.Effect<Option.Option<A>>
  readonly getBySlug: <A extends AnyResource>(
    table: ResourceTable<A>,
    org: string | undefined,
    slug: string
  ) => Effect.Effect<Option.Option<A>>
  /**
   * Replaces a stored resource with `next`, whose `metadata.version` must be exactly one
   * more than the stored one: a concurrent change in between fails with ABORTED.
   */
  readonly update: <A extends AnyResource>(
    table: ResourceTable<A>,
    next: A
  ) => Effect.Effect<A, Aborted | AlreadyExists>
  /** Deletes by id; returns what was deleted, or None when there was nothing. */
  readonly delete: <A extends AnyResource>(table: ResourceTable<A>, id: string) => Effect.Effect<Option.Option<A>>
  /**
   * Newest first (ids are ULIDs), keyset-paged. A malformed page token, or a pageSize
   * that is not a positive integer, is INVALID_ARGUMENT.
   */
  readonly list: <A extends AnyResource>(
    table: ResourceTable<A>,
    query: ListQuery
  ) => Effect.Effect<Page<A>, InvalidArgument>
  /** The slugs in `org` that are `prefix` or start with `prefix-` (an index range scan). */
  readonly slugsWithPrefix: (
    table: ResourceTable<any>,
    org: string | undefined,
    prefix: string
  ) => Effect.Effect<ReadonlyArray<string>>
  /** Whether any row matches; `exceptId` is left out of the match. */
  readonly exists: (
    table: ResourceTable<any>,
    where: NonNullable<ListQuery["where"]>,
    exceptId?: string
  ) => Effect.Effect<boolean>
}

export class ResourceStore extends Context.Tag("@weft/resource/ResourceStore")<ResourceStore, ResourceStoreService>() {}

const orgKey = (org: string | undefined): string => org ?? ""

const isUniqueViolation = (error: SqlError.SqlError): boolean => {
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

  const whereClauses = (table: ResourceTable<any>, where: ListQuery["where"]) => {
    const clauses = []
    for (const [column, value] of Object.entries(where ?? {})) {
      if (value === undefined) continue
      checkColumn(table, column)
      if (typeof value === "string") clauses.push(sql`${sql(column)} = ${value}`)
      else if (value.length > 0) clauses.push(sql.in(column, value))
    }
    return clauses
  }

  const row = <A extends AnyResource>(table: ResourceTable<A>, resource: A) => {
    const values: Record<string, string | number | null> = {
      id: resource.metadata.id,
      org: orgKey(resource.metadata.org),
      slug: resource.metadata.slug,
      version: resource.metadata.version,
      created_at: resource.status.audit.specAudit.createdAt,
      updated_at: latestUpdate(resource),
      doc: JSON.stringify(resource)
    }
    for (const column of table.columns) values[column.name] = column.get(resource)
    return values
  }

  const insert: ResourceStoreService["insert"] = (table, resource) =>
    sql`INSERT INTO ${sql(table.kind.table)} ${sql.insert(row(table, resource))}`.pipe(
      Effect.as(resource),
      Effect.catchTag("SqlError", (error) =>
        isUniqueViolation(error)
          ? Effect.fail(AlreadyExists.of(table.kind.kind, resource.metadata.org, resource.metadata.slug))
          : Effect.die(error)),
      Effect.withSpan("ResourceStore.insert", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const get = <A extends AnyResource>(table: ResourceTable<A>, id: string): Effect.Effect<Option.Option<A>> =>
    sql<{ doc: string }>`SELECT doc FROM ${sql(table.kind.table)} WHERE id = ${id}`.pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.withSpan("ResourceStore.get", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const getBySlug = <A extends AnyResource>(
    table: ResourceTable<A>,
    org: string | undefined,
    slug: string
  ): Effect.Effect<Option.Option<A>> =>
    sql<{ doc: string }>`SELECT doc FROM ${sql(table.kind.table)} WHERE org = ${orgKey(org)} AND slug = ${slug}`.pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.withSpan("ResourceStore.getBySlug", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const update: ResourceStoreService["update"] = (table, next) => {
    const { id, version } = next.metadata
    const values = row(table, next)
    delete values.id
    delete values.created_at
    return sql<{ id: string }>`UPDATE ${sql(table.kind.table)} SET ${sql.update(values)}
      WHERE id = ${id} AND version = ${version - 1} RETURNING id`.pipe(
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
    sql<{ doc: string }>`DELETE FROM ${sql(table.kind.table)} WHERE id = ${id} RETURNING doc`.pipe(
      Effect.map((rows) => first<A>(rows)),
      Effect.orDie,
      Effect.withSpan("ResourceStore.delete", { attributes: { kind: table.kind.kind }, captureStackTrace: false })
    )

  const list: ResourceStoreService["list"] = (table, query) =>
    Effect.gen(function*() {
      if (!Number.isSafeInteger(query.pageSize) || query.pageSize < 1) {
        return yield* new InvalidArgument({ message: `pageSize: must be a positive integer, got ${query.pageSize}` })
      }
      const clauses = whereClauses(table, query.where)
      if (query.pageToken !== undefined) {
        const after = yield* decodePageToken(query.pageToken, table.kind.idPrefix)
        clauses.push(sql`id < ${after}`)
      }
      const rows = yield* sql<{ id: string; doc: string }>`SELECT id, doc FROM ${sql(table.kind.table)}
        ${clauses.length > 0 ? sql`WHERE ${sql.and(clauses)}` : sql``}
        ORDER BY id DESC LIMIT ${query.pageSize + 1}`.pipe(Effect.orDie)
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
  const slugsWithPrefix: ResourceStoreService["slugsWithPrefix"] = (table, org, prefix) =>
    sql<{ slug: string }>`SELECT slug FROM ${sql(table.kind.table)}
      WHERE org = ${orgKey(org)} AND slug >= ${prefix} AND slug < ${prefix + "."}`.pipe(
      Effect.map((rows) =>
        rows.map((r) => r.slug).filter((slug) => slug === prefix || slug.startsWith(`${prefix}-`))
      ),
      Effect.orDie
    )

  return ResourceStore.of({ insert, get, getBySlug, update, delete: delete_, list, exists, slugsWithPrefix })
})

const latestUpdate = (resource: AnyResource): string => {
  const { specAudit, statusAudit } = resource.status.audit
  return specAudit.updatedAt > statusAudit.updatedAt ? specAudit.updatedAt : statusAudit.updatedAt
}

/** The SQL store; requires a `SqlClient`. */
export const layer: Layer.Layer<ResourceStore, never, SqlClient.SqlClient> = Layer.effect(ResourceStore, make)

/**
 * For tests: the store over a fresh in-memory SQLite database with `sets` migrated, and
 * the SqlClient. Each time it is provided (and built) it is a new, empty database.
 */
export const layerTest = (
  sets: ReadonlyArray<Migrations.MigrationSet>
): Layer.Layer<ResourceStore | SqlClient.SqlClient> =>
  layer.pipe(
    Layer.provideMerge(Migrations.layer(sets)),
    Layer.provideMerge(SqliteClient.layer({ filename: ":memory:" })),
    Layer.orDie
  )
