/**
 * weft's services composed once, for every app that runs them: the HTTP server, an
 * application embedding weft in its own process, and the tests. Each needs a SqlClient
 * and a SecretBox (which seals secrets) beneath; the database is migrated before any
 * service is built.
 *
 *   Weft.layerWithEngine(Interpreter.run)          every execution runs here, durably
 *   Weft.layer(ExecutionRunner.layerNoop)          executions wait for a runner of one's own
 */
import type { SqlClient } from "@effect/sql"
import { EnvironmentMigrations, Environments } from "@weft/environment"
import { Migrations, ResourceStore, type SecretBox } from "@weft/resource"
import { type DefaultInstanceProvisioner, WorkflowMigrations, Workflows } from "@weft/workflow"
import {
  type ExecutionEvents,
  type ExecutionRunner,
  layerOver,
  WorkflowExecutionMigrations,
  type WorkflowExecutions
} from "@weft/workflowexecution"
import { WorkflowInstanceMigrations, type WorkflowInstances } from "@weft/workflowinstance"
import { Layer, type Scope } from "effect"
import * as Engine from "./Engine.js"
import type { EngineConfig } from "./EngineConfig.js"
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

/** What `layer` provides. */
export type Services =
  | WorkflowExecutions
  | WorkflowInstances
  | Environments
  | Workflows
  | DefaultInstanceProvisioner
  | ExecutionEvents.ExecutionEvents
  | ResourceStore.ResourceStore

/**
 * The services of every kind over one ResourceStore, handing the executions they create
 * to `runner`; watch events through the database's hub (shared across replicas on
 * PostgreSQL). The Workflow kind's DefaultInstanceProvisioner comes from the
 * WorkflowInstance package.
 */
export const layer = <A, E, R>(
  runner: Layer.Layer<A | ExecutionRunner.ExecutionRunner, E, R>
): Layer.Layer<Services | A | ExecutionRunner.ExecutionRunner, E, R | SqlClient.SqlClient | SecretBox.SecretBox> =>
  // The execution package's composition, with the Environment kind the instances check
  // their references against (the store is one layer: built once).
  layerOver(runner).pipe(
    Layer.provideMerge(Environments.Default),
    Layer.provideMerge(ResourceStore.layer),
    Layer.provideMerge(MigrationsLive)
  )

/**
 * The services with the engine over `interpret` (`Interpreter.run`, which needs
 * `Interpreter.layerServices`, or a test's own): every execution created runs in this
 * process, durably. Needs an `EngineConfig` too.
 */
export const layerWithEngine = <R>(interpret: Engine.Interpret<R>): Layer.Layer<
  Engine.Engine | Services | ExecutionRunner.ExecutionRunner | EngineRunner.RunCommands,
  never,
  | Exclude<Exclude<R, Scope.Scope>, Services | ExecutionRunner.ExecutionRunner | EngineRunner.RunCommands>
  | EngineConfig
  | SqlClient.SqlClient
  | SecretBox.SecretBox
> => Engine.layer(interpret).pipe(Layer.provideMerge(layer(EngineRunner.layer)))
