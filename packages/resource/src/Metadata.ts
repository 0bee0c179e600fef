/**
 * The metadata every resource carries, and the audit block of its status.
 */
import { Schema } from "effect"
import * as ProtoEnum from "./ProtoEnum.js"
import { Name, Slug } from "./Slug.js"

export const OwnerScopeNames = [
  "api_resource_owner_scope_unspecified",
  "platform",
  "organization",
  "identity_account"
] as const
export const OwnerScope = ProtoEnum.make(OwnerScopeNames)
export type OwnerScope = typeof OwnerScope.Type

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/** Metadata as a client sends it. Which fields are required is decided per kind. */
export const MetadataInput = Schema.Struct({
  name: Schema.optional(Name),
  slug: Schema.optional(Slug),
  id: Schema.optional(Schema.String),
  org: Schema.optional(Schema.String),
  ownerScope: Schema.optional(OwnerScope),
  labels: Schema.optional(StringMap),
  annotations: Schema.optional(StringMap),
  tags: Schema.optional(Schema.Array(Schema.String)),
  version: Schema.optional(Schema.Number)
})
export type MetadataInput = typeof MetadataInput.Type

/** Metadata as the server stores and returns it. */
export const Metadata = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  slug: Schema.String,
  org: Schema.optional(Schema.String),
  ownerScope: Schema.optional(OwnerScope),
  labels: Schema.optional(StringMap),
  annotations: Schema.optional(StringMap),
  tags: Schema.optional(Schema.Array(Schema.String)),
  /** 1 at create, +1 with every committed change; sent as the ETag. */
  version: Schema.Int
})
export type Metadata = typeof Metadata.Type

export const Actor = Schema.Struct({ id: Schema.String })

export const AuditInfo = Schema.Struct({
  createdBy: Actor,
  createdAt: Schema.String,
  updatedBy: Actor,
  updatedAt: Schema.String,
  event: Schema.String
})
export type AuditInfo = typeof AuditInfo.Type

export const Audit = Schema.Struct({
  specAudit: AuditInfo,
  statusAudit: AuditInfo
})
export type Audit = typeof Audit.Type

/** The actor of the engine's own changes, and of every change when no tokens are configured. */
export const SystemActor = { id: "system" } as const

/** RFC 3339 UTC with milliseconds. */
export const timestamp = (millis: number): string => new Date(millis).toISOString()

/** When a resource last changed: the later of its spec's and its status's last update. */
export const lastUpdate = ({ specAudit, statusAudit }: Audit): string =>
  specAudit.updatedAt > statusAudit.updatedAt ? specAudit.updatedAt : statusAudit.updatedAt

export const auditCreated = (at: string, actor: typeof Actor.Type = SystemActor): Audit => {
  const info: AuditInfo = { createdBy: actor, createdAt: at, updatedBy: actor, updatedAt: at, event: "created" }
  return { specAudit: info, statusAudit: info }
}

export const auditUpdated = (audit: Audit, at: string, actor: typeof Actor.Type = SystemActor): Audit => ({
  specAudit: { ...audit.specAudit, updatedBy: actor, updatedAt: at, event: "updated" },
  statusAudit: { ...audit.statusAudit, updatedBy: actor, updatedAt: at, event: "updated" }
})

export const auditStatusUpdated = (audit: Audit, at: string, actor: typeof Actor.Type = SystemActor): Audit => ({
  specAudit: audit.specAudit,
  statusAudit: { ...audit.statusAudit, updatedBy: actor, updatedAt: at, event: "status_updated" }
})
