/**
 * Server-Sent Events over fetch. EventSource cannot send an Authorization header, so the
 * console reads the response body as a stream and parses it with eventsource-parser.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser"
import { failure, headers, type Query, queryString } from "./Api.js"

export interface StreamOptions {
  readonly query?: Query
  readonly signal: AbortSignal
  readonly lastEventId?: string
  /** Called once the server accepted the stream (a 2xx with headers). */
  readonly onOpen?: () => void
  readonly onEvent: (event: EventSourceMessage) => void
}

/**
 * Streams `path` until the server ends it (resolves) or the signal aborts it (rejects
 * with an AbortError). A non-2xx answer rejects with its ApiError before any event.
 */
export const stream = async (path: string, options: StreamOptions): Promise<void> => {
  const response = await fetch(`${path}${queryString(options.query)}`, {
    headers: headers({
      accept: "text/event-stream",
      ...(options.lastEventId === undefined ? {} : { "last-event-id": options.lastEventId })
    }),
    signal: options.signal,
    cache: "no-store"
  })
  if (!response.ok) throw await failure(response)
  if (response.body === null) return
  options.onOpen?.()
  const parser = createParser({ onEvent: options.onEvent })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.feed(value)
    }
  } finally {
    reader.releaseLock()
  }
}

export const isAbort = (error: unknown) => error instanceof DOMException && error.name === "AbortError"
