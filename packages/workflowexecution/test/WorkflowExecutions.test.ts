/**
 * The WorkflowExecutions service end to end, without HTTP: the create pipeline with
 * instance resolution, the direct status path, spec updates, delete, list filters and
 * paging, the runner hand-off and the watch feed. One fresh in-memory SQLite per test.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Transaction } from "@weft/resource"
import { Chunk, Effect, Exit, Fiber, Layer, Logger, Option, Schema, Stream, TestClock } from "effect"
import {
  ExecutionEvents,
  ExecutionRunner,
  ListWorkflowExecutionsParams,
  type WatchEvent,
  type WorkflowExecution,
  WorkflowExecutions
} from "../src/index.js"
import {
  createWorkflow,
  createWorkflowWithoutDefault,
  executionBody,
  executionCount,
  failingRunner,
  instanceBody,
  instanceCount,
  makeLayer,
  recordingRunner,
  services,
  TestLayer
} from "./fixtures.js"

const test = <A, E>(effect: Effect.Effect<A, E, any>, layer: Layer.Layer<any, any, never> = TestLayer) =>
  Effect.provide(effect, layer) as Effect.Effect<A, E, never>

const T0 = Date.UTC(2025, 0, 11, 14, 30, 22)
const iso = (millis: number) => new Date(millis).toISOString()
const UNKNOWN_EXECUTION = "wex-01j0000000000000000000000z"

/** A workflow, and an execution created from its id. */
const setup = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const { executions } = yield* services
    const workflow = yield* createWorkflow()
    const execution = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id, ...spec }, metadata))
    return { workflow, execution }
  })

describe("create", () => {
  it.effect("with a workflowId whose workflow has no default: creates it, records it, resolves the spec; PENDING, version 1", () =>
    test(Effect.gen(function*() {
      const { executions, instances, workflows } = yield* services
      const workflow = yield* createWorkflowWithoutDefault()
      yield* TestClock.setTime(T0)
      const execution = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))

      // The default instance exists, is found by its slug, and the workflow points at it.
      const instance = yield* instances.getBySlug("customer-onboarding-default", "acme")
      assert.strictEqual(instance.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(instance.spec.description, "Default instance (auto-created)")
      const after = yield* workflows.get(workflow.metadata.id)
      assert.strictEqual(after.status.defaultInstanceId, instance.metadata.id)
      assert.strictEqual(after.metadata.version, workflow.metadata.version + 1)

      assert.strictEqual(execution.apiVersion, "agentic.stigmer.ai/v1")
      assert.strictEqual(execution.kind, "WorkflowExecution")
      assert.match(execution.metadata.id, /^wex-[0-9a-z]{26}$/)
      assert.strictEqual(execution.metadata.version, 1)
      assert.strictEqual(execution.metadata.name, "customer-onboarding-default-20250111-143022")
      assert.strictEqual(execution.metadata.slug, "customer-onboarding-default-20250111-143022")
      assert.strictEqual(execution.metadata.org, "acme")
      assert.strictEqual(execution.metadata.ownerScope, "organization")
      assert.deepStrictEqual(execution.spec, {
        workflowInstanceId: instance.metadata.id,
        workflowId: workflow.metadata.id,
        triggerMessage: "hello"
      })
      assert.strictEqual(execution.status.phase, "EXECUTION_PENDING")
      assert.deepStrictEqual(Object.keys(execution.status).sort(), ["audit", "phase"])
      assert.strictEqual(execution.status.audit.specAudit.event, "created")
      assert.strictEqual(execution.status.audit.statusAudit.event, "created")
      assert.strictEqual(execution.status.audit.specAudit.createdAt, iso(T0))
      assert.deepStrictEqual(execution.status.audit.specAudit.createdBy, { id: "system" })

      assert.deepStrictEqual(yield* executions.get(execution.metadata.id), execution)
    })))

  it.effect("with a workflowId whose workflow has its default: uses it; the workflow is unchanged", () =>
    test(Effect.gen(function*() {
      const { workflows } = yield* services
      const { execution, workflow } = yield* setup()
      assert.strictEqual(execution.spec.workflowInstanceId, workflow.status.defaultInstanceId)
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), workflow)
      assert.strictEqual(yield* instanceCount, 1)
    })))

  it.effect("with a workflowInstanceId: uses it; the workflow id is filled in", () =>
    test(Effect.gen(function*() {
      const { executions, instances } = yield* services
      const workflow = yield* createWorkflow()
      const instance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const execution = yield* executions.createUnknown(
        executionBody({ workflowInstanceId: instance.metadata.id }, { name: "First Run" })
      )
      assert.strictEqual(execution.spec.workflowInstanceId, instance.metadata.id)
      assert.strictEqual(execution.spec.workflowId, workflow.metadata.id)
      assert.strictEqual(execution.metadata.name, "First Run")
      assert.strictEqual(execution.metadata.slug, "first-run")
    })))

  it.effect("generated names get -2, -3 within the same second", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      yield* TestClock.setTime(T0)
      const names: Array<string> = []
      for (let i = 0; i < 3; i++) {
        names.push((yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))).metadata.name)
      }
      const base = "customer-onboarding-default-20250111-143022"
      assert.deepStrictEqual(names, [base, `${base}-2`, `${base}-3`])
    })))

  it.effect("all spec fields are kept; status sent by the client is ignored", () =>
    test(Effect.gen(function*() {
      const spec = {
        triggerMessage: "onboard jane",
        triggerMetadata: { source: "webhook" },
        runtimeEnv: { API_KEY: { value: "k", isSecret: true }, REGION: { value: "eu" } },
        callbackToken: "aGVsbG8="
      }
      const { execution } = yield* setup(spec, {})
      // A secret is answered without its value (it is write-only).
      assert.deepStrictEqual({ ...execution.spec, workflowInstanceId: undefined, workflowId: undefined }, {
        ...spec,
        runtimeEnv: { API_KEY: { isSecret: true }, REGION: { value: "eu" } },
        workflowInstanceId: undefined,
        workflowId: undefined
      })
      const { executions } = yield* services
      const forged = yield* executions.createUnknown(
        executionBody({ workflowId: execution.spec.workflowId }, { name: "forged" }, {
          status: { phase: "EXECUTION_COMPLETED", output: { x: 1 }, audit: { specAudit: { event: "x" } } }
        })
      )
      assert.strictEqual(forged.status.phase, "EXECUTION_PENDING")
      assert.isUndefined(forged.status.output)
      assert.strictEqual(forged.status.audit.specAudit.event, "created")
    })))

  it.effect("400 INVALID_ARGUMENT for every rule violation, naming the field; nothing stored", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const id = workflow.metadata.id
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [executionBody({}), "workflowInstanceId"],
        [executionBody({ workflowId: "" }), "workflowId"],
        [executionBody({ workflowId: id }, { ownerScope: undefined }), "metadata.ownerScope"],
        [executionBody({ workflowId: id }, { ownerScope: "api_resource_owner_scope_unspecified" }), "metadata.ownerScope"],
        [executionBody({ workflowId: id }, { ownerScope: "platform" }), "metadata.ownerScope"],
        [executionBody({ workflowId: id }, { ownerScope: "galaxy" }), "metadata.ownerScope"],
        [executionBody({ workflowId: id }, { id: "wex-01j0000000000000000000000a" }), "metadata.id"],
        [executionBody({ workflowId: id, runtimeEnv: { KEY: { value: "" } } }), "spec.runtimeEnv.KEY.value"],
        [executionBody({ workflowId: id, runtimeEnv: { KEY: "plain" } }), "spec.runtimeEnv.KEY"],
        [executionBody({ workflowId: id, callbackToken: "not base64!" }), "spec.callbackToken"],
        [executionBody({ workflowId: id, triggerMetadata: { a: 1 } }), "spec.triggerMetadata.a"],
        [executionBody({ workflowId: id }, { slug: "Not A Slug" }), "metadata.slug"],
        [executionBody({ workflowId: id }, { name: "!!!" }), "metadata.name"],
        [{ ...executionBody({ workflowId: id }), kind: "Workflow" }, "kind"],
        [{ ...executionBody({ workflowId: id }), apiVersion: "v2" }, "apiVersion"],
        [{ metadata: { ownerScope: "organization" } }, "spec"]
      ]
      for (const [body, field] of cases) {
        const error = yield* Effect.flip(executions.createUnknown(body))
        assert.strictEqual(error._tag, "InvalidArgument", `${field}: ${JSON.stringify(error)}`)
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
        assert.include(error.message, field)
      }
      assert.strictEqual(yield* executionCount, 0)
    })))

  it.effect("404 for a missing workflow or instance; 400 for an instance of another workflow", () =>
    test(Effect.gen(function*() {
      const { executions, instances } = yield* services
      const workflow = yield* createWorkflow()
      const other = yield* createWorkflow({ name: "Other" })
      const instance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))

      const noWorkflow = yield* Effect.flip(executions.createUnknown(executionBody({ workflowId: "wfl-nope" })))
      assert.strictEqual(noWorkflow.code, "NOT_FOUND")
      assert.strictEqual(noWorkflow.message, "Workflow not found: wfl-nope")
      const noInstance = yield* Effect.flip(executions.createUnknown(executionBody({ workflowInstanceId: "win-nope" })))
      assert.strictEqual(noInstance.code, "NOT_FOUND")
      assert.strictEqual(noInstance.message, "WorkflowInstance not found: win-nope")
      const mismatch = yield* Effect.flip(
        executions.createUnknown(executionBody({ workflowInstanceId: instance.metadata.id, workflowId: other.metadata.id }))
      )
      assert.strictEqual(mismatch.code, "INVALID_ARGUMENT")
      assert.strictEqual(yield* executionCount, 0)
    })))

  it.effect("a duplicate name is 409 ALREADY_EXISTS, and is per org", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { workflow } = yield* setup({}, { name: "Nightly Run" })
      const error = yield* Effect.flip(
        executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "nightly-run" }))
      )
      assert.strictEqual(error._tag, "AlreadyExists")
      assert.strictEqual(error.code, "ALREADY_EXISTS")
      assert.include(error.message, "nightly-run")
      assert.strictEqual(yield* executionCount, 1)
      // Another org: fine (no workflow org check for executions).
      const elsewhere = yield* executions.createUnknown(
        executionBody({ workflowId: workflow.metadata.id }, { name: "Nightly Run", org: "globex" })
      )
      assert.strictEqual(elsewhere.metadata.slug, "nightly-run")
    })))

  it.effect("atomic: a duplicate name fails after the default instance was made, and leaves nothing behind", () =>
    test(Effect.gen(function*() {
      const { executions, instances, workflows } = yield* services
      // "run-1" is taken in acme, by a run of another workflow.
      const other = yield* createWorkflow({ name: "Other" })
      yield* executions.createUnknown(executionBody({ workflowId: other.metadata.id }, { name: "run-1" }))
      const workflow = yield* createWorkflowWithoutDefault()
      const instancesBefore = yield* instanceCount

      const error = yield* Effect.flip(
        executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "run-1" }))
      )
      assert.strictEqual(error.code, "ALREADY_EXISTS")
      // The default instance made before CheckDuplicate was rolled back with the workflow's change.
      assert.strictEqual(yield* instanceCount, instancesBefore)
      assert.strictEqual(
        (yield* Effect.flip(instances.getBySlug("customer-onboarding-default", "acme")))._tag,
        "NotFound"
      )
      assert.deepStrictEqual(yield* workflows.get(workflow.metadata.id), workflow)
      assert.strictEqual(yield* executionCount, 1)

      // The same request under a free name then succeeds and provisions normally.
      const ok = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "run-2" }))
      assert.strictEqual((yield* workflows.get(workflow.metadata.id)).status.defaultInstanceId, ok.spec.workflowInstanceId)
    })))
})

describe("updateStatus", () => {
  it.effect("progressive updates to COMPLETED (the seed's TestUpdateStatus_ProgressiveUpdates)", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      yield* TestClock.setTime(T0)
      const { execution } = yield* setup()
      const id = execution.metadata.id

      // 1. phase IN_PROGRESS, task-1 IN_PROGRESS
      yield* TestClock.adjust("1 second")
      const s1 = yield* executions.updateStatus(id, {
        phase: "EXECUTION_IN_PROGRESS",
        tasks: [{ taskId: "task-1", taskName: "validate_email", status: "WORKFLOW_TASK_IN_PROGRESS" }],
        temporalWorkflowId: "temporal-abc"
      })
      assert.strictEqual(s1.metadata.version, 2)
      assert.strictEqual(s1.status.phase, "EXECUTION_IN_PROGRESS")
      assert.strictEqual(s1.status.startedAt, iso(T0 + 1000))
      assert.isUndefined(s1.status.completedAt)
      assert.strictEqual(s1.status.audit.statusAudit.event, "status_updated")
      assert.strictEqual(s1.status.audit.statusAudit.updatedAt, iso(T0 + 1000))
      assert.deepStrictEqual(s1.status.audit.specAudit, execution.status.audit.specAudit)

      // 2. task-1 COMPLETED, output (phase absent: kept)
      yield* TestClock.adjust("1 second")
      const s2 = yield* executions.updateStatus(id, {
        tasks: [{ taskId: "task-1", taskName: "validate_email", status: "WORKFLOW_TASK_COMPLETED", output: { ok: true } }],
        output: { emailValid: true }
      })
      assert.strictEqual(s2.metadata.version, 3)
      assert.strictEqual(s2.status.phase, "EXECUTION_IN_PROGRESS")
      assert.strictEqual(s2.status.startedAt, iso(T0 + 1000))
      assert.strictEqual(s2.status.temporalWorkflowId, "temporal-abc")

      // 3. task-2 IN_PROGRESS: tasks replaced whole
      yield* TestClock.adjust("1 second")
      const tasks3 = [
        { taskId: "task-1", status: "WORKFLOW_TASK_COMPLETED" },
        { taskId: "task-2", taskName: "create_account", taskType: "WORKFLOW_TASK_API_CALL", status: "WORKFLOW_TASK_IN_PROGRESS" }
      ] as const
      const s3 = yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS", tasks: tasks3 })
      assert.strictEqual(s3.metadata.version, 4)
      // Task times: task-1 keeps the start and end stamped by updates 1 and 2; task-2 starts now.
      assert.deepStrictEqual(s3.status.tasks, [
        { ...tasks3[0], startedAt: iso(T0 + 1000), completedAt: iso(T0 + 2000) },
        { ...tasks3[1], startedAt: iso(T0 + 3000) }
      ])
      assert.deepStrictEqual(s3.status.output, { emailValid: true })
      assert.strictEqual(s3.status.startedAt, iso(T0 + 1000), "IN_PROGRESS again keeps startedAt")

      // 4. task-2 COMPLETED, phase COMPLETED, output
      yield* TestClock.adjust("1 second")
      const tasks4 = [
        { taskId: "task-1", status: "WORKFLOW_TASK_COMPLETED" },
        { taskId: "task-2", status: "WORKFLOW_TASK_COMPLETED", completedAt: iso(T0 + 3500) }
      ] as const
      const s4 = yield* executions.updateStatus(id, {
        phase: "EXECUTION_COMPLETED",
        tasks: tasks4,
        output: { accountId: "acc-1" }
      })
      assert.strictEqual(s4.metadata.version, 5)
      assert.strictEqual(s4.status.phase, "EXECUTION_COMPLETED")
      assert.strictEqual(s4.status.completedAt, iso(T0 + 4000))

      // Final state, as stored.
      const final = yield* executions.get(id)
      assert.deepStrictEqual(final, s4)
      assert.deepStrictEqual(final.status.tasks, [
        { ...tasks4[0], startedAt: iso(T0 + 1000), completedAt: iso(T0 + 2000) },
        { ...tasks4[1], startedAt: iso(T0 + 3000) }
      ])
      assert.deepStrictEqual(final.status.output, { accountId: "acc-1" })
      assert.strictEqual(final.status.startedAt, iso(T0 + 1000))
      assert.strictEqual(final.status.temporalWorkflowId, "temporal-abc")
      assert.deepStrictEqual(final.spec, execution.spec)
      assert.deepStrictEqual({ ...final.metadata, version: 1 }, execution.metadata)
      assert.deepStrictEqual(final.status.audit.specAudit, execution.status.audit.specAudit)
      assert.strictEqual(final.status.audit.statusAudit.createdAt, iso(T0))
      assert.strictEqual(final.status.audit.statusAudit.updatedAt, iso(T0 + 4000))
    })))

  it.effect("timestamps given in the body are kept", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      const started = "2025-02-01T10:00:00.000Z"
      const completed = "2025-02-01T10:05:00+01:00"
      yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS", startedAt: started })
      const done = yield* executions.updateStatus(id, { phase: "EXECUTION_FAILED", completedAt: completed, error: "x" })
      assert.strictEqual(done.status.startedAt, started)
      assert.strictEqual(done.status.completedAt, completed)
      assert.strictEqual(done.status.error, "x")
    })))

  it.effect("a terminal phase is final; the same phase again is fine; IN_PROGRESS → PENDING is refused", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
      const back = yield* Effect.flip(executions.updateStatus(id, { phase: "EXECUTION_PENDING" }))
      assert.strictEqual(back._tag, "FailedPrecondition")
      assert.strictEqual(back.code, "FAILED_PRECONDITION")

      const done = yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      for (const phase of ["EXECUTION_IN_PROGRESS", "EXECUTION_PENDING", "EXECUTION_FAILED", "EXECUTION_CANCELLED"]) {
        const error = yield* Effect.flip(executions.updateStatusUnknown(id, { phase }))
        assert.strictEqual(error.code, "FAILED_PRECONDITION", phase)
        assert.include(error.message, "EXECUTION_COMPLETED")
      }
      // Nothing of the refused updates was kept.
      assert.deepStrictEqual(yield* executions.get(id), done)

      const again = yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      assert.strictEqual(again.metadata.version, done.metadata.version + 1)
      assert.strictEqual(again.status.completedAt, done.status.completedAt)
    })))

  it.effect("an empty body, one with only audit, and a non-object are 400", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      for (const body of [{}, { audit: {} }, null, "IN_PROGRESS", []]) {
        const error = yield* Effect.flip(executions.updateStatusUnknown(execution.metadata.id, body))
        assert.strictEqual(error.code, "INVALID_ARGUMENT", JSON.stringify(body))
      }
      assert.strictEqual((yield* executions.get(execution.metadata.id)).metadata.version, 1)
    })))

  it.effect("an invalid enum, timestamp or output is 400 naming the field", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ phase: "RUNNING" }, "phase"],
        [{ phase: 0 }, "phase"],
        [{ phase: 6 }, "phase"],
        [{ tasks: [{ taskId: "t", status: "DONE" }] }, "tasks[0].status"],
        [{ tasks: [{ taskId: "t", taskType: 99 }] }, "tasks[0].taskType"],
        [{ startedAt: "yesterday" }, "startedAt"],
        [{ output: "text" }, "output"],
        [{ tasks: "t1" }, "tasks"]
      ]
      for (const [body, field] of cases) {
        const error = yield* Effect.flip(executions.updateStatusUnknown(execution.metadata.id, body))
        assert.strictEqual(error.code, "INVALID_ARGUMENT", JSON.stringify(body))
        assert.include(error.message, field)
      }
    })))

  it.effect("proto numbers are accepted and stored as names (phase 2 = IN_PROGRESS)", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const updated = yield* executions.updateStatusUnknown(execution.metadata.id, {
        phase: 2,
        tasks: [{ taskId: "t1", status: 3, taskType: 7 }]
      })
      assert.strictEqual(updated.status.phase, "EXECUTION_IN_PROGRESS")
      assert.deepStrictEqual(updated.status.tasks, [
        { taskId: "t1", status: "WORKFLOW_TASK_COMPLETED", taskType: "WORKFLOW_TASK_CUSTOM", completedAt: iso(0) }
      ])
      const done = yield* executions.updateStatusUnknown(execution.metadata.id, { phase: 5 })
      assert.strictEqual(done.status.phase, "EXECUTION_CANCELLED")
    })))

  it.effect("spec and metadata in the body are ignored", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const updated = yield* executions.updateStatusUnknown(execution.metadata.id, {
        error: "e",
        spec: { triggerMessage: "changed" },
        metadata: { name: "changed" }
      } as unknown)
      assert.deepStrictEqual(updated.spec, execution.spec)
      assert.strictEqual(updated.metadata.name, execution.metadata.name)
    })))

  it.effect("404 for an unknown id; 412 ABORTED for a stale If-Match, which writes nothing", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      const missing = yield* Effect.flip(executions.updateStatusUnknown(UNKNOWN_EXECUTION, { phase: 2 }))
      assert.strictEqual(missing.code, "NOT_FOUND")
      assert.strictEqual(missing.message, `WorkflowExecution not found: ${UNKNOWN_EXECUTION}`)

      yield* executions.updateStatusUnknown(id, { phase: 2 }, "\"1\"")
      const stale = yield* Effect.flip(executions.updateStatus(id, { error: "x" }, "\"1\""))
      assert.strictEqual(stale._tag, "Aborted")
      assert.strictEqual(stale.code, "ABORTED")
      const current = yield* executions.get(id)
      assert.strictEqual(current.metadata.version, 2)
      assert.isUndefined(current.status.error)
      assert.strictEqual((yield* executions.updateStatus(id, { error: "x" }, "\"2\"")).metadata.version, 3)
    })))

  it.effect("concurrent updates are serialised: none is lost", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      const results = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        (i) => executions.updateStatus(id, { tasks: [{ taskId: `t${i}` }] }),
        { concurrency: "unbounded" }
      )
      const versions = results.map((r) => r.metadata.version).sort((a, b) => a - b)
      assert.deepStrictEqual(versions, Array.from({ length: 30 }, (_, i) => i + 2))
      const final = yield* executions.get(id)
      assert.strictEqual(final.metadata.version, 31)
      // The last writer's tasks are the stored ones.
      const last = results.find((r) => r.metadata.version === 31)!
      assert.deepStrictEqual(final.status.tasks, last.status.tasks)
    })))
})

describe("update (spec)", () => {
  it.effect("changes spec fields; version +1; audit `updated`; status untouched", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      yield* TestClock.setTime(T0)
      const { execution } = yield* setup({ runtimeEnv: { A: { value: "1" } } })
      const id = execution.metadata.id
      const running = yield* executions.updateStatus(id, {
        phase: "EXECUTION_IN_PROGRESS",
        tasks: [{ taskId: "t1" }],
        output: { a: 1 }
      })
      yield* TestClock.adjust("5 seconds")
      const updated = yield* executions.update(id, {
        metadata: { name: execution.metadata.name, labels: { team: "growth" } },
        spec: { triggerMessage: "again", runtimeEnv: { B: { value: "2", isSecret: true } } },
        status: { phase: "EXECUTION_CANCELLED" }
      })
      assert.strictEqual(updated.metadata.version, 3)
      assert.deepStrictEqual(updated.metadata.labels, { team: "growth" })
      assert.deepStrictEqual(updated.spec, {
        workflowInstanceId: execution.spec.workflowInstanceId,
        workflowId: execution.spec.workflowId,
        triggerMessage: "again",
        runtimeEnv: { B: { isSecret: true } }
      })
      const { audit: _, ...statusRest } = updated.status
      const { audit: __, ...runningRest } = running.status
      assert.deepStrictEqual(statusRest, runningRest)
      assert.strictEqual(updated.status.audit.specAudit.event, "updated")
      assert.strictEqual(updated.status.audit.specAudit.createdAt, iso(T0))
      assert.strictEqual(updated.status.audit.specAudit.updatedAt, iso(T0 + 5000))
      assert.deepStrictEqual(yield* executions.get(id), updated)
    })))

  it.effect("the same ids may be repeated; a different workflowInstanceId or workflowId is 400", () =>
    test(Effect.gen(function*() {
      const { executions, instances } = yield* services
      const { execution, workflow } = yield* setup()
      const id = execution.metadata.id
      const same = yield* executions.updateUnknown(id, {
        spec: { ...execution.spec, triggerMessage: "x" }
      })
      assert.strictEqual(same.metadata.version, 2)

      const otherInstance = yield* instances.createUnknown(instanceBody(workflow.metadata.id))
      const other = yield* createWorkflow({ name: "Other" })
      for (
        const spec of [{ workflowInstanceId: otherInstance.metadata.id }, { workflowId: other.metadata.id }]
      ) {
        const error = yield* Effect.flip(executions.updateUnknown(id, { spec }))
        assert.strictEqual(error.code, "INVALID_ARGUMENT")
        assert.include(error.message, Object.keys(spec)[0])
      }
      assert.deepStrictEqual(yield* executions.get(id), same)
    })))

  it.effect("an update that changes nothing keeps the version", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const again = yield* executions.updateUnknown(execution.metadata.id, { spec: { triggerMessage: "hello" } })
      assert.strictEqual(again.metadata.version, 1)
    })))

  it.effect("404 unknown id; 412 stale If-Match; 400 for a bad body", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      assert.strictEqual((yield* Effect.flip(executions.updateUnknown(UNKNOWN_EXECUTION, { spec: {} }))).code, "NOT_FOUND")
      yield* executions.updateUnknown(id, { spec: { triggerMessage: "v2" } }, "\"1\"")
      const stale = yield* Effect.flip(executions.updateUnknown(id, { spec: { triggerMessage: "v3" } }, "\"1\""))
      assert.strictEqual(stale.code, "ABORTED")
      const bad = yield* Effect.flip(executions.updateUnknown(id, { spec: { runtimeEnv: { A: { value: "" } } } }))
      assert.strictEqual(bad.code, "INVALID_ARGUMENT")
      assert.strictEqual((yield* executions.get(id)).spec.triggerMessage, "v2")
    })))
})

describe("delete", () => {
  it.effect("returns the deleted execution; it is gone afterwards; the instance stays", () =>
    test(Effect.gen(function*() {
      const { executions, instances } = yield* services
      const { execution } = yield* setup()
      const running = yield* executions.updateStatusUnknown(execution.metadata.id, { phase: 2 })
      const deleted = yield* executions.delete(execution.metadata.id)
      assert.deepStrictEqual(deleted, running)
      const error = yield* Effect.flip(executions.get(execution.metadata.id))
      assert.strictEqual(error.code, "NOT_FOUND")
      assert.strictEqual(error.message, `WorkflowExecution not found: ${execution.metadata.id}`)
      assert.strictEqual(yield* executionCount, 0)
      yield* instances.get(execution.spec.workflowInstanceId!)
      assert.strictEqual((yield* Effect.flip(executions.delete(execution.metadata.id))).code, "NOT_FOUND")
    })))

  it.effect("412 for a stale If-Match, which deletes nothing", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      yield* executions.updateStatusUnknown(execution.metadata.id, { phase: 2 })
      const stale = yield* Effect.flip(executions.delete(execution.metadata.id, "\"1\""))
      assert.strictEqual(stale.code, "ABORTED")
      assert.strictEqual(yield* executionCount, 1)
      yield* executions.delete(execution.metadata.id, "\"2\"")
      assert.strictEqual(yield* executionCount, 0)
    })))
})

describe("list", () => {
  /** Two workflows; the first with its default and one more instance. Runs in several phases. */
  const populate = Effect.gen(function*() {
    const { executions, instances } = yield* services
    const wf1 = yield* createWorkflow()
    const wf2 = yield* createWorkflow({ name: "Billing" })
    const extra = yield* instances.createUnknown(instanceBody(wf1.metadata.id))
    const create = (spec: Record<string, unknown>, name: string) =>
      executions.createUnknown(executionBody(spec, { name }))
    const a = yield* create({ workflowId: wf1.metadata.id }, "a") // default of wf1, PENDING
    const b = yield* create({ workflowInstanceId: extra.metadata.id }, "b") // extra, IN_PROGRESS
    const c = yield* create({ workflowId: wf2.metadata.id }, "c") // default of wf2, COMPLETED
    const d = yield* create({ workflowId: wf1.metadata.id }, "d") // default of wf1, FAILED
    yield* executions.updateStatus(b.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
    yield* executions.updateStatus(c.metadata.id, { phase: "EXECUTION_COMPLETED" })
    yield* executions.updateStatus(d.metadata.id, { phase: "EXECUTION_FAILED" })
    return { wf1, wf2, extra, a, b, c, d }
  })

  const names = (page: { readonly entries: ReadonlyArray<WorkflowExecution.WorkflowExecution> }) =>
    page.entries.map((e) => e.metadata.name)

  it.effect("everything, newest first, as stored (the original always returned nothing)", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { b } = yield* populate
      const page = yield* executions.list({ pageSize: 50 })
      assert.deepStrictEqual(names(page), ["d", "c", "b", "a"])
      assert.isUndefined(page.nextPageToken)
      assert.notProperty(page, "nextPageToken")
      assert.deepStrictEqual(page.entries[2], yield* executions.get(b.metadata.id))
    })))

  it.effect("filters: workflowInstanceId, workflowId, phase (any of), org, and combined", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { extra, wf1, wf2 } = yield* populate
      const list = (query: Omit<Parameters<WorkflowExecutions["list"]>[0], "pageSize">) =>
        Effect.map(executions.list({ pageSize: 50, ...query }), names)
      assert.deepStrictEqual(yield* list({ workflowInstanceId: wf1.status.defaultInstanceId }), ["d", "a"])
      assert.deepStrictEqual(yield* list({ workflowInstanceId: extra.metadata.id }), ["b"])
      assert.deepStrictEqual(yield* list({ workflowId: wf1.metadata.id }), ["d", "b", "a"])
      assert.deepStrictEqual(yield* list({ workflowId: wf2.metadata.id }), ["c"])
      assert.deepStrictEqual(yield* list({ phase: ["EXECUTION_PENDING"] }), ["a"])
      assert.deepStrictEqual(yield* list({ phase: ["EXECUTION_COMPLETED", "EXECUTION_FAILED"] }), ["d", "c"])
      assert.deepStrictEqual(yield* list({ phase: [] }), ["d", "c", "b", "a"])
      assert.deepStrictEqual(yield* list({ workflowId: wf1.metadata.id, phase: ["EXECUTION_FAILED"] }), ["d"])
      assert.deepStrictEqual(yield* list({ workflowId: "wfl-nope" }), [])
      assert.deepStrictEqual(yield* list({ org: "acme" }), ["d", "c", "b", "a"])
      assert.deepStrictEqual(yield* list({ org: "globex" }), [])
    })))

  it.effect("the filter columns follow status updates (phase) and deletes", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { a } = yield* populate
      yield* executions.updateStatus(a.metadata.id, { phase: "EXECUTION_CANCELLED" })
      const cancelled = yield* executions.list({ pageSize: 50, phase: ["EXECUTION_CANCELLED"] })
      assert.deepStrictEqual(names(cancelled), ["a"])
      assert.strictEqual(cancelled.entries[0].status.phase, "EXECUTION_CANCELLED")
      yield* executions.delete(a.metadata.id)
      assert.deepStrictEqual(names(yield* executions.list({ pageSize: 50, phase: ["EXECUTION_CANCELLED"] })), [])
    })))

  it.effect("pageSize/pageToken page newest first; no nextPageToken on the last page", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      yield* populate
      const p1 = yield* executions.list({ pageSize: 3 })
      assert.deepStrictEqual(names(p1), ["d", "c", "b"])
      assert.isString(p1.nextPageToken)
      const p2 = yield* executions.list({ pageSize: 3, pageToken: p1.nextPageToken })
      assert.deepStrictEqual(names(p2), ["a"])
      assert.isUndefined(p2.nextPageToken)

      // Exactly full last page: still no token after it.
      const q1 = yield* executions.list({ pageSize: 2 })
      const q2 = yield* executions.list({ pageSize: 2, pageToken: q1.nextPageToken })
      assert.deepStrictEqual([...names(q1), ...names(q2)], ["d", "c", "b", "a"])
      assert.isUndefined(q2.nextPageToken)

      // Paging with a filter.
      const f1 = yield* executions.list({ pageSize: 1, phase: ["EXECUTION_PENDING", "EXECUTION_FAILED"] })
      const f2 = yield* executions.list({
        pageSize: 1,
        phase: ["EXECUTION_PENDING", "EXECUTION_FAILED"],
        pageToken: f1.nextPageToken
      })
      assert.deepStrictEqual([...names(f1), ...names(f2)], ["d", "a"])
      assert.isUndefined(f2.nextPageToken)
    })))

  it.effect("items created while paging do not disturb the pages (keyset)", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { wf2 } = yield* populate
      const p1 = yield* executions.list({ pageSize: 2 })
      yield* executions.createUnknown(executionBody({ workflowId: wf2.metadata.id }, { name: "e" }))
      yield* executions.delete(p1.entries[0].metadata.id)
      const p2 = yield* executions.list({ pageSize: 2, pageToken: p1.nextPageToken })
      assert.deepStrictEqual([...names(p1), ...names(p2)], ["d", "c", "b", "a"])
    })))

  it.effect("a bad pageToken or pageSize is 400", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      for (const query of [{ pageSize: 10, pageToken: "garbage" }, { pageSize: 0 }, { pageSize: 1.5 }]) {
        const error = yield* Effect.flip(executions.list(query))
        assert.strictEqual(error.code, "INVALID_ARGUMENT", JSON.stringify(query))
      }
    })))

  it.effect("query params: phase by name or proto number, repeated; unknown phase and bad pageSize refused", () =>
    Effect.gen(function*() {
      const decode = Schema.decodeUnknown(ListWorkflowExecutionsParams)
      const ok = yield* decode({ phase: ["EXECUTION_PENDING", "3"], workflowId: "wfl-1" })
      assert.deepStrictEqual(ok, {
        pageSize: 50,
        phase: ["EXECUTION_PENDING", "EXECUTION_COMPLETED"],
        workflowId: "wfl-1"
      })
      assert.deepStrictEqual((yield* decode({ phase: ["2"], pageSize: "1000" })).phase, ["EXECUTION_IN_PROGRESS"])
      for (
        const bad of [{ phase: ["RUNNING"] }, { phase: ["0"] }, { phase: ["6"] }, { pageSize: "0" }, {
          pageSize: "1001"
        }, { pageSize: "ten" }]
      ) {
        const exit = yield* Effect.exit(decode(bad))
        assert.isTrue(Exit.isFailure(exit), JSON.stringify(bad))
      }
    }))
})

describe("ExecutionRunner", () => {
  it.effect("a runner is handed each created execution, once, as persisted", () =>
    Effect.gen(function*() {
      const runner = recordingRunner()
      yield* test(
        Effect.gen(function*() {
          const { executions } = yield* services
          const { execution, workflow } = yield* setup()
          assert.deepStrictEqual(runner.started, [execution])
          assert.strictEqual(runner.started[0].status.phase, "EXECUTION_PENDING")
          const second = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "two" }))
          assert.deepStrictEqual(runner.started.map((e) => e.metadata.id), [execution.metadata.id, second.metadata.id])

          // Failed creates, updates and status updates hand nothing over.
          yield* Effect.flip(executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "two" })))
          yield* executions.updateStatusUnknown(second.metadata.id, { phase: 2 })
          yield* executions.updateUnknown(second.metadata.id, { spec: { triggerMessage: "x" } })
          assert.strictEqual(runner.started.length, 2)
        }),
        makeLayer(runner.layer)
      )
    }))

  it.effect("the runner is handed the execution after the create committed, outside its transaction", () =>
    Effect.gen(function*() {
      const seen: Array<{ readonly inTransaction: boolean; readonly stored: number }> = []
      const runner = Layer.effect(
        ExecutionRunner.ExecutionRunner,
        Effect.map(SqlClient.SqlClient, (sql) =>
          ExecutionRunner.ExecutionRunner.of({
            start: (execution) =>
              Effect.gen(function*() {
                const transaction = yield* Effect.serviceOption(SqlClient.TransactionConnection)
                const rows = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM workflow_executions WHERE id = ${execution.metadata.id}`
                  .pipe(Effect.orDie)
                seen.push({ inTransaction: Option.isSome(transaction), stored: Number(rows[0].n) })
              })
          }))
      )
      yield* test(
        Effect.gen(function*() {
          const { executions } = yield* services
          const workflow = yield* createWorkflow()
          yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
          assert.deepStrictEqual(seen, [{ inTransaction: false, stored: 1 }])
        }),
        makeLayer(runner)
      )
    }))

  it.effect("inside an enclosing weft transaction, the runner waits for the outer commit, and a rollback hands nothing over", () =>
    Effect.gen(function*() {
      const runner = recordingRunner()
      yield* test(
        Effect.gen(function*() {
          const { executions } = yield* services
          const workflow = yield* createWorkflow()
          const body = executionBody({ workflowId: workflow.metadata.id })
          const handedInside = yield* Transaction.run(
            Effect.zipRight(executions.createUnknown(body), Effect.sync(() => runner.started.length))
          )
          assert.strictEqual(handedInside, 0)
          assert.strictEqual(runner.started.length, 1)
          const failure = yield* Effect.flip(Transaction.run(
            Effect.zipRight(
              executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }, { name: "rolled back" })),
              Effect.fail("the caller changed its mind" as const)
            )
          ))
          assert.strictEqual(failure, "the caller changed its mind")
          assert.strictEqual(runner.started.length, 1)
          assert.strictEqual(yield* executionCount, 1)
        }),
        makeLayer(runner.layer)
      )
    }))

  it.effect("a runner that fails: the create still succeeds, the execution stays stored PENDING, the failure is logged", () =>
    Effect.gen(function*() {
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => void logs.push(String(message)))
      yield* test(
        Effect.gen(function*() {
          const { executions, workflows } = yield* services
          const workflow = yield* createWorkflowWithoutDefault()
          const created = yield* executions.createUnknown(executionBody({ workflowId: workflow.metadata.id }))
          assert.strictEqual(created.status.phase, "EXECUTION_PENDING")
          assert.deepStrictEqual(yield* executions.get(created.metadata.id), created)
          assert.strictEqual(yield* executionCount, 1)
          // The default instance it needed was created and recorded too.
          const after = yield* workflows.get(workflow.metadata.id)
          assert.strictEqual(after.status.defaultInstanceId, created.spec.workflowInstanceId)
          assert.include(logs, "after-commit hook failed")
        }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger))),
        makeLayer(failingRunner)
      )
    }))
})

describe("watch", () => {
  const collect = (id: string) =>
    Effect.gen(function*() {
      const { executions } = yield* services
      const stream = yield* executions.watch(id)
      return yield* Stream.runCollect(stream).pipe(Effect.map(Chunk.toReadonlyArray))
    })

  /** Forks a watcher and waits until it has subscribed. */
  const watching = (id: string) =>
    Effect.gen(function*() {
      const events = yield* ExecutionEvents.ExecutionEvents
      const before = (yield* events.stats).watchers
      const fiber = yield* Effect.fork(collect(id))
      while ((yield* events.stats).watchers === before) yield* Effect.yieldNow()
      return fiber
    })

  const summary = (events: ReadonlyArray<WatchEvent>) =>
    events.map((e) => `${e._tag}:${e.execution.metadata.version}:${e.execution.status.phase}`)

  it.effect("the current state, then every change in order, ending after a terminal phase", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      const fiber = yield* watching(id)
      yield* executions.updateStatusUnknown(id, { phase: 2 })
      yield* executions.updateUnknown(id, { spec: { triggerMessage: "changed" } })
      yield* executions.updateStatus(id, { output: { x: 1 } })
      yield* executions.updateStatus(id, { phase: "EXECUTION_COMPLETED" })
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(summary(events), [
        "Updated:1:EXECUTION_PENDING",
        "Updated:2:EXECUTION_IN_PROGRESS",
        "Updated:3:EXECUTION_IN_PROGRESS",
        "Updated:4:EXECUTION_IN_PROGRESS",
        "Updated:5:EXECUTION_COMPLETED"
      ])
      assert.deepStrictEqual(events[4].execution, yield* executions.get(id))
      // The watcher is gone with its stream.
      assert.deepStrictEqual(yield* Effect.flatMap(ExecutionEvents.ExecutionEvents, (e) => e.stats), {
        executions: 0,
        watchers: 0
      })
    })))

  it.effect("an execution already terminal: one event, and the stream ends", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      yield* executions.updateStatus(execution.metadata.id, { phase: "EXECUTION_FAILED", error: "boom" })
      const events = yield* collect(execution.metadata.id)
      assert.deepStrictEqual(summary(events), ["Updated:2:EXECUTION_FAILED"])
    })))

  it.effect("a delete ends the stream with a Deleted event", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const fiber = yield* watching(execution.metadata.id)
      yield* executions.updateStatusUnknown(execution.metadata.id, { phase: 2 })
      yield* executions.delete(execution.metadata.id)
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(summary(events), [
        "Updated:1:EXECUTION_PENDING",
        "Updated:2:EXECUTION_IN_PROGRESS",
        "Deleted:2:EXECUTION_IN_PROGRESS"
      ])
    })))

  it.effect("an unknown id fails with NOT_FOUND before any event", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const error = yield* Effect.flip(executions.watch(UNKNOWN_EXECUTION))
      assert.strictEqual(error.code, "NOT_FOUND")
    })))

  it.effect("several watchers of one execution each get every event", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup()
      const id = execution.metadata.id
      const first = yield* watching(id)
      const second = yield* watching(id)
      yield* executions.updateStatusUnknown(id, { phase: 2 })
      yield* executions.updateStatusUnknown(id, { phase: 3 })
      const [a, b] = yield* Effect.all([Fiber.join(first), Fiber.join(second)])
      assert.deepStrictEqual(summary(a), summary(b))
      assert.strictEqual(a.length, 3)
    })))
})

describe("secrets of runtimeEnv", () => {
  const secretValue = "rt-tok-5a90e2-never-answered"
  const runtimeEnv = { TOKEN: { value: secretValue, isSecret: true }, REGION: { value: "eu" } }

  /** Every stored execution document and every logged change, as text. */
  const storedText = (table: "workflow_executions" | "workflow_execution_changes") =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ doc: string }>`SELECT doc FROM ${sql(table)}`).pipe(
      Effect.map((rows) => rows.map((r) => r.doc).join("\n")),
      Effect.orDie
    )

  it.effect("stored sealed; no answer, watch event or feed item carries the value; resolve opens it", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const delivered: Array<unknown> = []
      const stopFeed = yield* executions.feed({}, undefined, (item) => void delivered.push(item))
      const { execution, replayed } = yield* executions.startUnknown(
        executionBody({ workflowId: workflow.metadata.id, runtimeEnv }, { name: "run-1" }),
        "k-secret"
      )
      assert.isFalse(replayed)
      assert.deepStrictEqual(execution.spec.runtimeEnv, { TOKEN: { isSecret: true }, REGION: { value: "eu" } })
      const id = execution.metadata.id
      // Ends by itself after the terminal phase (the cancel below).
      const watched = yield* Effect.fork(Stream.runCollect(yield* executions.watch(id)))
      const answers: Array<unknown> = [
        execution,
        (yield* executions.startUnknown(executionBody({ workflowId: workflow.metadata.id, runtimeEnv }, { name: "run-1" }), "k-secret"))
          .execution,
        yield* executions.get(id),
        yield* executions.getBySlug("run-1", "acme"),
        (yield* executions.list({ pageSize: 10 })).entries[0],
        yield* executions.updateUnknown(id, executionBody({ runtimeEnv: { TOKEN: { isSecret: true }, REGION: { value: "us" } } }, { name: "run-1" })),
        yield* executions.updateStatus(id, { phase: "EXECUTION_IN_PROGRESS" })
      ]
      answers.push(yield* executions.cancel(id))
      const events = Chunk.toReadonlyArray(yield* Fiber.join(watched))
      assert.strictEqual(events.at(-1)?.execution.status.phase, "EXECUTION_CANCELLED")
      answers.push(events)

      const resolved = yield* executions.resolve(id)
      assert.deepStrictEqual(resolved.values, { TOKEN: secretValue, REGION: "us" })
      assert.deepStrictEqual(resolved.secrets, [secretValue])
      answers.push(resolved.execution)
      // Resumed from the log: what was recorded there is masked too.
      const resumed: Array<unknown> = []
      stopFeed()
      const stop = yield* executions.feed({}, 0, (item) => void resumed.push(item))
      stop()
      assert.isAtLeast(resumed.length, 4)
      answers.push(delivered, resumed, yield* executions.delete(id))

      for (const answer of answers) {
        assert.notInclude(JSON.stringify(answer), secretValue)
        assert.notInclude(JSON.stringify(answer), "weft:v1:")
      }
      const stored = yield* storedText("workflow_executions")
      assert.strictEqual(stored, "") // deleted
      const log = yield* storedText("workflow_execution_changes")
      assert.notInclude(log, secretValue)
      assert.notInclude(log, "weft:v1:")
      assert.strictEqual((yield* Effect.flip(executions.resolve(id))).message, `WorkflowExecution not found: ${id}`)
    })))

  it.effect("the stored document holds the value sealed; an update without it keeps it, the same value keeps the version", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const { execution } = yield* setup({ runtimeEnv }, { name: "run-2" })
      const id = execution.metadata.id
      const stored = yield* storedText("workflow_executions")
      assert.include(stored, "weft:v1:")
      assert.notInclude(stored, secretValue)

      const readBack = yield* executions.get(id)
      assert.strictEqual((yield* executions.update(id, readBack)).metadata.version, 1)
      const same = yield* executions.updateUnknown(id, executionBody({ runtimeEnv }, { name: "run-2" }))
      assert.strictEqual(same.metadata.version, 1)
      assert.deepStrictEqual((yield* executions.resolve(id)).values.TOKEN, secretValue)

      const changed = yield* executions.updateUnknown(id, executionBody({ runtimeEnv: { TOKEN: { value: "rt-2", isSecret: true } } }, { name: "run-2" }))
      assert.strictEqual(changed.metadata.version, 2)
      assert.deepStrictEqual((yield* executions.resolve(id)).values, { TOKEN: "rt-2" })
    })))

  it.effect("a value is required, except for a secret kept from the stored one; errors never quote a secret", () =>
    test(Effect.gen(function*() {
      const { executions } = yield* services
      const workflow = yield* createWorkflow()
      const create = (env: unknown) =>
        Effect.flip(executions.createUnknown(executionBody({ workflowId: workflow.metadata.id, runtimeEnv: env }, { name: "run-3" })))
      const plainMissing = yield* create({ REGION: {} })
      assert.strictEqual(plainMissing.code, "INVALID_ARGUMENT")
      assert.strictEqual(plainMissing.message, "spec.runtimeEnv.REGION.value: is missing")
      const secretMissing = yield* create({ TOKEN: { isSecret: true } })
      assert.include(secretMissing.message, "spec.runtimeEnv.TOKEN.value: is missing")
      const malformed = yield* create({ TOKEN: { value: secretValue, isSecret: "yes" } })
      assert.include(malformed.message, "spec.runtimeEnv.TOKEN.isSecret")
      assert.notInclude(malformed.message, secretValue)
      // A secret of the wrong type is refused without being quoted.
      const wrongType = yield* create({ N: { value: { pin: 4242 }, isSecret: true } })
      assert.include(wrongType.message, "spec.runtimeEnv.N.value: Expected string")
      assert.notInclude(wrongType.message, "4242")
      assert.strictEqual(yield* executionCount, 0)
    })))
})
