/**
 * weft's services composed once, for every app that runs them: the HTTP server, an
 * application embedding weft in its own process, and the tests. Each needs a SqlClient
 * and a SecretBox (which seals secrets) beneath; the database is migrated before any
 * service is built.
 *
 *   Weft.layerWithEngine(Interpreter.run)          every execution runs here, durably
 *   Weft.layer(ExecutionRunner.layerNoop)          executions wait for a runner of one's own
 */
import { EnvironmentMigrations, Environments } from "@weft/environment"
import { Migrations, ResourceStore } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { ExecutionEvents, WorkflowExecutionMigrations, WorkflowExecutions } from "@weft/workflowexecution"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Layer } from "effect"
import * as Engine from "./Engine.js"
import * as EngineRunner from "./EngineRunner.js"
import { EngineMigrations } from "./EngineMigrations.js"

/**
 * Every migration set the services need, in the order they are applied (a set that
 * refers to another's tables comes after it).
 */
export const migrations: ReadonlyArray<Migrations.MigrationSet> = [
  WorkflowMigrations,
  WorkflowInstanceMigrations,
  WorkflowExecutionMigrations,
  EnvironmentMigrations,
  EngineMigrations
]

/** Applies `migrations` once, when the layer is built, before any service. */
export const MigrationsLive = Migrations.layer(migrations)

/**
 * The services of every kind over one ResourceStore, handing the executions they create
 * to `runner`; watch events through the database's hub (shared across replicas on
 * PostgreSQL). The Workflow kind's DefaultInstanceProvisioner comes from the
 * WorkflowInstance package.
 */
export const layer = <A, E, R>(runner: Layer.Layer<A, E, R>) =>
  WorkflowExecutions.Default.pipe(
    Layer.provideMerge(WorkflowInstances.Default),
    Layer.provideMerge(Environments.Default),
    Layer.provideMerge(Workflows.Default),
    Layer.provideMerge(DefaultInstanceProvisionerLive),
    Layer.provideMerge(ExecutionEvents.layer),
    Layer.provideMerge(runner),
    Layer.provideMerge(ResourceStore.layer),
    Layer.provideMerge(MigrationsLive)
  )

/**
 * The services with the engine over `interpret` (`Interpreter.run`, which needs
 * `Interpreter.layerServices`, or a test's own): every execution created runs in this
 * process, durably. Needs an `EngineConfig` too.
 */
export const layerWithEngine = <R>(interpret: Engine.Interpret<R>) =>
  Engine.layer(interpret).pipe(Layer.provideMerge(layer(EngineRunner.layer)))
