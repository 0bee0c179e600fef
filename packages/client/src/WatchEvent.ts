/**
 * What a watch of one execution delivers: each committed state of the execution, in
 * order, and finally either a terminal phase or its deletion.
 */
import type { Sse } from "@effect/experimental"
import { Internal, formatParseError } from "@weft/resource"
import { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Schema } from "effect"

/** A state of the execution; `version` is the SSE `id:` (the execution's version). */
export interface Execution {
  readonly _tag: "Execution"
  readonly version: number
  readonly execution: WorkflowExecution.WorkflowExecution
}

/** The execution was deleted; `execution` is its last state. The stream ends after it. */
export interface Deleted {
  readonly _tag: "Deleted"
  readonly execution: WorkflowExecution.WorkflowExecution
}

export type WatchEvent = Execution | Deleted

/** True when no event follows this one: a terminal phase, or the deletion. */
export const isFinal = (event: WatchEvent): boolean =>
  event._tag === "Deleted" || WorkflowExecution.isTerminal(event.execution.status.phase)

const decodeExecution = Schema.decodeUnknown(Schema.parseJson(WorkflowExecution.WorkflowExecution))

/**
 * Decodes one SSE event; `undefined` for events of other names (ignored, so that a
 * newer server may add some).
 */
export const fromSse = (event: Sse.Event): Effect.Effect<WatchEvent | undefined, Internal> => {
  if (event.event !== "execution" && event.event !== "deleted") return Effect.succeed(undefined)
  return decodeExecution(event.data).pipe(
    Effect.mapError((error) =>
      new Internal({ message: `watch: unexpected ${event.event} event: ${formatParseError(error, { prefix: ["data"] })}` })
    ),
    Effect.map((execution): WatchEvent =>
      event.event === "deleted"
        ? { _tag: "Deleted", execution }
        : {
          _tag: "Execution",
          version: event.id !== undefined && /^\d+$/.test(event.id) ? Number(event.id) : execution.metadata.version,
          execution
        }
    )
  )
}
