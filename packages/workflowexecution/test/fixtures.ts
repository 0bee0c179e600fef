/**
 * Test fixtures for the WorkflowExecution kind: request bodies, runners that record what
 * they were handed (or fail), and the services wired as `apps/server` wires them
 * (`ServicesLive`), over one fresh in-memory SQLite per test.
 */
import { SqlClient } from "@effect/sql"
import { Workflows } from "@weft/workflow"
import { WorkflowInstances } from "@weft/workflowinstance"
import { Effect, Layer, Schema } from "effect"
import { ExecutionRunner, layerTest, WorkflowExecution, WorkflowExecutions } from "../src/index.js"

export const ApiVersion = "agentic.stigmer.ai/v1"

export const workflowBody = (metadata: Record<string, unknown> = {}) => ({
  apiVersion: ApiVersion,
  kind: "Workflow",
  metadata: { name: "Customer Onboarding", ownerScope: "organization", org: "acme", ...metadata },
  spec: {
    document: { dsl: "1.0.0", namespace: "default", name: "onboarding", version: "1.0.0" },
    tasks: [
      { name: "validate_email", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } },
      { name: "create_account", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { method: "POST", endpoint: { uri: "https://x" } } }
    ]
  }
})

export const instanceBody = (workflowId: string, metadata: Record<string, unknown> = {}) => ({
  metadata: { name: "Acme Onboarding", ownerScope: "organization", org: "acme", ...metadata },
  spec: { workflowId, description: "prod bindings" }
})

/** A valid execution body; `spec` fields and `metadata` fields are merged over the defaults. */
export const executionBody = (
  spec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
  extra: Record<string, unknown> = {}
) => ({
  apiVersion: ApiVersion,
  kind: "WorkflowExecution",
  metadata: { ownerScope: "organization", org: "acme", ...metadata },
  spec: { triggerMessage: "hello", ...spec },
  ...extra
})

/** A decoded execution request, as `ValidateSchema` leaves it in the context. */
export const decodeRequest = (body: unknown) => Schema.decodeUnknownSync(WorkflowExecution.WorkflowExecutionInput)(body)

/** A runner that records every execution it is handed. */
export const recordingRunner = () => {
  const started: Array<WorkflowExecution.WorkflowExecution> = []
  const layer = Layer.succeed(
    ExecutionRunner.ExecutionRunner,
    ExecutionRunner.ExecutionRunner.of({ start: (execution) => Effect.sync(() => void started.push(execution)) })
  )
  return { started, layer }
}

/** A runner that cannot start anything: `start` dies. */
export const failingRunner = Layer.succeed(
  ExecutionRunner.ExecutionRunner,
  ExecutionRunner.ExecutionRunner.of({ start: () => Effect.dieMessage("runner unavailable") })
)

/** Every service, the store, the event hub and the SqlClient, over the given runner. */
export const makeLayer = layerTest

export const TestLayer = makeLayer()

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql(table)}`).pipe(
    Effect.map((rows) => Number(rows[0].n)),
    Effect.orDie
  )

export const workflowCount = count("workflows")
export const instanceCount = count("workflow_instances")
export const executionCount = count("workflow_executions")
export const changeCount = count("workflow_execution_changes")

/** The three services. */
export const services = Effect.all({
  workflows: Workflows,
  instances: WorkflowInstances,
  executions: WorkflowExecutions
})

/** A workflow (with its default instance, as Workflows.create provisions one). */
export const createWorkflow = (metadata: Record<string, unknown> = {}) =>
  Effect.flatMap(Workflows, (workflows) => workflows.createUnknown(workflowBody(metadata)))

/**
 * A workflow that has no default instance: created, then its default instance deleted
 * (which clears `status.defaultInstanceId`; the workflow is then at version 2).
 */
export const createWorkflowWithoutDefault = (metadata: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const { instances, workflows } = yield* services
    const created = yield* workflows.createUnknown(workflowBody(metadata))
    yield* instances.delete(created.status.defaultInstanceId!)
    return yield* workflows.get(created.metadata.id)
  })
