/**
 * One run, live: its watch stream (`GET /v1/workflow-executions/{id}/watch`) sends the
 * current state, then every committed change, and ends after a terminal phase. A stream
 * cut short (a restart, a network hiccup) is opened again after a pause; it starts with
 * the current state, so nothing is lost.
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, message } from "../api/Api.js"
import { isAbort, stream } from "../api/sse.js"
import { pause } from "../lib/pause.js"
import { type Execution, isTerminal } from "../api/types.js"

export type Connection = "connecting" | "live" | "ended" | "reconnecting"

export interface ExecutionState {
  readonly execution: Execution | undefined
  readonly connection: Connection
  readonly deleted: boolean
  readonly error: string | undefined
  readonly notFound: boolean
}

const initial: ExecutionState = { execution: undefined, connection: "connecting", deleted: false, error: undefined, notFound: false }

export const reconnectMillis = 1500

export const useExecution = (id: string): [ExecutionState, (execution: Execution) => void] => {
  const [state, setState] = useState<ExecutionState>(initial)
  useEffect(() => {
    setState(initial)
    const controller = new AbortController()
    const { signal } = controller
    const run = async () => {
      let ended = false
      while (!signal.aborted && !ended) {
        try {
          await stream(`/v1/workflow-executions/${encodeURIComponent(id)}/watch`, {
            signal,
            onOpen: () => setState((s) => ({ ...s, connection: "live", error: undefined })),
            onEvent: (event) => {
              if (event.event === "deleted") {
                ended = true
                setState((s) => ({ ...s, deleted: true, connection: "ended" }))
              } else if (event.event === "execution") {
                const execution = JSON.parse(event.data) as Execution
                if (isTerminal(execution.status.phase)) ended = true
                setState((s) => ({ ...s, execution: newer(s.execution, execution) }))
              }
            }
          })
          if (ended) setState((s) => ({ ...s, connection: "ended" }))
        } catch (error) {
          if (isAbort(error)) return
          if (error instanceof ApiError && error.status === 404) {
            setState((s) => ({ ...s, notFound: true, connection: "ended", error: message(error) }))
            return
          }
          setState((s) => ({ ...s, error: message(error) }))
        }
        if (!ended && !signal.aborted) {
          setState((s) => ({ ...s, connection: "reconnecting" }))
          await pause(reconnectMillis, signal)
        }
      }
    }
    run()
    return () => controller.abort()
  }, [id])
  // An action's answer (cancel) may arrive before the stream's event for it.
  const apply = (execution: Execution) => setState((s) => ({ ...s, execution: newer(s.execution, execution) }))
  return [state, apply]
}

/** The later of two states of one execution, by version. */
export const newer = (current: Execution | undefined, next: Execution): Execution =>
  current === undefined || (next.metadata.version ?? 0) >= (current.metadata.version ?? 0) ? next : current
