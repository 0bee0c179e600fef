/**
 * The HTTP endpoints every kind shares, as pieces of an HttpApiGroup: create, get,
 * update, delete and list, with the canonical errors each one can answer. Kind
 * packages build their group from these and add their own endpoints.
 */
import { HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Aborted, AlreadyExists, FailedPrecondition, InvalidArgument, NotFound } from "./Errors.js"
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
