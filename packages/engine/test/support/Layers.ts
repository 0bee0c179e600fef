/**
 * The services composed as the server composes them, with the engine over a given
 * interpreter, on a SQLite database (a file, so that a test can stop the engine and
 * start another on the same data).
 */
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Migrations, ResourceStore } from "@weft/resource"
import { WorkflowMigrations, Workflows } from "@weft/workflow"
import { ExecutionEvents, ExecutionRunner, WorkflowExecutionMigrations, WorkflowExecutions } from "@weft/workflowexecution"
import { DefaultInstanceProvisionerLive, WorkflowInstanceMigrations, WorkflowInstances } from "@weft/workflowinstance"
import { Duration, Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Engine from "../../src/Engine.js"
import * as EngineConfig from "../../src/EngineConfig.js"
import * as EngineRunner from "../../src/EngineRunner.js"
import type { Interpret } from "../../src/internal/durableWorkflow.js"

export const services = <A, E, R>(runner: Layer.Layer<A, E, R>) =>
  WorkflowExecutions.Default.pipe(
    Layer.provideMerge(WorkflowInstances.Default),
    Layer.provideMerge(Workflows.Default),
    Layer.provideMerge(DefaultInstanceProvisionerLive),
    Layer.provideMerge(ExecutionEvents.layerInProcess),
    Layer.provideMerge(runner),
    Layer.provideMerge(ResourceStore.layer),
    Layer.provideMerge(Migrations.layer([WorkflowMigrations, WorkflowInstanceMigrations, WorkflowExecutionMigrations]))
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
