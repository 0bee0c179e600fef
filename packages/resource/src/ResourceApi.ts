/**
 * The HTTP endpoints every kind shares, as pieces of an HttpApiGroup: create, get,
 * update, delete and list, with the canonical errors each one can answer. Kind
 * packages build their group from these and add their own endpoints.
 */
import { HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
import { ParseResult, Schema } from "effect"
import { Aborted, AlreadyExists, FailedPrecondition, InvalidArgument, NotFound } from "./Errors.js"
import * as LabelSelector from "./LabelSelector.js"
import { ListResponse } from "./Resource.js"

/** `If-Match` is optional on every mutating single-resource route. */
export const IfMatchHeaders = Schema.Struct({
  "if-match": Schema.optional(Schema.String).annotations({
    description: "Apply the change only if the resource is at this version (the ETag, e.g. \"3\")"
  })
})

export const IdPath = Schema.Struct({ id: Schema.String })
export const SlugPath = Schema.Struct({ slug: Schema.String })
export const OrgParams = Schema.Struct({ org: Schema.optional(Schema.String) })

/** `pageSize` 1..1000 (default 50) and the opaque `pageToken` of the previous page. */
export const PageParams = Schema.Struct({
  pageSize: Schema.optionalWith(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1000)),
    { default: () => 50 }
  ),
  pageToken: Schema.optional(Schema.String)
})

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 date-time in a query string (`2026-01-31T12:00:00Z`, an offset, fractions of a
 * second), decoded to the UTC form resources are stored with (`…T12:00:00.000Z`).
 */
export const Timestamp = Schema.transformOrFail(Schema.String, Schema.String, {
  strict: true,
  decode: (text, _, ast) => {
    const match = rfc3339.exec(text)
    const millis = Date.parse(text.replace(" ", "T"))
    if (match !== null && Number.isFinite(millis)) {
      const [, year, month, day, hour, minute, second] = match.map(Number)
      const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate()
      if (month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour! < 24 && minute! < 60 && second! < 60) {
        return ParseResult.succeed(new Date(millis).toISOString())
      }
    }
    return ParseResult.fail(
      new ParseResult.Type(ast, text, `"${text}" is not an RFC 3339 date-time such as 2026-01-31T12:00:00Z`)
    )
  },
  encode: ParseResult.succeed
})

/**
 * What every list takes besides paging: `labelSelector`, and the creation time window
 * `createdAfter` (inclusive) … `createdBefore` (exclusive).
 */
export const SelectorParams = Schema.Struct({
  labelSelector: Schema.optional(LabelSelector.FromString),
  createdAfter: Schema.optional(Timestamp.annotations({
    description: "Only resources created at or after this RFC 3339 time (e.g. 2026-01-31T00:00:00Z)"
  })),
  createdBefore: Schema.optional(Timestamp.annotations({
    description: "Only resources created before this RFC 3339 time"
  }))
})

/** What list descriptions say of `SelectorParams`. */
export const selectionDescription = "`labelSelector` (`k=v`, `k!=v`, `k`, `!k`, comma-separated, all must hold) " +
  "selects by labels; `createdAfter` (inclusive) and `createdBefore` (exclusive), RFC 3339 times, by creation " +
  "time. A malformed selector or time is 400 INVALID_ARGUMENT."

export const Created = { status: 201 } as const

/** POST `path`: create from the kind's input; 201. */
export const create = <R extends Schema.Schema.Any, In extends Schema.Schema.Any>(
  path: `/${string}`,
  resource: R,
  input: In
) =>
  HttpApiEndpoint.post("create", path)
    .setPayload(input)
    .addSuccess(resource, Created)
    .addError(InvalidArgument)
    .addError(NotFound)
    .addError(AlreadyExists)

/** GET `path/:id`. */
export const get = <R extends Schema.Schema.Any>(path: `/${string}`, resource: R) =>
  HttpApiEndpoint.get("get", `${path}/:id`)
    .setPath(IdPath)
    .addSuccess(resource)
    .addError(NotFound)

/** PUT `path/:id`: replace the spec and the mutable metadata. */
export const update = <R extends Schema.Schema.Any, In extends Schema.Schema.Any>(
  path: `/${string}`,
  resource: R,
  input: In
) =>
  HttpApiEndpoint.put("update", `${path}/:id`)
    .setPath(IdPath)
    .setPayload(input)
    .setHeaders(IfMatchHeaders)
    .addSuccess(resource)
    .addError(InvalidArgument)
    .addError(NotFound)
    .addError(AlreadyExists)
    .addError(Aborted)

/** DELETE `path/:id`: answers the deleted resource. */
export const del = <R extends Schema.Schema.Any>(path: `/${string}`, resource: R) =>
  HttpApiEndpoint.del("delete", `${path}/:id`)
    .setPath(IdPath)
    .setHeaders(IfMatchHeaders)
    .addSuccess(resource)
    .addError(NotFound)
    .addError(Aborted)
    .addError(FailedPrecondition)

/** GET `path` with the kind's query parameters: `{entries, nextPageToken?}`, newest first. */
export const list = <R extends Schema.Schema.Any, P extends Schema.Schema<any, any, never>>(
  path: `/${string}`,
  resource: R,
  params: P
) =>
  HttpApiEndpoint.get("list", path)
    .setUrlParams(params as P & HttpApiEndpoint.HttpApiEndpoint.ValidateUrlParams<P>)
    .addSuccess(ListResponse(resource))
    .addError(InvalidArgument)

/**
 * POST `path/apply`: create, or update the one with the same (org, slug). Answers 201
 * when it created (the handler sets the status) and 200 when it updated.
 */
export const apply = <R extends Schema.Schema.Any, In extends Schema.Schema.Any>(
  path: `/${string}`,
  resource: R,
  input: In
) =>
  HttpApiEndpoint.post("apply", `${path}/apply`)
    .setPayload(input)
    .addSuccess(resource)
    .addSuccess(resource, Created)
    .addError(InvalidArgument)
    .addError(NotFound)
    .addError(AlreadyExists)
    .addError(Aborted)

/** GET `path/by-slug/:slug?org=`. */
export const getBySlug = <R extends Schema.Schema.Any>(path: `/${string}`, resource: R) =>
  HttpApiEndpoint.get("getBySlug", `${path}/by-slug/:slug`)
    .setPath(SlugPath)
    .setUrlParams(OrgParams)
    .addSuccess(resource)
    .addError(NotFound)

export { HttpApiSchema }
