/**
 * What the feed of every change delivers (`GET /v1/workflow-executions/watch`): each
 * committed change of a matching execution, numbered by the server-wide sequence number
 * (`seq`, the SSE `id:`), `Reset` when the changes a resume asked for are no longer
 * retained, and `Connected` each time a connection opens.
 */
import type { Sse } from "@effect/experimental"
import { formatParseError, Internal } from "@weft/resource"
import { WorkflowExecution } from "@weft/workflowexecution"
import { Effect, Schema } from "effect"

/** A committed state of an execution (created, updated, its status changed, cancelled). */
export interface Execution {
  readonly _tag: "Execution"
  readonly seq: number
  readonly execution: WorkflowExecution.WorkflowExecution
}

/** The execution was deleted; `execution` is its last state. */
export interface Deleted {
  readonly _tag: "Deleted"
  readonly seq: number
  readonly execution: WorkflowExecution.WorkflowExecution
}

/**
 * A connection of the feed is open: from here on, every change is delivered. `after` is
 * where it resumed (`Last-Event-ID`); `undefined` on a first connection without one,
 * which is the moment to list what exists, if the program needs that.
 */
export interface Connected {
  readonly _tag: "Connected"
  readonly after: number | undefined
}

/**
 * The changes after the resume point are no longer retained: some were missed. List the
 * executions again; the feed goes on after `seq`.
 */
export interface Reset {
  readonly _tag: "Reset"
  readonly seq: number
}

export type FeedEvent = Connected | Execution | Deleted | Reset

const decodeExecution = Schema.decodeUnknown(Schema.parseJson(WorkflowExecution.WorkflowExecution))

const malformed = (event: Sse.Event, why: string) =>
  new Internal({ message: `feed: unexpected ${event.event} event: ${why}` })

/**
 * Decodes one SSE event of the feed; `undefined` for events of other names (ignored, so
 * that a newer server may add some).
 */
export const fromSse = (event: Sse.Event): Effect.Effect<Execution | Deleted | Reset | undefined, Internal> => {
  if (event.event !== "execution" && event.event !== "deleted" && event.event !== "reset") {
    return Effect.succeed(undefined)
  }
  if (event.id === undefined || !/^\d+$/.test(event.id)) {
    return Effect.fail(malformed(event, `id ${JSON.stringify(event.id)} is not a sequence number`))
  }
  const seq = Number(event.id)
  if (event.event === "reset") return Effect.succeed({ _tag: "Reset", seq })
  return decodeExecution(event.data).pipe(
    Effect.mapError((error) => malformed(event, formatParseError(error, { prefix: ["data"] }))),
    Effect.map((execution): Execution | Deleted =>
      event.event === "deleted" ? { _tag: "Deleted", seq, execution } : { _tag: "Execution", seq, execution }
    )
  )
}
