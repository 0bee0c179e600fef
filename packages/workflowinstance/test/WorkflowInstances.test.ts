/**
 * The WorkflowInstances service and the real DefaultInstanceProvisioner, together with
 * the Workflows service, over in-memory SQLite: one fresh database per test.
 */
import { assert, describe, it } from "@effect/vitest"
import { Environments } from "@weft/environment"
import { Workflows } from "@weft/workflow"
import { Effect, TestClock } from "effect"
import { type WorkflowInstance, WorkflowInstances } from "../src/index.js"
import { environmentBody, instanceBody, instanceCount, TestLayer, workflowBody, workflowCount } from "./fixtures.js"

const test = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, TestLayer) as Effect.Effect<A, E, never>

const setup = Effect.all({ workflows: Workflows, instances: WorkflowInstances })

describe("default instance provisioning (Workflows.create with DefaultInstanceProvisionerLive)", () => {
  it.effect("creating a workflow creates <slug>-default and records it on the workflow", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      yield* TestClock.adjust("2 seconds")
      const workflow = yield* workflows.createUnknown(workflowBody({ name: "My Greeter" }))
      assert.strictEqual(workflow.metadata.version, 1)
      const defaultId = workflow.status.defaultInstanceId
      assert.isString(defaultId)
      assert.match(defaultId!, /^win-[0-9a-z]{26}$/)

      const instance = yield* instances.get(defaultId!)
      assert.strictEqual(instance.kind, "WorkflowInstance")
      assert.strictEqual(instance.metadata.slug, "my-greeter-default")
      assert.strictEqual(instance.metadata.name, "my-greeter-default")
      assert.strictEqual(instance.metadata.org, "acme")
      assert.strictEqual(instance.metadata.ownerScope, "organization")
      assert.strictEqual(instance.metadata.version, 1)
      assert.strictEqual(instance.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(instance.spec.description, "Default instance (auto-created)")
      assert.strictEqual(instance.status.audit.specAudit.event, "created")
      assert.strictEqual(instance.status.audit.specAudit.createdAt, "1970-01-01T00:00:02.000Z")

      // Found again by the slug it is named by (the original's defect: named from the name).
      const bySlug = yield* instances.getBySlug("my-greeter-default", "acme")
      assert.strictEqual(bySlug.metadata.id, defaultId)
      // The stored workflow points at it too.
      assert.strictEqual((yield* workflows.get(workflow.metadata.id)).status.defaultInstanceId, defaultId)
      assert.strictEqual(yield* instanceCount, 1)
    })))

  it.effect("a platform workflow gets a platform default instance without an org", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody({ ownerScope: "platform", org: undefined }))
      const instance = yield* instances.get(workflow.status.defaultInstanceId!)
      assert.strictEqual(instance.metadata.ownerScope, "platform")
      assert.isUndefined(instance.metadata.org)
      assert.strictEqual(instance.metadata.slug, "greeter-default")
    })))

  it.effect("a workflow whose default instance cannot be created is not stored, and nothing else changes", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const other = yield* workflows.createUnknown(workflowBody({ name: "Other" }))
      // Someone took the slug the default instance of "Greeter" needs.
      const squatter = yield* instances.createUnknown(instanceBody(other.metadata.id, { name: "greeter-default" }))
      const error = yield* Effect.flip(workflows.createUnknown(workflowBody({ name: "Greeter" })))
      assert.strictEqual(error._tag, "AlreadyExists")
      assert.strictEqual(error.code, "ALREADY_EXISTS")
      assert.include(error.message, "greeter-default")

      assert.strictEqual(yield* workflowCount, 1)
      assert.strictEqual((yield* Effect.flip(workflows.getBySlug("greeter", "acme")))._tag, "NotFound")
      assert.strictEqual(yield* instanceCount, 2)
      assert.deepStrictEqual(yield* instances.get(squatter.metadata.id), squatter)

      // The same name in another org is fine.
      const elsewhere = yield* workflows.createUnknown(workflowBody({ name: "Greeter", org: "globex" }))
      const instance = yield* instances.get(elsewhere.status.defaultInstanceId!)
      assert.strictEqual(instance.metadata.org, "globex")
    })))

  it.effect("apply provisions once: the update path keeps the default instance", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const first = yield* workflows.applyUnknown(workflowBody())
      assert.isTrue(first.created)
      const changed = workflowBody()
      const second = yield* workflows.applyUnknown({ ...changed, spec: { ...changed.spec, description: "new" } })
      assert.isFalse(second.created)
      assert.strictEqual(second.resource.metadata.version, 2)
      assert.strictEqual(second.resource.status.defaultInstanceId, first.resource.status.defaultInstanceId)
      const page = yield* instances.list({ pageSize: 10, workflowId: first.resource.metadata.id })
      assert.deepStrictEqual(page.entries.map((i) => i.metadata.id), [first.resource.status.defaultInstanceId])
    })))
})

describe("WorkflowInstances.create", () => {
  it.effect("stores version 1 with a derived slug, a server id and the created audit", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      yield* TestClock.adjust("3 seconds")
      yield* (yield* Environments).createUnknown(environmentBody("prod"))
      const envRefs = [{ scope: "organization", org: "acme", kind: "Environment", slug: "prod", version: "1" }]
      const created = yield* instances.createUnknown(
        instanceBody(workflow.metadata.id, { labels: { tier: "prod" } }, { envRefs }, {
          status: { audit: "ignored", anything: 1 }
        })
      )
      assert.strictEqual(created.apiVersion, "agentic.stigmer.ai/v1")
      assert.strictEqual(created.kind, "WorkflowInstance")
      assert.match(created.metadata.id, /^win-[0-9a-z]{26}$/)
      assert.strictEqual(created.metadata.slug, "prod-instance")
      assert.strictEqual(created.metadata.name, "Prod Instance")
      assert.strictEqual(created.metadata.version, 1)
      assert.deepStrictEqual(created.metadata.labels, { tier: "prod" })
      assert.deepStrictEqual<unknown>(created.spec, {
        workflowId: workflow.metadata.id,
        description: "production bindings",
        envRefs
      })
      const at = "1970-01-01T00:00:03.000Z"
      const info = { createdBy: { id: "system" }, createdAt: at, updatedBy: { id: "system" }, updatedAt: at, event: "created" }
      assert.deepStrictEqual(created.status, { audit: { specAudit: info, statusAudit: info } })
      assert.deepStrictEqual(yield* instances.get(created.metadata.id), created)
      // Creating an instance leaves the workflow alone.
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), workflow)
    })))

  it.effect("envRefs: each must name an existing Environment of the instance's org or without org", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const environments = yield* Environments
      const id = (yield* workflows.createUnknown(workflowBody())).metadata.id
      yield* environments.createUnknown(environmentBody("prod"))
      yield* environments.createUnknown(environmentBody("shared", { org: undefined, ownerScope: "platform" }))
      yield* environments.createUnknown(environmentBody("theirs", { org: "globex" }))
      const refs = (...envRefs: ReadonlyArray<Record<string, unknown>>) => instanceBody(id, {}, { envRefs })

      const missing = yield* Effect.flip(instances.createUnknown(refs({ kind: "Environment", org: "acme", slug: "prod" }, {
        kind: "Environment",
        org: "acme",
        slug: "staging"
      })))
      assert.strictEqual(missing._tag, "NotFound")
      assert.strictEqual(missing.message, "Environment not found: acme/staging")

      const foreign = yield* Effect.flip(instances.createUnknown(refs({ org: "globex", slug: "theirs" })))
      assert.strictEqual(foreign._tag, "InvalidArgument")
      assert.include(foreign.message, "spec.envRefs[0].org")
      assert.include(foreign.message, "globex")
      // Refused for the org, whether the environment exists or not.
      assert.strictEqual((yield* Effect.flip(instances.createUnknown(refs({ org: "globex", slug: "nope" }))))._tag, "InvalidArgument")
      const wrongKind = yield* Effect.flip(instances.createUnknown(refs({ kind: "Secret", org: "acme", slug: "prod" })))
      assert.include(wrongKind.message, "spec.envRefs[0].kind")
      const noSlug = yield* Effect.flip(instances.createUnknown(refs({ org: "acme" })))
      assert.include(noSlug.message, "spec.envRefs[0].slug")
      // An environment of another org with the slug of one without org is not it.
      assert.strictEqual((yield* Effect.flip(instances.createUnknown(refs({ slug: "theirs" }))))._tag, "NotFound")
      assert.strictEqual(yield* instanceCount, 1) // the default instance only

      // Its own org's, and one without org (org absent or empty).
      const bound = yield* instances.createUnknown(refs({ kind: "Environment", org: "acme", slug: "prod" }, { slug: "shared" }, {
        org: "",
        slug: "shared"
      }))
      assert.strictEqual(bound.spec.envRefs?.length, 3)

      // Update checks them the same way.
      const update = (envRefs: ReadonlyArray<Record<string, unknown>>) =>
        Effect.flip(instances.updateUnknown(bound.metadata.id, instanceBody(id, {}, { envRefs })))
      assert.strictEqual((yield* update([{ org: "acme", slug: "gone" }]))._tag, "NotFound")
      assert.strictEqual((yield* update([{ org: "globex", slug: "theirs" }]))._tag, "InvalidArgument")
      assert.strictEqual((yield* instances.get(bound.metadata.id)).metadata.version, 1)
    })))

  it.effect("an unknown workflowId is NOT_FOUND \"Workflow not found: <id>\" and stores nothing", () =>
    test(Effect.gen(function*() {
      const { instances } = yield* setup
      const id = "wfl-01j00000000000000000000000"
      const error = yield* Effect.flip(instances.createUnknown(instanceBody(id)))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "NOT_FOUND")
      assert.strictEqual(error.message, `Workflow not found: ${id}`)
      assert.strictEqual(yield* instanceCount, 0)
    })))

  it.effect("invalid input is INVALID_ARGUMENT naming the field", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const id = workflow.metadata.id
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [instanceBody(id, { name: undefined }), "metadata.name"],
        [instanceBody(id, { id: "win-01j00000000000000000000000" }), "metadata.id"],
        [instanceBody(id, { slug: "Bad Slug" }), "metadata.slug"],
        [instanceBody(id, { ownerScope: "galaxy" }), "metadata.ownerScope"],
        [instanceBody(""), "spec.workflowId"],
        [{ ...instanceBody(id), spec: { description: "no workflow" } }, "spec.workflowId"],
        [{ ...instanceBody(id), kind: "Workflow" }, "kind"],
        [{ ...instanceBody(id), apiVersion: "agentic.stigmer.ai/v2" }, "apiVersion"],
        [instanceBody(id, {}, { envRefs: [{ scope: "nowhere" }] }), "spec.envRefs[0].scope"]
      ]
      for (const [input, field] of cases) {
        const error = yield* Effect.flip(instances.createUnknown(input))
        assert.strictEqual(error._tag, "InvalidArgument", field)
        assert.include(error.message, field)
      }
      assert.strictEqual(yield* instanceCount, 1) // the default instance only
    })))

  it.effect("any owner scope is allowed, by name or number", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const id = workflow.metadata.id
      const identity = yield* instances.createUnknown(instanceBody(id, { name: "mine", ownerScope: "identity_account" }))
      assert.strictEqual(identity.metadata.ownerScope, "identity_account")
      const platform = yield* instances.createUnknown(instanceBody(id, { name: "shared", ownerScope: 1 }))
      assert.strictEqual(platform.metadata.ownerScope, "platform")
      const none = yield* instances.createUnknown(instanceBody(id, { name: "unscoped", ownerScope: undefined }))
      assert.isUndefined(none.metadata.ownerScope)
    })))

  it.effect("same-org rule: an organization instance of an organization workflow must share its org", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const error = yield* Effect.flip(instances.createUnknown(instanceBody(workflow.metadata.id, { org: "globex" })))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.include(error.message, "metadata.org")
      assert.strictEqual(yield* instanceCount, 1)
      const noOrg = yield* Effect.flip(instances.createUnknown(instanceBody(workflow.metadata.id, { org: undefined })))
      assert.strictEqual(noOrg._tag, "InvalidArgument")
      assert.include(noOrg.message, "metadata.org")

      const same = yield* instances.createUnknown(instanceBody(workflow.metadata.id, { org: "acme" }))
      assert.strictEqual(same.metadata.org, "acme")

      // A platform workflow can be instantiated by any organization.
      const platform = yield* workflows.createUnknown(workflowBody({ name: "Shared", ownerScope: "platform", org: undefined }))
      const globex = yield* instances.createUnknown(instanceBody(platform.metadata.id, { org: "globex" }))
      assert.strictEqual(globex.metadata.org, "globex")
    })))

  it.effect("a duplicate slug in the same org is ALREADY_EXISTS; another org is allowed", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const platform = yield* workflows.createUnknown(workflowBody({ ownerScope: "platform", org: undefined }))
      const id = platform.metadata.id
      yield* instances.createUnknown(instanceBody(id, { name: "Prod" }))
      const error = yield* Effect.flip(instances.createUnknown(instanceBody(id, { name: "prod" })))
      assert.strictEqual(error._tag, "AlreadyExists")
      assert.strictEqual(error.code, "ALREADY_EXISTS")
      const other = yield* instances.createUnknown(instanceBody(id, { name: "Prod", org: "globex" }))
      assert.strictEqual(other.metadata.slug, "prod")
      assert.strictEqual(yield* instanceCount, 3)
    })))
})

describe("WorkflowInstances.update", () => {
  it.effect("keeps id, slug, org, createdAt; version +1 and event updated; an unchanged update keeps the version", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const created = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      yield* TestClock.adjust("1 minute")
      const updated = yield* instances.updateUnknown(
        created.metadata.id,
        instanceBody(workflow.metadata.id, { name: "Renamed" }, { description: "changed" })
      )
      assert.strictEqual(updated.metadata.id, created.metadata.id)
      assert.strictEqual(updated.metadata.slug, "prod-instance")
      assert.strictEqual(updated.metadata.org, "acme")
      assert.strictEqual(updated.metadata.name, "Renamed")
      assert.strictEqual(updated.metadata.version, 2)
      assert.strictEqual(updated.spec.description, "changed")
      assert.strictEqual(updated.status.audit.specAudit.createdAt, created.status.audit.specAudit.createdAt)
      assert.strictEqual(updated.status.audit.specAudit.updatedAt, "1970-01-01T00:01:00.000Z")
      assert.strictEqual(updated.status.audit.specAudit.event, "updated")
      assert.strictEqual(updated.status.audit.statusAudit.event, "updated")

      const same = yield* instances.updateUnknown(
        created.metadata.id,
        instanceBody(workflow.metadata.id, { name: "Renamed" }, { description: "changed" })
      )
      assert.strictEqual(same.metadata.version, 2)
      assert.deepStrictEqual(yield* instances.get(created.metadata.id), updated)
    })))

  it.effect("changing spec.workflowId is INVALID_ARGUMENT and changes nothing", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const a = yield* workflows.createUnknown(workflowBody({ name: "A" }))
      const b = yield* workflows.createUnknown(workflowBody({ name: "B" }))
      const created = yield* instances.createUnknown(instanceBody(a.metadata.id))
      const error = yield* Effect.flip(instances.updateUnknown(created.metadata.id, instanceBody(b.metadata.id)))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.include(error.message, "spec.workflowId")
      assert.deepStrictEqual(yield* instances.get(created.metadata.id), created)
    })))

  it.effect("If-Match and unknown ids", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const created = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const change = instanceBody(workflow.metadata.id, {}, { description: "x" })
      const stale = yield* Effect.flip(instances.updateUnknown(created.metadata.id, change, "\"99\""))
      assert.strictEqual(stale._tag, "Aborted")
      assert.strictEqual(stale.code, "ABORTED")
      assert.strictEqual((yield* instances.get(created.metadata.id)).metadata.version, 1)
      const ok = yield* instances.updateUnknown(created.metadata.id, change, "\"1\"")
      assert.strictEqual(ok.metadata.version, 2)
      const missing = yield* Effect.flip(instances.updateUnknown("win-01j00000000000000000000000", change))
      assert.strictEqual(missing._tag, "NotFound")
      assert.strictEqual(missing.message, "WorkflowInstance not found: win-01j00000000000000000000000")
    })))
})

describe("WorkflowInstances.apply", () => {
  it.effect("creates, then updates the instance with the same (org, slug)", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const a = yield* workflows.createUnknown(workflowBody({ name: "A" }))
      const b = yield* workflows.createUnknown(workflowBody({ name: "B" }))
      const first = yield* instances.applyUnknown(instanceBody(a.metadata.id))
      assert.isTrue(first.created)
      assert.strictEqual(first.resource.metadata.version, 1)
      const second = yield* instances.applyUnknown(instanceBody(a.metadata.id, {}, { description: "v2" }))
      assert.isFalse(second.created)
      assert.strictEqual(second.resource.metadata.id, first.resource.metadata.id)
      assert.strictEqual(second.resource.metadata.version, 2)
      assert.strictEqual(second.resource.spec.description, "v2")

      const moved = yield* Effect.flip(instances.applyUnknown(instanceBody(b.metadata.id)))
      assert.strictEqual(moved._tag, "InvalidArgument")
      assert.include(moved.message, "spec.workflowId")

      const unknown = yield* Effect.flip(instances.applyUnknown(instanceBody("wfl-01j00000000000000000000000", { name: "new" })))
      assert.strictEqual(unknown._tag, "NotFound")
      assert.strictEqual(unknown.message, "Workflow not found: wfl-01j00000000000000000000000")
      assert.strictEqual(yield* instanceCount, 3)
    })))
})

describe("WorkflowInstances.delete", () => {
  it.effect("deleting a plain instance answers it and leaves the workflow alone", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const created = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const deleted = yield* instances.delete(created.metadata.id)
      assert.deepStrictEqual(deleted, created)
      assert.strictEqual((yield* Effect.flip(instances.get(created.metadata.id)))._tag, "NotFound")
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), workflow)
      const again = yield* Effect.flip(instances.delete(created.metadata.id))
      assert.strictEqual(again.message, `WorkflowInstance not found: ${created.metadata.id}`)
    })))

  it.effect("deleting a workflow's default instance clears defaultInstanceId (a status update of the workflow)", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      yield* TestClock.adjust("10 seconds")
      yield* instances.delete(workflow.status.defaultInstanceId!)
      const after = yield* workflows.get(workflow.metadata.id)
      assert.isUndefined(after.status.defaultInstanceId)
      assert.strictEqual(after.metadata.version, 2)
      assert.deepStrictEqual(after.spec, workflow.spec)
      assert.deepStrictEqual(after.status.audit.specAudit, workflow.status.audit.specAudit)
      assert.strictEqual(after.status.audit.statusAudit.event, "status_updated")
      assert.strictEqual(after.status.audit.statusAudit.updatedAt, "1970-01-01T00:00:10.000Z")
      assert.strictEqual(yield* instanceCount, 0)
    })))

  it.effect("If-Match on delete", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const defaultId = workflow.status.defaultInstanceId!
      const stale = yield* Effect.flip(instances.delete(defaultId, "\"99\""))
      assert.strictEqual(stale._tag, "Aborted")
      assert.strictEqual(yield* instanceCount, 1)
      assert.strictEqual((yield* workflows.get(workflow.metadata.id)).status.defaultInstanceId, defaultId)
      yield* instances.delete(defaultId, "\"1\"")
      assert.strictEqual(yield* instanceCount, 0)
    })))
})

describe("Workflows.delete with instances (DefaultInstanceProvisionerLive.release)", () => {
  it.effect("deletes the workflow's default instance with it", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const other = yield* workflows.createUnknown(workflowBody({ name: "Other" }))
      const deleted = yield* workflows.delete(workflow.metadata.id)
      assert.strictEqual(deleted.metadata.id, workflow.metadata.id)
      assert.strictEqual((yield* Effect.flip(instances.get(workflow.status.defaultInstanceId!)))._tag, "NotFound")
      // The other workflow and its default instance are untouched.
      assert.strictEqual(yield* workflowCount, 1)
      assert.strictEqual(yield* instanceCount, 1)
      assert.strictEqual((yield* instances.get(other.status.defaultInstanceId!)).spec.workflowId, other.metadata.id)
    })))

  it.effect("while another instance exists: FAILED_PRECONDITION and nothing is deleted", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const extra = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const error = yield* Effect.flip(workflows.delete(workflow.metadata.id))
      assert.strictEqual(error._tag, "FailedPrecondition")
      assert.strictEqual(error.code, "FAILED_PRECONDITION")
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), workflow)
      assert.strictEqual((yield* instances.get(workflow.status.defaultInstanceId!)).metadata.version, 1)
      assert.deepStrictEqual(yield* instances.get(extra.metadata.id), extra)
      assert.strictEqual(yield* instanceCount, 2)

      // Once the other instance is gone, the delete goes through and takes the default along.
      yield* instances.delete(extra.metadata.id)
      yield* workflows.delete(workflow.metadata.id)
      assert.strictEqual(yield* workflowCount, 0)
      assert.strictEqual(yield* instanceCount, 0)
    })))

  it.effect("after its default instance was deleted: blocked by any remaining instance, else deleted", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const workflow = yield* workflows.createUnknown(workflowBody())
      const extra = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      yield* instances.delete(workflow.status.defaultInstanceId!)
      const error = yield* Effect.flip(workflows.delete(workflow.metadata.id))
      assert.strictEqual(error._tag, "FailedPrecondition")
      assert.strictEqual(yield* workflowCount, 1)
      yield* instances.delete(extra.metadata.id)
      const deleted = yield* workflows.delete(workflow.metadata.id)
      assert.isUndefined(deleted.status.defaultInstanceId)
      assert.strictEqual(yield* workflowCount, 0)
    })))

  it.effect("instances of another workflow do not block the delete", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const a = yield* workflows.createUnknown(workflowBody({ name: "A" }))
      const b = yield* workflows.createUnknown(workflowBody({ name: "B" }))
      const ofB = yield* instances.createUnknown(instanceBody(b.metadata.id))
      yield* workflows.delete(a.metadata.id)
      assert.deepStrictEqual(yield* instances.get(ofB.metadata.id), ofB)
      assert.strictEqual(yield* instanceCount, 2)
    })))
})

describe("WorkflowInstances.list", () => {
  it.effect("pages newest first with nextPageToken; filters by workflowId and org", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* setup
      const a = yield* workflows.createUnknown(workflowBody({ name: "A" }))
      const b = yield* workflows.createUnknown(workflowBody({ name: "B" }))
      const ofA: Array<WorkflowInstance.WorkflowInstance> = []
      for (let i = 1; i <= 3; i++) ofA.push(yield* instances.createUnknown(instanceBody(a.metadata.id, { name: `a ${i}` })))

      const expected = [...ofA.map((i) => i.metadata.id).reverse(), a.status.defaultInstanceId]
      const p1 = yield* instances.list({ pageSize: 2, workflowId: a.metadata.id })
      assert.deepStrictEqual(p1.entries.map((i) => i.metadata.id), expected.slice(0, 2))
      assert.isString(p1.nextPageToken)
      const p2 = yield* instances.list({ pageSize: 2, workflowId: a.metadata.id, pageToken: p1.nextPageToken })
      assert.deepStrictEqual(p2.entries.map((i) => i.metadata.id), expected.slice(2))
      assert.isUndefined(p2.nextPageToken)
      assert.deepStrictEqual(p2.entries[0], ofA[0])

      const ofB = yield* instances.list({ pageSize: 50, workflowId: b.metadata.id })
      assert.deepStrictEqual(ofB.entries.map((i) => i.metadata.id), [b.status.defaultInstanceId])

      const all = yield* instances.list({ pageSize: 50 })
      assert.strictEqual(all.entries.length, 5)
      assert.isUndefined(all.nextPageToken)
      assert.strictEqual(all.entries[0].metadata.id, ofA[2].metadata.id)

      assert.deepStrictEqual((yield* instances.list({ pageSize: 50, org: "globex" })).entries, [])
      assert.deepStrictEqual((yield* instances.list({ pageSize: 50, workflowId: "wfl-unknown" })).entries, [])

      const bad = yield* Effect.flip(instances.list({ pageSize: 10, pageToken: "%%%" }))
      assert.strictEqual(bad._tag, "InvalidArgument")
      assert.include(bad.message, "pageToken")
    })))
})
