/**
 * The seed's unit tests, one group per custom create step, each step run on its own
 * (`step.run(context)` or a one-step pipeline) over the real services and in-memory SQLite.
 */
import { assert, describe, it } from "@effect/vitest"
import { Pipeline } from "@weft/pipeline"
import { Metadata, ResourceStore } from "@weft/resource"
import { Workflow } from "@weft/workflow"
import { WorkflowInstance } from "@weft/workflowinstance"
import { Effect, Option, TestClock } from "effect"
import {
  CreateDefaultInstanceIfNeeded,
  formatRunStamp,
  mergeSpec,
  ResolveName,
  SetInitialPhase,
  ValidateOwnerScope,
  ValidateWorkflowOrInstance
} from "../src/internal/steps.js"
import type { WorkflowExecution } from "../src/WorkflowExecution.js"
import {
  createWorkflow,
  createWorkflowWithoutDefault,
  decodeRequest,
  executionBody,
  instanceBody,
  instanceCount,
  services,
  TestLayer
} from "./fixtures.js"

const test = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.provide(effect, TestLayer) as Effect.Effect<A, E, never>

const UNKNOWN_WORKFLOW = "wfl-01j0000000000000000000000z"
const UNKNOWN_INSTANCE = "win-01j0000000000000000000000z"

const request = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) =>
  decodeRequest(executionBody(spec, metadata))

const getWorkflow = (id: string) =>
  Effect.flatMap(ResourceStore.ResourceStore, (store) => store.get(Workflow.table, id)).pipe(
    Effect.map(Option.getOrThrow)
  )

describe("ValidateWorkflowOrInstance", () => {
  const validate = (spec: Record<string, unknown>) => ValidateWorkflowOrInstance.run({ request: request(spec) })

  it.effect("both missing: 400 INVALID_ARGUMENT naming both fields", () =>
    Effect.gen(function*() {
      for (const spec of [{}, { workflowId: "", workflowInstanceId: "" }]) {
        const error = yield* Effect.flip(validate(spec))
        assert.strictEqual(error._tag, "InvalidArgument")
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
        assert.include(error.message, "workflowId")
        assert.include(error.message, "workflowInstanceId")
      }
    }))

  it.effect("workflowId only: passes", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* validate({ workflowId: "wfl-1" }), {})
    }))

  it.effect("workflowInstanceId only: passes", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* validate({ workflowInstanceId: "win-1" }), {})
    }))

  it.effect("both: passes (the instance is checked against the workflow later)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* validate({ workflowId: "wfl-1", workflowInstanceId: "win-1" }), {})
    }))

  it.effect("as a one-step pipeline, a failure stops it with the same error", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<{}>("t").pipe(
        Pipeline.andThen(Pipeline.step("Seed", () => Effect.succeed({ request: request({}) }))),
        Pipeline.andThen(ValidateWorkflowOrInstance)
      )
      const error = yield* Effect.flip(Pipeline.run(pipeline, {}))
      assert.strictEqual(error.code, "INVALID_ARGUMENT")
    }))
})

describe("ValidateOwnerScope", () => {
  const validate = (metadata: Record<string, unknown>) =>
    ValidateOwnerScope.run({ request: request({ workflowId: "wfl-1" }, metadata) })

  it.effect("organization and identity_account pass", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* validate({ ownerScope: "organization" }), {})
      assert.deepStrictEqual(yield* validate({ ownerScope: "identity_account", org: undefined }), {})
      assert.deepStrictEqual(yield* validate({ ownerScope: 3 }), {})
    }))

  it.effect("absent, unspecified or platform: 400 naming metadata.ownerScope", () =>
    Effect.gen(function*() {
      for (const ownerScope of [undefined, "api_resource_owner_scope_unspecified", 0, "platform"]) {
        const error = yield* Effect.flip(validate({ ownerScope }))
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
        assert.include(error.message, "metadata.ownerScope")
        assert.include(error.message, "organization or identity_account")
      }
    }))
})

describe("CreateDefaultInstanceIfNeeded", () => {
  const resolve = (spec: Record<string, unknown>) => CreateDefaultInstanceIfNeeded.run({ request: request(spec) })

  it.effect("an instance id is used as given, and the workflow id is filled in from it", () =>
    test(Effect.gen(function*() {
      const { instances } = yield* services
      const workflow = yield* createWorkflow()
      const instance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const before = yield* instanceCount

      const out = yield* resolve({ workflowInstanceId: instance.metadata.id })
      assert.strictEqual(out.instance.metadata.id, instance.metadata.id)
      assert.strictEqual(out.request.spec.workflowInstanceId, instance.metadata.id)
      assert.strictEqual(out.request.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(out.request.spec.triggerMessage, "hello")
      assert.strictEqual(yield* instanceCount, before)
      // The workflow is not touched.
      assert.strictEqual((yield* getWorkflow(workflow.metadata.id)).metadata.version, 1)
    })))

  it.effect("an instance id with its own workflow id: used", () =>
    test(Effect.gen(function*() {
      const { instances } = yield* services
      const workflow = yield* createWorkflow()
      const instance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const out = yield* resolve({ workflowInstanceId: instance.metadata.id, workflowId: workflow.metadata.id })
      assert.strictEqual(out.request.spec.workflowInstanceId, instance.metadata.id)
    })))

  it.effect("an instance id that does not exist: 404 \"WorkflowInstance not found: <id>\"", () =>
    test(Effect.gen(function*() {
      const workflow = yield* createWorkflow()
      const error = yield* Effect.flip(resolve({ workflowInstanceId: UNKNOWN_INSTANCE }))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "NOT_FOUND")
      assert.strictEqual(error.message, `WorkflowInstance not found: ${UNKNOWN_INSTANCE}`)
      // Also when a (valid) workflow id comes with it: the instance is not replaced.
      const both = yield* Effect.flip(resolve({ workflowInstanceId: UNKNOWN_INSTANCE, workflowId: workflow.metadata.id }))
      assert.strictEqual(both.message, `WorkflowInstance not found: ${UNKNOWN_INSTANCE}`)
    })))

  it.effect("an instance id with a workflow id that is not its workflow: 400", () =>
    test(Effect.gen(function*() {
      const { instances } = yield* services
      const workflow = yield* createWorkflow()
      const other = yield* createWorkflow({ name: "Other" })
      const instance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const error = yield* Effect.flip(
        resolve({ workflowInstanceId: instance.metadata.id, workflowId: other.metadata.id })
      )
      assert.strictEqual(error._tag, "InvalidArgument")
      assert.strictEqual(error.code, "INVALID_ARGUMENT")
      assert.include(error.message, "spec.workflowId")
      assert.include(error.message, other.metadata.id)
    })))

  it.effect("a workflow with a default instance: the default is used, nothing is created", () =>
    test(Effect.gen(function*() {
      const workflow = yield* createWorkflow()
      const defaultId = workflow.status.defaultInstanceId!
      const before = yield* instanceCount

      const out = yield* resolve({ workflowId: workflow.metadata.id })
      assert.strictEqual(out.instance.metadata.id, defaultId)
      assert.strictEqual(out.request.spec.workflowInstanceId, defaultId)
      assert.strictEqual(out.request.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(yield* instanceCount, before)
      assert.deepStrictEqual(yield* getWorkflow(workflow.metadata.id), workflow)
    })))

  it.effect("a workflow without a default: `<workflow slug>-default` is created and recorded on the workflow", () =>
    test(Effect.gen(function*() {
      const { instances, workflows } = yield* services
      const workflow = yield* createWorkflowWithoutDefault({ name: "Customer Onboarding" })
      assert.isUndefined(workflow.status.defaultInstanceId)
      const before = yield* instanceCount
      yield* TestClock.setTime(Date.UTC(2025, 0, 11, 14, 30, 22))

      const out = yield* resolve({ workflowId: workflow.metadata.id })
      const created = out.instance
      assert.strictEqual(yield* instanceCount, before + 1)
      assert.match(created.metadata.id, /^win-[0-9a-z]{26}$/)
      assert.strictEqual(created.metadata.slug, "customer-onboarding-default")
      assert.strictEqual(created.metadata.org, "acme")
      assert.strictEqual(created.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(created.spec.description, "Default instance (auto-created)")
      assert.deepStrictEqual(yield* instances.get(created.metadata.id), created)
      // Found again by its slug (the original named it from the workflow's name).
      const bySlug = yield* instances.getBySlug("customer-onboarding-default", "acme")
      assert.strictEqual(bySlug.metadata.id, created.metadata.id)

      // Recorded on the workflow: a status change, so its version grows.
      const after = yield* workflows.get(workflow.metadata.id)
      assert.strictEqual(after.status.defaultInstanceId, created.metadata.id)
      assert.strictEqual(after.metadata.version, workflow.metadata.version + 1)
      assert.strictEqual(after.status.audit.statusAudit.event, "status_updated")
      assert.strictEqual(after.status.audit.statusAudit.updatedAt, "2025-01-11T14:30:22.000Z")
      assert.deepStrictEqual(after.spec, workflow.spec)

      // The request's spec is resolved.
      assert.strictEqual(out.request.spec.workflowInstanceId, created.metadata.id)
      assert.strictEqual(out.request.spec.workflowId, workflow.metadata.id)

      // A second run uses the new default.
      const again = yield* resolve({ workflowId: workflow.metadata.id })
      assert.strictEqual(again.instance.metadata.id, created.metadata.id)
      assert.strictEqual(yield* instanceCount, before + 1)
    })))

  it.effect("a workflow whose recorded default no longer exists gets a new one", () =>
    test(Effect.gen(function*() {
      const store = yield* ResourceStore.ResourceStore
      const workflow = yield* createWorkflow()
      // Remove the row behind the workflow's back (the workflow still points at it).
      yield* store.delete(WorkflowInstance.table, workflow.status.defaultInstanceId!)
      const out = yield* resolve({ workflowId: workflow.metadata.id })
      assert.notStrictEqual(out.instance.metadata.id, workflow.status.defaultInstanceId)
      assert.strictEqual(out.instance.metadata.slug, "customer-onboarding-default")
      assert.strictEqual((yield* getWorkflow(workflow.metadata.id)).status.defaultInstanceId, out.instance.metadata.id)
    })))

  it.effect("a workflow that does not exist: 404 \"Workflow not found: <id>\", nothing created", () =>
    test(Effect.gen(function*() {
      const before = yield* instanceCount
      const error = yield* Effect.flip(resolve({ workflowId: UNKNOWN_WORKFLOW }))
      assert.strictEqual(error._tag, "NotFound")
      assert.strictEqual(error.code, "NOT_FOUND")
      assert.strictEqual(error.message, `Workflow not found: ${UNKNOWN_WORKFLOW}`)
      assert.strictEqual(yield* instanceCount, before)
    })))
})

describe("ResolveName", () => {
  const instance = (slug: string) =>
    ({ metadata: { id: "win-x", name: slug, slug, version: 1 }, spec: { workflowId: "wfl-x" } }) as any

  it("formatRunStamp is yyyyMMdd-HHmmss in UTC", () => {
    assert.strictEqual(formatRunStamp(Date.UTC(2025, 0, 11, 14, 30, 22, 999)), "20250111-143022")
    assert.strictEqual(formatRunStamp(0), "19700101-000000")
    assert.strictEqual(formatRunStamp(Date.UTC(2026, 11, 31, 23, 59, 59)), "20261231-235959")
  })

  it.effect("no name: `<instance slug>-<UTC yyyyMMdd-HHmmss>`", () =>
    test(Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2025, 0, 11, 14, 30, 22, 500))
      const out = yield* ResolveName.run({
        request: request({ workflowInstanceId: "win-x" }),
        instance: instance("acme-onboarding")
      })
      assert.strictEqual(out.request.metadata.name, "acme-onboarding-20250111-143022")
      assert.strictEqual(out.request.spec.workflowInstanceId, "win-x")
    })))

  it.effect("an empty or blank name is generated too", () =>
    test(Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2025, 0, 11, 14, 30, 22))
      for (const name of ["", "   "]) {
        const out = yield* ResolveName.run({
          request: request({ workflowInstanceId: "win-x" }, { name }),
          instance: instance("acme-onboarding")
        })
        assert.strictEqual(out.request.metadata.name, "acme-onboarding-20250111-143022")
      }
    })))

  it.effect("a given name is kept; a given slug alone becomes the name", () =>
    test(Effect.gen(function*() {
      const named = yield* ResolveName.run({
        request: request({ workflowInstanceId: "win-x" }, { name: "My Run" }),
        instance: instance("acme-onboarding")
      })
      assert.strictEqual(named.request.metadata.name, "My Run")
      const slugged = yield* ResolveName.run({
        request: request({ workflowInstanceId: "win-x" }, { slug: "run-1" }),
        instance: instance("acme-onboarding")
      })
      assert.strictEqual(slugged.request.metadata.name, "run-1")
    })))

  it.effect("a taken name gets `-2`, then `-3`; another org is not looked at", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const instanceSlug = "customer-onboarding-default"
      yield* TestClock.setTime(Date.UTC(2025, 0, 11, 14, 30, 22))
      const run = (org: string) =>
        ResolveName.run({
          request: request({ workflowInstanceId: "win-x" }, { org }),
          instance: instance(instanceSlug)
        }).pipe(Effect.map((out) => out.request.metadata.name))

      assert.strictEqual(yield* run("acme"), `${instanceSlug}-20250111-143022`)
      yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      assert.strictEqual(yield* run("acme"), `${instanceSlug}-20250111-143022-2`)
      yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
      assert.strictEqual(yield* run("acme"), `${instanceSlug}-20250111-143022-3`)
      assert.strictEqual(yield* run("globex"), `${instanceSlug}-20250111-143022`)
      // A second later the plain stamp is free again.
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* run("acme"), `${instanceSlug}-20250111-143023`)
    })))
})

describe("SetInitialPhase", () => {
  const audit = Metadata.auditCreated("2025-01-11T14:30:22.000Z")
  const state = (status: Record<string, unknown>): WorkflowExecution =>
    ({
      apiVersion: "agentic.stigmer.ai/v1",
      kind: "WorkflowExecution",
      metadata: { id: "wex-x", name: "run", slug: "run", version: 1 },
      spec: { workflowInstanceId: "win-x" },
      status: { audit, ...status }
    }) as WorkflowExecution

  it.effect("sets the phase to EXECUTION_PENDING", () =>
    Effect.gen(function*() {
      const out = yield* SetInitialPhase.run({ state: state({}) })
      assert.strictEqual(out.state.status.phase, "EXECUTION_PENDING")
      assert.deepStrictEqual(out.state.status.audit, audit)
      assert.deepStrictEqual(out.state.spec, { workflowInstanceId: "win-x" })
    }))

  it.effect("keeps every other status field, and replaces a phase already set", () =>
    Effect.gen(function*() {
      const fields = {
        tasks: [{ taskId: "t1", status: "WORKFLOW_TASK_PENDING" as const }],
        output: { x: 1 },
        error: "none",
        temporalWorkflowId: "temporal-1",
        startedAt: "2025-01-11T14:30:22.000Z"
      }
      const out = yield* SetInitialPhase.run({ state: state({ ...fields, phase: "EXECUTION_IN_PROGRESS" }) })
      assert.deepStrictEqual(out.state.status, { audit, ...fields, phase: "EXECUTION_PENDING" })
    }))

  it.effect("as a one-step pipeline", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<WorkflowExecution>("t").pipe(
        Pipeline.andThen(Pipeline.step("Seed", (ctx: { input: WorkflowExecution }) => Effect.succeed({ state: ctx.input }))),
        Pipeline.andThen(SetInitialPhase)
      )
      const out = yield* Pipeline.run(pipeline, state({ output: { y: 2 } }))
      assert.strictEqual(out.state.status.phase, "EXECUTION_PENDING")
      assert.deepStrictEqual(out.state.status.output, { y: 2 })
    }))
})

describe("mergeSpec (update)", () => {
  const existing = {
    metadata: { id: "wex-x", name: "run", slug: "run", version: 1 },
    spec: { workflowInstanceId: "win-1", workflowId: "wfl-1", triggerMessage: "old" },
    status: {}
  } as unknown as WorkflowExecution

  it.effect("takes the new spec and keeps the ids when they are absent or equal", () =>
    Effect.gen(function*() {
      const spec = yield* mergeSpec(existing, decodeRequest({ spec: { triggerMessage: "new" } }))
      assert.deepStrictEqual(spec, { workflowInstanceId: "win-1", workflowId: "wfl-1", triggerMessage: "new" })
      const same = yield* mergeSpec(
        existing,
        decodeRequest({ spec: { workflowInstanceId: "win-1", workflowId: "wfl-1" } })
      )
      assert.deepStrictEqual(same, { workflowInstanceId: "win-1", workflowId: "wfl-1" })
    }))

  it.effect("a changed workflowInstanceId or workflowId is a 400 naming it", () =>
    Effect.gen(function*() {
      for (const [key, value] of [["workflowInstanceId", "win-2"], ["workflowId", "wfl-2"]] as const) {
        const error = yield* Effect.flip(mergeSpec(existing, decodeRequest({ spec: { [key]: value } })))
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
        assert.include(error.message, `spec.${key}`)
      }
    }))
})
