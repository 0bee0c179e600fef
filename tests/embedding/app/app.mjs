// A program outside the weft repository that composes weft in-process: its own SQLite
// database, its own runner, no HTTP. It creates a workflow, starts an execution, watches
// it while its worker reports the run to the end, and prints each event it saw.
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Migrations, ResourceStore, SecretBox } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { ExecutionEvents, ExecutionRunner, WorkflowExecutionMigrations, WorkflowExecutions } from "@weft/workflowexecution"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Effect, Fiber, Layer, Queue, Stream } from "effect"
import { randomBytes } from "node:crypto"

// The app's runner: weft hands it each new execution; the app's worker runs it.
const handed = Effect.runSync(Queue.unbounded())
const Runner = Layer.succeed(ExecutionRunner.ExecutionRunner, { start: (execution) => Queue.offer(handed, execution) })
const Weft = WorkflowExecutions.Default.pipe(
  Layer.provideMerge(WorkflowInstances.Default), Layer.provideMerge(Workflows.Default),
  Layer.provideMerge(DefaultInstanceProvisionerLive), Layer.provideMerge(ExecutionEvents.layerInProcess),
  Layer.provideMerge(ResourceStore.layer), Layer.provideMerge(Runner),
  // Seals secret values (a workflow's envSpec, a run's runtimeEnv); a key per process suits a database in memory.
  Layer.provideMerge(SecretBox.layer({ current: randomBytes(32) })),
  Layer.provideMerge(Migrations.layer([WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations])),
  Layer.provideMerge(SqliteClient.layer({ filename: ":memory:" })))

const program = Effect.gen(function*() {
  const [workflows, executions, events] = yield* Effect.all([Workflows, WorkflowExecutions, ExecutionEvents.ExecutionEvents])
  const workflow = yield* workflows.create({ metadata: { name: "Hello", ownerScope: "platform" }, spec: {
    document: { dsl: "1.0.0", namespace: "demo", name: "hello", version: "1.0.0" },
    tasks: [{ name: "greet", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { greeting: "hi" } } }] } })
  const run = yield* executions.create({ metadata: { ownerScope: "identity_account" }, spec: { workflowId: workflow.metadata.id } })
  const watching = yield* Effect.fork(Effect.flatMap(executions.watch(run.metadata.id), Stream.runCollect))
  while ((yield* events.stats).watchers === 0) yield* Effect.yieldNow()
  const job = yield* Queue.take(handed)
  yield* executions.updateStatus(job.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
  yield* executions.updateStatus(job.metadata.id, { phase: "EXECUTION_COMPLETED", output: { greeting: "hi" } })
  for (const event of yield* Fiber.join(watching)) console.log(event._tag, event.execution.metadata.version, event.execution.status.phase)
})
Effect.runPromise(Effect.provide(program, Weft)).catch((error) => { console.error(error); process.exit(1) })
