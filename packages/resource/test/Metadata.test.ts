import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Metadata, Resource, ResourceKind } from "../src/index.js"

describe("Metadata.OwnerScope", () => {
  const decode = Schema.decodeUnknownEither(Metadata.OwnerScope)

  it("decodes names and proto numbers", () => {
    assert.deepStrictEqual(decode("platform"), Either.right("platform"))
    assert.deepStrictEqual(decode("identity_account"), Either.right("identity_account"))
    assert.deepStrictEqual(decode(0), Either.right("api_resource_owner_scope_unspecified"))
    assert.deepStrictEqual(decode(1), Either.right("platform"))
    assert.deepStrictEqual(decode(2), Either.right("organization"))
    assert.deepStrictEqual(decode(3), Either.right("identity_account"))
  })

  it("rejects unknown scopes", () => {
    assert.isTrue(Either.isLeft(decode(4)))
    assert.isTrue(Either.isLeft(decode("PLATFORM")))
    assert.isTrue(Either.isLeft(decode("tenant")))
  })
})

describe("Metadata.MetadataInput", () => {
  const decode = Schema.decodeUnknownEither(Metadata.MetadataInput)

  it("accepts an empty block and a full one", () => {
    assert.deepStrictEqual(decode({}), Either.right({}))
    const full = {
      name: "My Agent",
      slug: "my-agent",
      org: "acme",
      ownerScope: "organization",
      labels: { a: "b" },
      annotations: { c: "d" },
      tags: ["x", "y"]
    } as const
    assert.deepStrictEqual(decode(full), Either.right(full))
  })

  it("rejects a slug that is not slug-shaped", () => {
    assert.isTrue(Either.isLeft(decode({ slug: "My Agent" })))
    assert.isTrue(Either.isLeft(decode({ slug: "a--b" })))
  })

  it("rejects labels whose values are not strings", () => {
    assert.isTrue(Either.isLeft(decode({ labels: { a: 1 } })))
    assert.isTrue(Either.isLeft(decode({ tags: "x" })))
  })

  it("decodes an owner scope given as its number", () => {
    assert.deepStrictEqual(decode({ ownerScope: 1 }), Either.right({ ownerScope: "platform" }))
  })
})

describe("Metadata audit", () => {
  it("timestamp is RFC 3339 UTC with milliseconds", () => {
    assert.strictEqual(Metadata.timestamp(0), "1970-01-01T00:00:00.000Z")
    assert.strictEqual(Metadata.timestamp(Date.UTC(2024, 4, 6, 7, 8, 9, 12)), "2024-05-06T07:08:09.012Z")
  })

  it("auditCreated sets both blocks by the system actor with event created", () => {
    const at = "2024-01-01T00:00:00.000Z"
    const audit = Metadata.auditCreated(at)
    const info = { createdBy: { id: "system" }, createdAt: at, updatedBy: { id: "system" }, updatedAt: at, event: "created" }
    assert.deepStrictEqual(audit, { specAudit: info, statusAudit: info })
    assert.isTrue(Either.isRight(Schema.decodeUnknownEither(Metadata.Audit)(audit)))
  })

  it("auditUpdated keeps the creation, bumps the rest, event updated", () => {
    const created = Metadata.auditCreated("2024-01-01T00:00:00.000Z")
    const updated = Metadata.auditUpdated(created, "2024-02-02T00:00:00.000Z", { id: "alice" })
    for (const block of [updated.specAudit, updated.statusAudit]) {
      assert.deepStrictEqual(block.createdBy, { id: "system" })
      assert.strictEqual(block.createdAt, "2024-01-01T00:00:00.000Z")
      assert.deepStrictEqual(block.updatedBy, { id: "alice" })
      assert.strictEqual(block.updatedAt, "2024-02-02T00:00:00.000Z")
      assert.strictEqual(block.event, "updated")
    }
    // The input is not mutated.
    assert.strictEqual(created.specAudit.event, "created")
  })

  it("auditStatusUpdated bumps only the status block, event status_updated", () => {
    const created = Metadata.auditCreated("2024-01-01T00:00:00.000Z")
    const next = Metadata.auditStatusUpdated(created, "2024-03-03T00:00:00.000Z")
    assert.deepStrictEqual(next.specAudit, created.specAudit)
    assert.strictEqual(next.statusAudit.createdAt, "2024-01-01T00:00:00.000Z")
    assert.strictEqual(next.statusAudit.updatedAt, "2024-03-03T00:00:00.000Z")
    assert.deepStrictEqual(next.statusAudit.updatedBy, { id: "system" })
    assert.strictEqual(next.statusAudit.event, "status_updated")
  })
})

describe("Resource envelopes", () => {
  const Spec = Schema.Struct({ workflowId: Schema.String })
  const Input = Resource.input("WorkflowExecution", Spec)
  const decode = Schema.decodeUnknownEither(Input)

  it("input: apiVersion and kind may be omitted, metadata defaults to {}", () => {
    assert.deepStrictEqual(decode({ spec: { workflowId: "w" } }), Either.right({ metadata: {}, spec: { workflowId: "w" } }))
  })

  it("input: the right apiVersion and kind are accepted", () => {
    const body = {
      apiVersion: ResourceKind.ApiVersion,
      kind: "WorkflowExecution",
      metadata: { name: "n" },
      spec: { workflowId: "w" }
    } as const
    assert.deepStrictEqual(decode(body), Either.right(body))
  })

  it("input: a wrong apiVersion or kind is rejected", () => {
    assert.isTrue(Either.isLeft(decode({ apiVersion: "v2", spec: { workflowId: "w" } })))
    assert.isTrue(Either.isLeft(decode({ kind: "Workflow", spec: { workflowId: "w" } })))
  })

  it("input: status is accepted (and left for the server to ignore)", () => {
    assert.isTrue(Either.isRight(decode({ spec: { workflowId: "w" }, status: { phase: "X" } })))
  })

  it("stored: requires full metadata and the audit", () => {
    const Stored = Resource.stored("WorkflowExecution", Spec, { phase: Schema.String })
    const doc = {
      apiVersion: ResourceKind.ApiVersion,
      kind: "WorkflowExecution" as const,
      metadata: { id: "wex-1", name: "n", slug: "n", version: 1 },
      spec: { workflowId: "w" },
      status: { audit: Metadata.auditCreated("2024-01-01T00:00:00.000Z"), phase: "EXECUTION_PENDING" }
    }
    assert.deepStrictEqual(Schema.decodeUnknownEither(Stored)(doc), Either.right(doc))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Stored)({ ...doc, metadata: { id: "wex-1", name: "n", slug: "n" } })))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Stored)({ ...doc, metadata: { ...doc.metadata, version: 1.5 } })))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Stored)({ ...doc, status: { phase: "EXECUTION_PENDING" } })))
  })

  it("ListResponse: nextPageToken is optional", () => {
    const List = Resource.ListResponse(Schema.Number)
    assert.deepStrictEqual(Schema.decodeUnknownEither(List)({ entries: [1, 2] }), Either.right({ entries: [1, 2] }))
    assert.deepStrictEqual(
      Schema.decodeUnknownEither(List)({ entries: [], nextPageToken: "t" }),
      Either.right({ entries: [], nextPageToken: "t" })
    )
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(List)({ entries: ["x"] })))
  })
})
