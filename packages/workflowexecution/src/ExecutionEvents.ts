/**
 * The one publishing service every committed change of an execution goes through, and
 * the hub watchers subscribe to. In-process: a PubSub per execution id, created when
 * the first watcher subscribes and dropped when the last one leaves. (With several
 * replicas the same Tag can be fed by the database instead.)
 */
import { Context, Effect, Layer, PubSub, type Queue, type Scope } from "effect"
import type { WorkflowExecution } from "./WorkflowExecution.js"

export type ExecutionEvent =
  | { readonly _tag: "Updated"; readonly execution: WorkflowExecution }
  | { readonly _tag: "Deleted"; readonly execution: WorkflowExecution }

export interface ExecutionEventsShape {
  /** Delivers an event to the execution's current watchers; call after commit. */
  readonly publish: (event: ExecutionEvent) => Effect.Effect<void>
  /** Subscribes to one execution's events for the lifetime of the scope. */
  readonly subscribe: (id: string) => Effect.Effect<Queue.Dequeue<ExecutionEvent>, never, Scope.Scope>
  /** How many executions have watchers, and how many watchers there are in all. */
  readonly stats: Effect.Effect<{ readonly executions: number; readonly watchers: number }>
}

export class ExecutionEvents extends Context.Tag("@weft/workflowexecution/ExecutionEvents")<
  ExecutionEvents,
  ExecutionEventsShape
>() {}

interface Entry {
  readonly pubsub: PubSub.PubSub<ExecutionEvent>
  watchers: number
}

export const makeInProcess = Effect.sync(() => {
  const entries = new Map<string, Entry>()

  const publish: ExecutionEventsShape["publish"] = (event) =>
    Effect.suspend(() => {
      const entry = entries.get(event.execution.metadata.id)
      return entry === undefined ? Effect.void : Effect.asVoid(PubSub.publish(entry.pubsub, event))
    })

  const acquire = (id: string) =>
    Effect.acquireRelease(
      // Synchronous, so that no other fiber can interleave between lookup and insert.
      Effect.sync(() => {
        let entry = entries.get(id)
        if (entry === undefined) {
          entry = { pubsub: Effect.runSync(PubSub.unbounded<ExecutionEvent>()), watchers: 0 }
          entries.set(id, entry)
        }
        entry.watchers++
        return entry
      }),
      (entry) =>
        Effect.suspend(() => {
          entry.watchers--
          if (entry.watchers > 0) return Effect.void
          entries.delete(id)
          return PubSub.shutdown(entry.pubsub)
        })
    )

  const subscribe: ExecutionEventsShape["subscribe"] = (id) =>
    Effect.flatMap(acquire(id), (entry) => PubSub.subscribe(entry.pubsub))

  const stats = Effect.sync(() => {
    let watchers = 0
    for (const entry of entries.values()) watchers += entry.watchers
    return { executions: entries.size, watchers }
  })

  return ExecutionEvents.of({ publish, subscribe, stats })
})

export const layerInProcess = Layer.effect(ExecutionEvents, makeInProcess)
