/**
 * The one publishing service every committed change of an execution goes through, and
 * the hub watchers subscribe to. In-process: a set of listeners per execution id,
 * created when the first watcher arrives and dropped when the last one leaves. With
 * several replicas on PostgreSQL the same Tag is fed by the database (`makePostgres`).
 *
 * Listeners are plain synchronous callbacks, so publishing to a thousand watchers is a
 * thousand function calls. (`WorkflowExecutions.watch` turns the feed into a Stream.)
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"
import * as ChangeListener from "./internal/changeListener.js"
import type { WorkflowExecution } from "./WorkflowExecution.js"

/**
 * `seq` is the change's number in the feed of every change (`workflow_execution_changes`),
 * set on every event published after a committed change.
 */
export type ExecutionEvent =
  | { readonly _tag: "Updated"; readonly execution: WorkflowExecution; readonly seq?: number | undefined }
  | { readonly _tag: "Deleted"; readonly execution: WorkflowExecution; readonly seq?: number | undefined }

export type Listener = (event: ExecutionEvent) => void

export interface ExecutionEventsShape {
  /** Delivers an event to the execution's current watchers; call after commit. */
  readonly publish: (event: ExecutionEvent) => Effect.Effect<void>
  /**
   * Registers a listener for one execution's events, called synchronously on publish;
   * answers the function that removes it. Listeners must not throw or block.
   */
  readonly listen: (id: string, listener: Listener) => () => void
  /**
   * Registers a listener for every execution's events (the feed of every change), in
   * publishing order; answers the function that removes it.
   */
  readonly listenAll: (listener: Listener) => () => void
  /** How many executions have watchers, and how many watchers there are in all. */
  readonly stats: Effect.Effect<{ readonly executions: number; readonly watchers: number }>
}

export class ExecutionEvents extends Context.Tag("@weft/workflowexecution/ExecutionEvents")<
  ExecutionEvents,
  ExecutionEventsShape
>() {}

export const makeInProcess = Effect.sync(() => {
  const listeners = new Map<string, Set<Listener>>()
  const everything = new Set<Listener>()
  let count = 0

  const publish: ExecutionEventsShape["publish"] = (event) =>
    Effect.sync(() => {
      if (everything.size > 0) for (const listener of [...everything]) listener(event)
      const set = listeners.get(event.execution.metadata.id)
      if (set === undefined) return
      // A copy: a listener may remove itself (its stream ended) while we iterate.
      for (const listener of [...set]) listener(event)
    })

  const listenAll: ExecutionEventsShape["listenAll"] = (listener) => {
    everything.add(listener)
    return () => void everything.delete(listener)
  }

  const listen: ExecutionEventsShape["listen"] = (id, listener) => {
    let set = listeners.get(id)
    if (set === undefined) {
      set = new Set()
      listeners.set(id, set)
    }
    set.add(listener)
    count++
    let removed = false
    return () => {
      if (removed) return
      removed = true
      count--
      const current = listeners.get(id)
      if (current === undefined) return
      current.delete(listener)
      if (current.size === 0) listeners.delete(id)
    }
  }

  const stats = Effect.sync(() => ({ executions: listeners.size, watchers: count }))

  return ExecutionEvents.of({ publish, listen, listenAll, stats })
})

export const layerInProcess = Layer.effect(ExecutionEvents, makeInProcess)

/**
 * The hub of a replica sharing a PostgreSQL database: listeners are the in-process
 * hub's, but what they receive comes from the change log, read in commit order after
 * every replica's announcements, so the watchers and feeds of every replica see every
 * committed change, in order, once. `publish` only wakes the log's reader.
 */
export const makePostgres = (client: PgClient.PgClient) =>
  Effect.gen(function*() {
    const hub = yield* makeInProcess
    const wake = yield* ChangeListener.start(client, (change) =>
      Effect.runSync(hub.publish({ _tag: change.kind, execution: change.execution, seq: change.seq })))
    return ExecutionEvents.of({ ...hub, publish: () => Effect.sync(wake) })
  })

/** The hub for the app's database: shared through PostgreSQL, or in-process on SQLite. */
export const layer: Layer.Layer<ExecutionEvents, never, SqlClient.SqlClient> = Layer.scoped(
  ExecutionEvents,
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    isPgClient(sql) ? Effect.provideService(makePostgres(sql), SqlClient.SqlClient, sql) : makeInProcess)
)

const isPgClient = (sql: SqlClient.SqlClient): sql is PgClient.PgClient => PgClient.TypeId in sql
