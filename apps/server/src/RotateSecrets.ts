/**
 * `rotate-secrets`: re-encrypts every stored secret value under `WEFT_SECRET_KEY`, the
 * key they were sealed with given as `WEFT_SECRET_KEY_PREVIOUS`. Run it with the server
 * stopped on SQLite (the server holds the file's lock); on PostgreSQL the replicas may
 * keep running with both keys set. Prints what it rewrote, one line per kind.
 */
import { Environment } from "@weft/environment"
import { SecretRotation } from "@weft/resource"
import { Workflow } from "@weft/workflow"
import { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Layer } from "effect"
import * as Database from "./Database.js"

/** The tables whose documents may hold sealed values. */
export const tables = [Environment.table, Workflow.table, WorkflowExecution.table]

export const run = Effect.gen(function*() {
  const results = yield* SecretRotation.rotate(tables)
  for (const result of results) {
    process.stdout.write(`${result.kind}: re-encrypted ${result.values} secret values in ${result.resources} resources\n`)
  }
  return results
}).pipe(
  Effect.provide(Database.MigrationsLive.pipe(Layer.provideMerge(Database.layer))),
  Effect.withSpan("RotateSecrets.run", { captureStackTrace: false })
)
