/**
 * The Workflows service over in-memory SQLite, with a fake DefaultInstanceProvisioner
 * (the real one is exercised in @weft/workflowinstance's tests and end to end).
 */
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { FailedPrecondition, InvalidArgument, ResourceId } from "@weft/resource"
import { Effect, TestClock } from "effect"
import { applyPipeline, createPipeline, decodePipeline, updatePipeline, Workflow, Workflows } from "../src/index.js"
import { body, makeLayer, makeProvisioner, provisionedRows, spec, task, workflowCount } from "./fixtures.js"

/** A fresh database and a well-behaved fake provisioner. */
const withFake = <A, E>(effect: Effect.Effect<A, E, any>) => {
  const fake = makeProvisioner()
  return Effect.provide(effect, makeLayer(fake.layer)) as Effect.Effect<A, E, never>
}

/** Runs `create(input)` expecting an INVALID_ARGUMENT; answers its message. */
const invalid = (input: unknown) =>
  Effect.gen(function*() {
    const workflows = yield* Workflows
    const error = yield* Effect.flip(workflows.createUnknown(input))
    assert.strictEqual(error._tag, "InvalidArgument")
    assert.strictEqual(error.code, "INVALID_ARGUMENT")
    return error.message
  })

describe("decode once", () => {
  it("only the decode pipeline decodes: create, update and apply take the decoded request", () => {
    const steps = (pipeline: { readonly steps: ReadonlyArray<{ readonly name: string }> }) =>
      pipeline.steps.map((step) => step.name)
    assert.deepStrictEqual(steps(decodePipeline), ["ValidateSchema"])
    for (const pipeline of [createPipeline, updatePipeline, applyPipeline]) {
      assert.notInclude(steps(pipeline), "ValidateSchema", pipeline.name)
    }
  })

  it.effect("create takes a typed request as it is; decode gives the same request from JSON", () =>
    Effect.gen(function*() {
      const workflows = yield* Workflows
      const only = { name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } } as const
      const request: Workflow.WorkflowInput = {
        metadata: { name: "Typed", ownerScope: "organization", org: "acme" },
        spec: { document: { dsl: "1.0.0", namespace: "ns", name: "typed", version: "1.0.0" }, tasks: [only] }
      }
      const created = yield* workflows.create(request)
      assert.strictEqual(created.metadata.slug, "typed")
      assert.deepStrictEqual(created.spec, request.spec)
      // Proto numbers and defaults are decoded the same way HttpApi decodes them.
      const decoded = yield* workflows.decode({ ...request, metadata: { ...request.metadata, ownerScope: 2 } })
      assert.deepStrictEqual(decoded, request)
      const error = yield* Effect.flip(workflows.decode(null))
      assert.strictEqual(error.message, "body: is required")
    }).pipe(withFake))
})

describe("Workflows.create", () => {
  it.effect("stores version 1 with a derived slug, a server id, the created audit and the default instance", () => {
    const fake = makeProvisioner()
    return Effect.gen(function*() {
      yield* TestClock.adjust("1234 millis")
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body({ name: "My Workflow", labels: { team: "a" }, tags: ["x"] }))
      assert.strictEqual(created.apiVersion, "agentic.stigmer.ai/v1")
      assert.strictEqual(created.kind, "Workflow")
      assert.strictEqual(created.metadata.version, 1)
      assert.strictEqual(created.metadata.name, "My Workflow")
      assert.strictEqual(created.metadata.slug, "my-workflow")
      assert.strictEqual(created.metadata.org, "acme")
      assert.strictEqual(created.metadata.ownerScope, "organization")
      assert.deepStrictEqual(created.metadata.labels, { team: "a" })
      assert.deepStrictEqual(created.metadata.tags, ["x"])
      assert.match(created.metadata.id, /^wfl-[0-9a-z]{26}$/)
      assert.match(created.metadata.id, ResourceId.pattern)
      assert.deepStrictEqual<unknown>(created.spec, spec())

      const at = "1970-01-01T00:00:01.234Z"
      const info = { createdBy: { id: "system" }, createdAt: at, updatedBy: { id: "system" }, updatedAt: at, event: "created" }
      assert.deepStrictEqual(created.status.audit, { specAudit: info, statusAudit: info })

      // The default instance was provisioned for this very workflow, and recorded on it.
      assert.strictEqual(fake.log.provisioned.length, 1)
      assert.strictEqual(fake.log.provisioned[0].metadata.id, created.metadata.id)
      assert.strictEqual(fake.log.provisioned[0].metadata.slug, "my-workflow")
      assert.strictEqual(created.status.defaultInstanceId, "win-default-of-my-workflow")

      // What was returned is what is stored.
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), created)
      assert.deepStrictEqual(yield* workflows.getBySlug("my-workflow", "acme"), created)
      assert.deepStrictEqual(yield* provisionedRows, [{ workflow_id: created.metadata.id, slug: "my-workflow-default" }])
    }).pipe(Effect.provide(makeLayer(fake.layer)))
  })

  it.effect("derives slugs by the contract's rule", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const cases = [["My Agent", "my-agent"], ["Agent@123!", "agent123"], ["my_test_agent", "mytestagent"], [
        "---hyphens---",
        "hyphens"
      ]] as const
      for (const [name, slug] of cases) {
        const created = yield* workflows.createUnknown(body({ name }))
        assert.strictEqual(created.metadata.slug, slug, name)
        assert.strictEqual(created.metadata.name, name)
      }
    })))

  it.effect("keeps a slug-shaped client slug", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body({ name: "Whatever", slug: "chosen-slug" }))
      assert.strictEqual(created.metadata.slug, "chosen-slug")
      assert.strictEqual(created.metadata.name, "Whatever")
    })))

  it.effect("accepts a platform workflow without an org, and ownerScope by proto number", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const platform = yield* workflows.createUnknown(body({ org: undefined, ownerScope: "platform" }))
      assert.strictEqual(platform.metadata.ownerScope, "platform")
      assert.isUndefined(platform.metadata.org)
      const byNumber = yield* workflows.createUnknown(body({ name: "numbered", ownerScope: 2 }))
      assert.strictEqual(byNumber.metadata.ownerScope, "organization")
    })))

  it.effect("ignores a status sent by the client", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(
        body({}, {}, { status: { defaultInstanceId: "win-bogus", audit: { nonsense: true } } })
      )
      assert.strictEqual(created.status.defaultInstanceId, "win-default-of-my-workflow")
      assert.strictEqual(created.status.audit.specAudit.event, "created")
    })))

  it.effect("a duplicate slug in the same org is ALREADY_EXISTS; the same slug in another org is allowed", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      yield* workflows.createUnknown(body({ name: "Same" }))
      const error = yield* Effect.flip(workflows.createUnknown(body({ name: "same" })))
      assert.strictEqual(error._tag, "AlreadyExists")
      assert.strictEqual(error.code, "ALREADY_EXISTS")
      assert.include(error.message, "same")

      const other = yield* workflows.createUnknown(body({ name: "Same", org: "globex" }))
      assert.strictEqual(other.metadata.slug, "same")
      assert.strictEqual(other.metadata.org, "globex")
      // No org is its own namespace too.
      const none = yield* workflows.createUnknown(body({ name: "Same", org: undefined, ownerScope: "platform" }))
      assert.isUndefined(none.metadata.org)
      assert.strictEqual(yield* workflowCount, 3)
    })))

  describe("invalid input is INVALID_ARGUMENT naming the field, and stores nothing", () => {
    it.effect("missing name", () =>
      withFake(Effect.gen(function*() {
        const message = yield* invalid(body({ name: undefined }))
        assert.include(message, "metadata.name")
        assert.include(yield* invalid(body({ name: "   " })), "metadata.name")
        assert.include(yield* invalid(body({ name: "@@@" })), "metadata.name")
        assert.include(yield* invalid({ metadata: { ownerScope: "platform" }, spec: spec() }), "metadata.name")
        assert.strictEqual(yield* workflowCount, 0)
      })))

    it.effect("a client-supplied id", () =>
      withFake(Effect.gen(function*() {
        const message = yield* invalid(body({ id: "wfl-01hzzzzzzzzzzzzzzzzzzzzzzz" }))
        assert.include(message, "metadata.id")
        assert.strictEqual(yield* workflowCount, 0)
      })))

    it.effect("a slug that is not slug-shaped", () =>
      withFake(Effect.gen(function*() {
        assert.include(yield* invalid(body({ slug: "Not A Slug" })), "metadata.slug")
        assert.include(yield* invalid(body({ slug: "a--b" })), "metadata.slug")
      })))

    it.effect("wrong apiVersion or kind", () =>
      withFake(Effect.gen(function*() {
        assert.include(yield* invalid({ ...body(), apiVersion: "v2" }), "apiVersion")
        assert.include(yield* invalid({ ...body(), kind: "WorkflowInstance" }), "kind")
      })))

    it.effect("a dsl other than 1.0.0, and missing document fields", () =>
      withFake(Effect.gen(function*() {
        const dsl = yield* invalid(
          body({}, { document: { dsl: "0.8", namespace: "default", name: "greeter", version: "1.0.0" } })
        )
        assert.include(dsl, "spec.document.dsl")
        const missing = yield* invalid(body({}, { document: { dsl: "1.0.0", name: "greeter", version: "1.0.0" } }))
        assert.include(missing, "spec.document.namespace")
        assert.include(yield* invalid(body({}, { document: undefined })), "spec.document")
      })))

    it.effect("no tasks", () =>
      withFake(Effect.gen(function*() {
        assert.include(yield* invalid(body({}, { tasks: [] })), "spec.tasks")
        assert.include(yield* invalid(body({}, { tasks: undefined })), "spec.tasks")
      })))

    it.effect("duplicate task names", () =>
      withFake(Effect.gen(function*() {
        const message = yield* invalid(body({}, { tasks: [task("a"), task("b"), task("a")] }))
        assert.include(message, "spec.tasks[2].name")
        assert.include(message, "duplicate")
      })))

    it.effect("an unknown task kind, and task kind 0 (UNSPECIFIED)", () =>
      withFake(Effect.gen(function*() {
        assert.include(yield* invalid(body({}, { tasks: [task("a", "WORKFLOW_TASK_KIND_TELEPORT")] })), "spec.tasks[0].kind")
        assert.include(yield* invalid(body({}, { tasks: [task("a"), task("b", 0)] })), "spec.tasks[1].kind")
        assert.include(yield* invalid(body({}, { tasks: [task("a", 14)] })), "spec.tasks[0].kind")
        assert.include(yield* invalid(body({}, { tasks: [task("a", "WORKFLOW_TASK_KIND_UNSPECIFIED")] })), "spec.tasks[0].kind")
      })))

    it.effect("a task without taskConfig, or with an empty export name", () =>
      withFake(Effect.gen(function*() {
        assert.include(
          yield* invalid(body({}, { tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET" }] })),
          "spec.tasks[0].taskConfig"
        )
        assert.include(
          yield* invalid(body({}, { tasks: [{ ...task("a"), export: { as: "" } }] })),
          "spec.tasks[0].export.as"
        )
      })))

    it.effect("missing ownerScope (or UNSPECIFIED) and a scope a Workflow cannot have", () =>
      withFake(Effect.gen(function*() {
        const missing = yield* invalid(body({ ownerScope: undefined }))
        assert.include(missing, "metadata.ownerScope")
        assert.include(missing, "platform or organization")
        assert.include(yield* invalid(body({ ownerScope: "api_resource_owner_scope_unspecified" })), "metadata.ownerScope")
        assert.include(yield* invalid(body({ ownerScope: 0 })), "metadata.ownerScope")
        const identity = yield* invalid(body({ ownerScope: "identity_account" }))
        assert.include(identity, "metadata.ownerScope")
        assert.include(identity, "identity_account")
        assert.include(yield* invalid(body({ ownerScope: "tenant" })), "metadata.ownerScope")
        assert.strictEqual(yield* workflowCount, 0)
      })))
  })

  it.effect("task kinds decode from their proto numbers (1 = SET) and are stored as names", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body({}, { tasks: [task("a", 1), task("b", 13), task("c", 2)] }))
      assert.deepStrictEqual(created.spec.tasks.map((t) => t.kind), [
        "WORKFLOW_TASK_KIND_SET",
        "WORKFLOW_TASK_KIND_AGENT_CALL",
        "WORKFLOW_TASK_KIND_HTTP_CALL"
      ])
      const stored = yield* workflows.get(created.metadata.id)
      assert.strictEqual(stored.spec.tasks[0].kind, "WORKFLOW_TASK_KIND_SET")
    })))

  it.effect("a workflow whose default instance cannot be created is not stored (one transaction)", () => {
    const failing = makeProvisioner({ failProvision: new InvalidArgument({ message: "metadata.name: no instance" }) })
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const error = yield* Effect.flip(workflows.createUnknown(body()))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.strictEqual(error.message, "metadata.name: no instance")
      // The provisioner ran and wrote its row, inside the workflow's transaction...
      assert.strictEqual(failing.log.provisioned.length, 1)
      // ...which was rolled back: neither the workflow nor the provisioner's write remain.
      assert.strictEqual(yield* workflowCount, 0)
      assert.deepStrictEqual(yield* provisionedRows, [])
      assert.strictEqual((yield* Effect.flip(workflows.getBySlug("my-workflow", "acme")))._tag, "NotFound")
      const list = yield* workflows.list({ pageSize: 10 })
      assert.deepStrictEqual(list.entries, [])
    }).pipe(Effect.provide(makeLayer(failing.layer)))
  })

  it.effect("a failed create leaves the database usable and later creates commit", () => {
    const fake = makeProvisioner()
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      yield* Effect.flip(workflows.createUnknown(body({ ownerScope: undefined })))
      const created = yield* workflows.createUnknown(body())
      assert.strictEqual(yield* workflowCount, 1)
      assert.deepStrictEqual(yield* provisionedRows, [{ workflow_id: created.metadata.id, slug: "my-workflow-default" }])
      // Validation failures never reach the provisioner.
      assert.strictEqual(fake.log.provisioned.length, 1)
    }).pipe(Effect.provide(makeLayer(fake.layer)))
  })
})

describe("Workflows.get / getBySlug", () => {
  it.effect("unknown id or slug is NOT_FOUND with the contract's message", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const byId = yield* Effect.flip(workflows.get("wfl-00000000000000000000000000"))
      assert.strictEqual(byId._tag, "NotFound")
      assert.strictEqual(byId.code, "NOT_FOUND")
      assert.strictEqual(byId.message, "Workflow not found: wfl-00000000000000000000000000")
      const bySlug = yield* Effect.flip(workflows.getBySlug("nope"))
      assert.strictEqual(bySlug.message, "Workflow not found: nope")
    })))

  it.effect("getBySlug looks in the given org only", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const acme = yield* workflows.createUnknown(body({ name: "shared" }))
      const platform = yield* workflows.createUnknown(body({ name: "shared", org: undefined, ownerScope: "platform" }))
      assert.strictEqual((yield* workflows.getBySlug("shared", "acme")).metadata.id, acme.metadata.id)
      assert.strictEqual((yield* workflows.getBySlug("shared")).metadata.id, platform.metadata.id)
      assert.strictEqual((yield* Effect.flip(workflows.getBySlug("shared", "globex")))._tag, "NotFound")
    })))
})

describe("Workflows.update", () => {
  it.effect("replaces spec and mutable metadata; keeps id, slug, org, createdAt and status; version +1, event updated", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      yield* TestClock.adjust("1 second")
      const created = yield* workflows.createUnknown(body({ labels: { a: "1" } }))
      yield* TestClock.adjust("1 minute")
      const newSpec = spec({ description: "greets twice", tasks: [task("only", "WORKFLOW_TASK_KIND_WAIT")] })
      const updated = yield* workflows.updateUnknown(created.metadata.id, {
        metadata: { name: "Renamed", labels: { b: "2" }, tags: ["t"] },
        spec: newSpec,
        status: { defaultInstanceId: "win-hijack" }
      })
      assert.strictEqual(updated.metadata.id, created.metadata.id)
      assert.strictEqual(updated.metadata.slug, "my-workflow")
      assert.strictEqual(updated.metadata.org, "acme")
      assert.strictEqual(updated.metadata.ownerScope, "organization")
      assert.strictEqual(updated.metadata.name, "Renamed")
      assert.deepStrictEqual(updated.metadata.labels, { b: "2" })
      assert.deepStrictEqual(updated.metadata.tags, ["t"])
      assert.strictEqual(updated.metadata.version, 2)
      assert.deepStrictEqual<unknown>(updated.spec, newSpec)
      assert.strictEqual(updated.status.defaultInstanceId, created.status.defaultInstanceId)

      const { specAudit, statusAudit } = updated.status.audit
      for (const block of [specAudit, statusAudit]) {
        assert.strictEqual(block.createdAt, "1970-01-01T00:00:01.000Z")
        assert.deepStrictEqual(block.createdBy, { id: "system" })
        assert.strictEqual(block.updatedAt, "1970-01-01T00:01:01.000Z")
        assert.deepStrictEqual(block.updatedBy, { id: "system" })
        assert.strictEqual(block.event, "updated")
      }
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), updated)
    })))

  it.effect("an update that changes nothing keeps the version and the audit", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      yield* TestClock.adjust("1 minute")
      const same = yield* workflows.updateUnknown(created.metadata.id, body())
      assert.strictEqual(same.metadata.version, 1)
      assert.deepStrictEqual(same, created)
      // Task kinds given by number are the same spec.
      const byNumber = yield* workflows.updateUnknown(created.metadata.id, body({}, {
        tasks: [task("init", 1), task("call", 2)]
      }))
      assert.strictEqual(byNumber.metadata.version, 1)
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), created)
    })))

  it.effect("each change bumps the version once", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const v2 = yield* workflows.updateUnknown(created.metadata.id, body({}, { description: "two" }))
      const v3 = yield* workflows.updateUnknown(created.metadata.id, body({}, { description: "three" }))
      assert.deepStrictEqual([v2.metadata.version, v3.metadata.version], [2, 3])
    })))

  it.effect("If-Match: a stale version is ABORTED and changes nothing; the current one succeeds", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const stale = yield* Effect.flip(workflows.updateUnknown(created.metadata.id, body({}, { description: "x" }), "\"99\""))
      assert.strictEqual(stale._tag, "Aborted")
      assert.strictEqual(stale.code, "ABORTED")
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), created)
      const ok = yield* workflows.updateUnknown(created.metadata.id, body({}, { description: "x" }), "\"1\"")
      assert.strictEqual(ok.metadata.version, 2)
    })))

  it.effect("unknown id is NOT_FOUND; invalid spec, changed slug/org/scope or a foreign id are INVALID_ARGUMENT", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const id = created.metadata.id
      const missing = yield* Effect.flip(workflows.updateUnknown("wfl-00000000000000000000000000", body()))
      assert.strictEqual(missing.message, "Workflow not found: wfl-00000000000000000000000000")
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [body({}, { tasks: [] }), "spec.tasks"],
        [body({}, { tasks: [task("a"), task("a")] }), "spec.tasks[1].name"],
        [body({ slug: "other-slug" }), "metadata.slug"],
        [body({ org: "globex" }), "metadata.org"],
        [body({ ownerScope: "platform" }), "metadata.ownerScope"],
        [body({ id: "wfl-11111111111111111111111111" }), "metadata.id"]
      ]
      for (const [input, field] of cases) {
        const error = yield* Effect.flip(workflows.updateUnknown(id, input))
        assert.strictEqual(error._tag, "InvalidArgument", field)
        assert.include(error.message, field)
      }
      assert.deepStrictEqual(yield* workflows.get(id), created)
    })))
})

describe("Workflows.apply", () => {
  it.effect("creates when (org, slug) is free, then updates the same workflow", () => {
    const fake = makeProvisioner()
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const first = yield* workflows.applyUnknown(body())
      assert.isTrue(first.created)
      assert.strictEqual(first.resource.metadata.version, 1)
      assert.strictEqual(first.resource.status.defaultInstanceId, "win-default-of-my-workflow")

      const second = yield* workflows.applyUnknown(body({}, { description: "changed" }))
      assert.isFalse(second.created)
      assert.strictEqual(second.resource.metadata.id, first.resource.metadata.id)
      assert.strictEqual(second.resource.metadata.version, 2)
      assert.strictEqual(second.resource.spec.description, "changed")
      assert.strictEqual(second.resource.status.defaultInstanceId, first.resource.status.defaultInstanceId)
      assert.strictEqual(second.resource.status.audit.specAudit.event, "updated")

      const third = yield* workflows.applyUnknown(body({}, { description: "changed" }))
      assert.isFalse(third.created)
      assert.strictEqual(third.resource.metadata.version, 2)

      // Only one default instance was ever provisioned.
      assert.strictEqual(fake.log.provisioned.length, 1)
      // The same slug in another org is another workflow.
      const elsewhere = yield* workflows.applyUnknown(body({ org: "globex" }))
      assert.isTrue(elsewhere.created)
      assert.notStrictEqual(elsewhere.resource.metadata.id, first.resource.metadata.id)
      assert.strictEqual(yield* workflowCount, 2)
    }).pipe(Effect.provide(makeLayer(fake.layer)))
  })

  it.effect("validates like create", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const error = yield* Effect.flip(workflows.applyUnknown(body({ ownerScope: "identity_account" })))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.include(error.message, "metadata.ownerScope")
      const noTasks = yield* Effect.flip(workflows.applyUnknown(body({}, { tasks: [] })))
      assert.include(noTasks.message, "spec.tasks")
      assert.strictEqual(yield* workflowCount, 0)
    })))

  it.effect("a failing provisioner leaves nothing behind", () => {
    const failing = makeProvisioner({ failProvision: new InvalidArgument({ message: "nope" }) })
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const error = yield* Effect.flip(workflows.applyUnknown(body()))
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.strictEqual(yield* workflowCount, 0)
      assert.deepStrictEqual(yield* provisionedRows, [])
    }).pipe(Effect.provide(makeLayer(failing.layer)))
  })
})

describe("Workflows.delete", () => {
  it.effect("releases the default instance, removes the workflow and answers it", () => {
    const fake = makeProvisioner()
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const deleted = yield* workflows.delete(created.metadata.id)
      assert.deepStrictEqual(deleted, created)
      assert.strictEqual(fake.log.released.length, 1)
      assert.strictEqual(fake.log.released[0].metadata.id, created.metadata.id)
      assert.deepStrictEqual(yield* provisionedRows, [])
      assert.strictEqual(yield* workflowCount, 0)
      const again = yield* Effect.flip(workflows.delete(created.metadata.id))
      assert.strictEqual(again._tag, "NotFound")
      assert.strictEqual(again.message, `Workflow not found: ${created.metadata.id}`)
      // The slug is free again.
      const recreated = yield* workflows.createUnknown(body())
      assert.notStrictEqual(recreated.metadata.id, created.metadata.id)
    }).pipe(Effect.provide(makeLayer(fake.layer)))
  })

  it.effect("when the provisioner refuses (other instances exist) it is FAILED_PRECONDITION and nothing is deleted", () => {
    const refusing = makeProvisioner({ failRelease: new FailedPrecondition({ message: "still has instances" }) })
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const error = yield* Effect.flip(workflows.delete(created.metadata.id))
      assert.strictEqual(error._tag, "FailedPrecondition")
      assert.strictEqual(error.code, "FAILED_PRECONDITION")
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), created)
      assert.strictEqual((yield* provisionedRows).length, 1)
    }).pipe(Effect.provide(makeLayer(refusing.layer)))
  })

  it.effect("If-Match: a stale version is ABORTED and deletes nothing; the current one deletes", () => {
    const fake = makeProvisioner()
    return Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      const stale = yield* Effect.flip(workflows.delete(created.metadata.id, "\"99\""))
      assert.strictEqual(stale._tag, "Aborted")
      assert.strictEqual(fake.log.released.length, 0)
      assert.strictEqual(yield* workflowCount, 1)
      const deleted = yield* workflows.delete(created.metadata.id, "\"1\"")
      assert.strictEqual(deleted.metadata.id, created.metadata.id)
      assert.strictEqual(yield* workflowCount, 0)
    }).pipe(Effect.provide(makeLayer(fake.layer)))
  })
})

describe("Workflows.setDefaultInstance", () => {
  it.effect("records or clears the default instance as a status change: version +1, status audit bumped", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(body())
      yield* TestClock.adjust("5 seconds")
      const cleared = yield* workflows.setDefaultInstance(created.metadata.id, undefined)
      assert.isUndefined(cleared.status.defaultInstanceId)
      assert.isFalse("defaultInstanceId" in cleared.status)
      assert.strictEqual(cleared.metadata.version, 2)
      assert.deepStrictEqual(cleared.status.audit.specAudit, created.status.audit.specAudit)
      assert.strictEqual(cleared.status.audit.statusAudit.event, "status_updated")
      assert.strictEqual(cleared.status.audit.statusAudit.updatedAt, "1970-01-01T00:00:05.000Z")
      assert.strictEqual(cleared.status.audit.statusAudit.createdAt, "1970-01-01T00:00:00.000Z")
      assert.deepStrictEqual(yield* workflows.get(created.metadata.id), cleared)

      const set = yield* workflows.setDefaultInstance(created.metadata.id, "win-other")
      assert.strictEqual(set.status.defaultInstanceId, "win-other")
      assert.strictEqual(set.metadata.version, 3)

      const missing = yield* Effect.flip(workflows.setDefaultInstance("wfl-00000000000000000000000000", undefined))
      assert.strictEqual(missing._tag, "NotFound")
    })))
})

describe("Workflows.list", () => {
  it.effect("pages newest first with nextPageToken, absent on the last page; filters by org", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created: Array<Workflow.Workflow> = []
      for (let i = 1; i <= 5; i++) created.push(yield* workflows.createUnknown(body({ name: `wf ${i}` })))
      yield* workflows.createUnknown(body({ name: "elsewhere", org: "globex" }))

      const newestFirst = created.map((w) => w.metadata.id).reverse()
      const p1 = yield* workflows.list({ pageSize: 2, org: "acme" })
      assert.deepStrictEqual(p1.entries.map((w) => w.metadata.id), newestFirst.slice(0, 2))
      assert.isString(p1.nextPageToken)
      const p2 = yield* workflows.list({ pageSize: 2, org: "acme", pageToken: p1.nextPageToken })
      assert.deepStrictEqual(p2.entries.map((w) => w.metadata.id), newestFirst.slice(2, 4))
      const p3 = yield* workflows.list({ pageSize: 2, org: "acme", pageToken: p2.nextPageToken })
      assert.deepStrictEqual(p3.entries.map((w) => w.metadata.id), newestFirst.slice(4))
      assert.isUndefined(p3.nextPageToken)
      assert.isFalse("nextPageToken" in p3)

      // Full entries, as stored.
      assert.deepStrictEqual(p3.entries[0], created[0])

      const all = yield* workflows.list({ pageSize: 50 })
      assert.strictEqual(all.entries.length, 6)
      assert.isUndefined(all.nextPageToken)
      assert.strictEqual(all.entries[0].metadata.slug, "elsewhere")

      const exact = yield* workflows.list({ pageSize: 5, org: "acme" })
      assert.strictEqual(exact.entries.length, 5)
      assert.isUndefined(exact.nextPageToken)

      assert.deepStrictEqual((yield* workflows.list({ pageSize: 10, org: "nobody" })).entries, [])
    })))

  it.effect("a malformed page token or a bad page size is INVALID_ARGUMENT", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const token = yield* Effect.flip(workflows.list({ pageSize: 10, pageToken: "not-a-token" }))
      assert.strictEqual(token._tag, "InvalidArgument")
      assert.include(token.message, "pageToken")
      const size = yield* Effect.flip(workflows.list({ pageSize: 0 }))
      assert.include(size.message, "pageSize")
    })))

  it.effect("an item deleted between pages does not disturb the rest", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created: Array<Workflow.Workflow> = []
      for (let i = 1; i <= 4; i++) created.push(yield* workflows.createUnknown(body({ name: `wf ${i}` })))
      const p1 = yield* workflows.list({ pageSize: 2 })
      // Delete the last entry of the first page: the token still works.
      yield* workflows.delete(p1.entries[1].metadata.id)
      yield* workflows.createUnknown(body({ name: "newer" }))
      const p2 = yield* workflows.list({ pageSize: 2, pageToken: p1.nextPageToken })
      assert.deepStrictEqual(p2.entries.map((w) => w.metadata.id), [created[1].metadata.id, created[0].metadata.id])
    })))
})

describe("Workflows: secrets of envSpec", () => {
  const secretValue = "wf-tok-8d31c0-never-answered"

  const withEnv = (data: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
    body(metadata, { envSpec: { description: "settings", data } })

  /** Every stored workflow document, as text. */
  const storedText = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ doc: string }>`SELECT doc FROM workflows`).pipe(
    Effect.map((rows) => rows.map((r) => r.doc).join("\n")),
    Effect.orDie
  )

  it.effect("a secret is stored sealed and answered without its value by every operation; resolve opens it", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(withEnv({
        REGION: { value: "eu", description: "where" },
        TOKEN: { value: secretValue, isSecret: true, description: "api token" },
        DECLARED: { isSecret: true }
      }))
      assert.deepStrictEqual(created.spec.envSpec, {
        description: "settings",
        data: { REGION: { value: "eu", description: "where" }, TOKEN: { isSecret: true, description: "api token" }, DECLARED: { isSecret: true } }
      })
      const answers: Array<unknown> = [
        created,
        yield* workflows.get(created.metadata.id),
        yield* workflows.getBySlug("my-workflow", "acme"),
        (yield* workflows.list({ pageSize: 10 })).entries[0],
        (yield* workflows.applyUnknown(withEnv({ REGION: { value: "us" }, TOKEN: { isSecret: true } }))).resource,
        yield* workflows.updateUnknown(created.metadata.id, withEnv({ TOKEN: { isSecret: true } })),
        yield* workflows.setDefaultInstance(created.metadata.id, undefined)
      ]
      const stored = yield* storedText
      assert.include(stored, "weft:v1:")
      assert.notInclude(stored, secretValue)

      const resolved = yield* workflows.resolve(created.metadata.id)
      assert.deepStrictEqual(resolved.values, { TOKEN: secretValue })
      assert.deepStrictEqual(resolved.secrets, [secretValue])
      answers.push(resolved.workflow, yield* workflows.delete(created.metadata.id))
      for (const answer of answers) {
        assert.notInclude(JSON.stringify(answer), secretValue)
        assert.notInclude(JSON.stringify(answer), "weft:v1:")
      }
      const missing = yield* Effect.flip(workflows.resolve(created.metadata.id))
      assert.strictEqual(missing.message, `Workflow not found: ${created.metadata.id}`)
    })))

  it.effect("apply of the document read back keeps the secret and the version; a new value is a change", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const first = yield* workflows.applyUnknown(withEnv({ TOKEN: { value: secretValue, isSecret: true } }))
      const readBack = yield* workflows.get(first.resource.metadata.id)
      const again = yield* workflows.apply(readBack)
      assert.isFalse(again.created)
      assert.strictEqual(again.resource.metadata.version, 1)
      const sameValue = yield* workflows.applyUnknown(withEnv({ TOKEN: { value: secretValue, isSecret: true } }))
      assert.strictEqual(sameValue.resource.metadata.version, 1)
      assert.deepStrictEqual((yield* workflows.resolve(readBack.metadata.id)).values, { TOKEN: secretValue })

      const changed = yield* workflows.applyUnknown(withEnv({ TOKEN: { value: "wf-tok-2", isSecret: true } }))
      assert.strictEqual(changed.resource.metadata.version, 2)
      assert.deepStrictEqual((yield* workflows.resolve(readBack.metadata.id)).values, { TOKEN: "wf-tok-2" })
    })))

  it.effect("a plain value made secret without sending it again is kept, sealed", () =>
    withFake(Effect.gen(function*() {
      const workflows = yield* Workflows
      const created = yield* workflows.createUnknown(withEnv({ TOKEN: { value: secretValue } }))
      const updated = yield* workflows.updateUnknown(created.metadata.id, withEnv({ TOKEN: { isSecret: true } }))
      assert.strictEqual(updated.metadata.version, 2)
      assert.deepStrictEqual(updated.spec.envSpec?.data, { TOKEN: { isSecret: true } })
      assert.notInclude(yield* storedText, secretValue)
      assert.deepStrictEqual((yield* workflows.resolve(created.metadata.id)).secrets, [secretValue])
    })))

  it.effect("a malformed secret entry is a 400 naming its path, without the value; nothing is stored", () =>
    withFake(Effect.gen(function*() {
      const message = yield* invalid(withEnv({ TOKEN: { value: secretValue, isSecret: "yes" } }))
      assert.include(message, "spec.envSpec.data.TOKEN.isSecret")
      assert.notInclude(message, secretValue)
      assert.strictEqual(yield* workflowCount, 0)
    })))
})
