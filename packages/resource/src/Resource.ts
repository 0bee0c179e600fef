/**
 * The Kubernetes-style envelope `{apiVersion, kind, metadata, spec, status}` shared by
 * every kind, as it is sent by clients (input) and as it is stored and returned.
 */
import { Schema } from "effect"
import { Audit, Metadata, MetadataInput } from "./Metadata.js"
import { ApiVersion } from "./ResourceKind.js"

/** What every stored resource looks like, whatever its spec and status. */
export interface AnyResource {
  readonly apiVersion: typeof ApiVersion
  readonly kind: string
  readonly metadata: Metadata
  readonly spec: object
  readonly status: { readonly audit: Audit }
}

/** The envelope a client sends: apiVersion/kind optional but checked, status ignored. */
export const input = <K extends string, Spec extends Schema.Schema.Any>(kind: K, spec: Spec) =>
  Schema.Struct({
    apiVersion: Schema.optional(Schema.Literal(ApiVersion)),
    kind: Schema.optional(Schema.Literal(kind)),
    metadata: Schema.optionalWith(MetadataInput, { default: () => ({}) }),
    spec: spec,
    status: Schema.optional(Schema.Unknown)
  })

/** The envelope the server returns. */
export const stored = <K extends string, Spec extends Schema.Schema.Any, Status extends Schema.Struct.Fields>(
  kind: K,
  spec: Spec,
  status: Status
) =>
  Schema.Struct({
    apiVersion: Schema.Literal(ApiVersion),
    kind: Schema.Literal(kind),
    metadata: Metadata,
    spec: spec,
    status: Schema.Struct({ audit: Audit, ...status })
  })

/** Paged list response `{entries, nextPageToken?}`. */
export const ListResponse = <A extends Schema.Schema.Any>(entry: A) =>
  Schema.Struct({
    entries: Schema.Array(entry),
    nextPageToken: Schema.optional(Schema.String)
  })
