/**
 * The services composed as the server composes them, with the engine over a given
 * interpreter, on a SQLite database (a file, so that a test can stop the engine and
 * start another on the same data).
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { EnvironmentMigrations, Environments } from "@weft/environment"
import { Migrations, ResourceStore, SecretBox } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { ExecutionEvents, ExecutionRunner, WorkflowExecutionMigrations, WorkflowExecutions } from "@weft/workflowexecution"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Duration, Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Engine from "../../src/Engine.js"
import * as EngineConfig from "../../src/EngineConfig.js"
import * as EngineRunner from "../../src/EngineRunner.js"
import type { Interpret } from "../../src/internal/durableWorkflow.js"

/** One key for the whole test file, so an engine restarted on the same data opens what it sealed. */
export const secretBox = SecretBox.layer({ current: randomBytes(32) })

export const services = <A, E, R>(runner: Layer.Layer<A, E, R>) =>
  WorkflowExecutions.Default.pipe(
    Layer.provideMerge(WorkflowInstances.Default),
    Layer.provideMerge(Environments.Default),
    Layer.provideMerge(Workflows.Default),
    Layer.provideMerge(DefaultInstanceProvisionerLive),
    Layer.provideMerge(ExecutionEvents.layerInProcess),
    Layer.provideMerge(runner),
    Layer.provideMerge(ResourceStore.layer),
    Layer.provideMerge(secretBox),
    Layer.provideMerge(
      Migrations.layer([WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations, EnvironmentMigrations])
    )
  )

export const sqlite = (filename: string) => SqliteClient.layer({ filename })

/** Services and engine over `interpret`, on the database `filename`. */
export const withEngine = (filename: string, interpret: Interpret<never>) =>
  Engine.layer(interpret).pipe(
    Layer.provideMerge(services(EngineRunner.layer)),
    Layer.provide(EngineConfig.layer({ pollInterval: Duration.millis(200) })),
    Layer.provideMerge(sqlite(filename))
  )

/** Services with no runner (`WEFT_RUNNER=none`), on the database `filename`. */
export const withoutEngine = (filename: string) =>
  services(ExecutionRunner.layerNoop).pipe(Layer.provideMerge(sqlite(filename)))

/** A fresh database file in a temporary directory, removed with the scope. */
export const tempDatabase = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "weft-engine-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "weft.db")))
