/**
 * The fake kind of `@weft/resource`'s tests (its document, table, migration and store),
 * with what the pipeline tests add: the input a client sends and how a create builds it.
 */
import { Metadata, ResourceKind } from "@weft/resource"
import type { FakeExecution } from "@weft/resource/testing"
import { Schema } from "effect"

export { fake, type FakeExecution, FakeMigrations, StoreLive, table } from "@weft/resource/testing"


/** What a client sends. */
export const FakeInput = Schema.Struct({
  metadata: Schema.optionalWith(Metadata.MetadataInput, { default: () => ({}) }),
  spec: Schema.Struct({
    workflowId: Schema.NonEmptyString,
    note: Schema.optional(Schema.String),
    steps: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.NonEmptyString })))
  })
})
export type FakeInput = typeof FakeInput.Type

/** How the fake kind assembles a new resource in BuildNewState. */
export const buildFake = (request: FakeInput, parts: { metadata: Metadata.Metadata; audit: Metadata.Audit }): FakeExecution => ({
  apiVersion: ResourceKind.ApiVersion,
  kind: "WorkflowExecution",
  metadata: parts.metadata,
  spec: { workflowId: request.spec.workflowId, ...(request.spec.note !== undefined ? { note: request.spec.note } : {}) },
  status: { audit: parts.audit, phase: "EXECUTION_PENDING" }
})
