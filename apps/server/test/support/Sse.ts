/**
 * A Server-Sent Events client for end-to-end tests: `fetch` against the test server and
 * a small line parser (per the WHATWG event-stream rules) that, unlike an EventSource,
 * also reports comment lines, so that keep-alives can be asserted.
 */
import { Duration, Effect, Queue, Stream } from "effect"

/** One frame of an event stream: a dispatched event, or a comment line (`: text`). */
export type Frame =
  | { readonly _tag: "Event"; readonly event: string; readonly id: string | undefined; readonly data: string }
  | { readonly _tag: "Comment"; readonly text: string }

export type Event = Extract<Frame, { _tag: "Event" }>

export interface Parser {
  /** Feeds decoded text; answers the frames completed by it. */
  readonly feed: (text: string) => ReadonlyArray<Frame>
}

/**
 * An event-stream parser: lines end with LF, CR or CRLF; a blank line dispatches the
 * event gathered so far (only when it has data, as EventSource does); `event` defaults to
 * `message`; unknown fields are ignored.
 */
export const makeParser = (): Parser => {
  let buffer = ""
  let event: string | undefined
  let id: string | undefined
  let data: Array<string> = []
  let pendingCR = false

  const line = (text: string, out: Array<Frame>) => {
    if (text === "") {
      if (data.length > 0) out.push({ _tag: "Event", event: event ?? "message", id, data: data.join("\n") })
      event = undefined
      id = undefined
      data = []
      return
    }
    if (text.startsWith(":")) {
      out.push({ _tag: "Comment", text: text.slice(1).replace(/^ /, "") })
      return
    }
    const colon = text.indexOf(":")
    const field = colon < 0 ? text : text.slice(0, colon)
    const value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "")
    if (field === "event") event = value
    else if (field === "data") data.push(value)
    else if (field === "id") id = value
  }

  return {
    feed: (text) => {
      const out: Array<Frame> = []
      for (const char of text) {
        if (pendingCR) {
          pendingCR = false
          if (char === "\n") continue
        }
        if (char === "\r" || char === "\n") {
          pendingCR = char === "\r"
          line(buffer, out)
          buffer = ""
        } else {
          buffer += char
        }
      }
      return out
    }
  }
}

export interface Connection {
  readonly status: number
  readonly headers: Headers
  /**
   * The response body as frames, as they arrive; ends when the server ends the
   * response. Run it once. A non-event-stream body (an error) is in `text` instead.
   */
  readonly frames: Stream.Stream<Frame, Error>
  /** The body of a response that is not an event stream. */
  readonly text: Effect.Effect<string, Error>
  /** Disconnects (aborts the request); also done when the scope closes. */
  readonly abort: Effect.Effect<void>
}

/** Opens a GET on `url`; the request is aborted when the scope closes. */
export const connect = (url: string, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const response = yield* Effect.tryPromise({
      try: () => fetch(url, { signal: controller.signal, headers: { accept: "text/event-stream", ...headers } }),
      catch: (cause) => new Error(`GET ${url} failed`, { cause })
    })
    const parser = makeParser()
    const frames = Stream.fromReadableStream(
      () => response.body!,
      (cause) => new Error(`reading ${url} failed`, { cause })
    ).pipe(
      Stream.decodeText(),
      Stream.mapConcat((text) => parser.feed(text))
    )
    return {
      status: response.status,
      headers: response.headers,
      frames,
      text: Effect.tryPromise({ try: () => response.text(), catch: (cause) => new Error("read", { cause }) }),
      abort: Effect.sync(() => controller.abort())
    } satisfies Connection
  })

/** Reads a whole stream (until the server ends it) and answers every frame. */
export const readAll = (url: string) =>
  Effect.scoped(Effect.flatMap(connect(url), (connection) => Stream.runCollect(connection.frames))).pipe(
    Effect.map((chunk) => Array.from(chunk))
  )

export interface Reader {
  readonly status: number
  readonly headers: Headers
  /** The next frame, or `undefined` once the server has ended the stream. */
  readonly next: (timeout?: Duration.DurationInput) => Effect.Effect<Frame | undefined, Error>
  /** The next event, skipping comments, or `undefined` at the end. */
  readonly nextEvent: (timeout?: Duration.DurationInput) => Effect.Effect<Event | undefined, Error>
  /** Waits for the end of the stream; answers the frames not taken yet. */
  readonly rest: (timeout?: Duration.DurationInput) => Effect.Effect<Array<Frame>, Error>
  /** Disconnects. */
  readonly abort: Effect.Effect<void>
}

type Item = { readonly _tag: "Frame"; readonly frame: Frame } | { readonly _tag: "End"; readonly error?: Error }

/**
 * Opens a watch on `url` and reads it in the background, so that a test can take frames
 * one at a time as the server sends them. The request is aborted when the scope closes.
 * Fails when the answer is not a 200 event stream.
 */
export const open = (url: string, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const connection = yield* connect(url, headers)
    if (connection.status !== 200) {
      return yield* Effect.fail(new Error(`GET ${url}: ${connection.status} ${yield* connection.text}`))
    }
    const queue = yield* Queue.unbounded<Item>()
    let ended: Item | undefined
    yield* connection.frames.pipe(
      Stream.runForEach((frame) => Queue.offer(queue, { _tag: "Frame", frame })),
      Effect.matchEffect({
        onSuccess: () => Queue.offer(queue, { _tag: "End" }),
        onFailure: (error) => Queue.offer(queue, { _tag: "End", error })
      }),
      Effect.forkScoped
    )
    const take = Effect.suspend(() => ended !== undefined ? Effect.succeed(ended) : Queue.take(queue)).pipe(
      Effect.tap((item) => {
        if (item._tag === "End") ended = item
      })
    )
    const next = (timeout: Duration.DurationInput = "5 seconds"): Effect.Effect<Frame | undefined, Error> =>
      take.pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`${url}: no frame within ${Duration.format(timeout)}`) }),
        Effect.flatMap((item) =>
          item._tag === "Frame" ? Effect.succeed(item.frame) : item.error ? Effect.fail(item.error) : Effect.succeed(undefined)
        )
      )
    const nextEvent = (timeout: Duration.DurationInput = "5 seconds"): Effect.Effect<Event | undefined, Error> =>
      Effect.flatMap(next(timeout), (frame) => frame?._tag === "Comment" ? nextEvent(timeout) : Effect.succeed(frame))
    const rest = (timeout: Duration.DurationInput = "5 seconds") =>
      Effect.gen(function*() {
        const frames: Array<Frame> = []
        while (true) {
          const frame = yield* next(timeout)
          if (frame === undefined) return frames
          frames.push(frame)
        }
      })
    return { status: connection.status, headers: connection.headers, next, nextEvent, rest, abort: connection.abort } satisfies Reader
  })
