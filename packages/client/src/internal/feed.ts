/**
 * The feed of every change as a `Stream` that does not end: one SSE connection after
 * another, each resuming with `Last-Event-ID` after the last change it delivered, so a
 * dropped connection or a restarted server loses nothing (or says `Reset` when the
 * server no longer has the missed changes).
 */
import { Sse } from "@effect/experimental"
import { HttpClient, type HttpClientError } from "@effect/platform"
import { type CanonicalError, Unavailable } from "@weft/resource"
import { FeedWorkflowExecutionsParams } from "@weft/workflowexecution"
import { Effect, Predicate, Schedule, Schema, Stream } from "effect"
import * as FeedEvent from "../FeedEvent.js"

/** Which executions' changes to follow: the list's filters (`phase` is the phase after the change). */
export type FeedFilter = typeof FeedWorkflowExecutionsParams.Type

/** Why a connection of the feed ended: a transport failure, or the server closed it or was unavailable. */
export type ConnectionError = HttpClientError.HttpClientError | Unavailable

/** What ends a feed: an error answer that a reconnect would not change (e.g. `InvalidArgument`), or an undecodable event. */
export type FeedError = CanonicalError | HttpClientError.HttpClientError

export interface FeedOptions extends FeedFilter {
  /** Resume after this sequence number (sent as `Last-Event-ID`) instead of starting now. */
  readonly after?: number | undefined
  /**
   * When to reconnect after a connection ended (a transport failure, the server closed
   * it, or answered 503). Default: exponential backoff from 100 ms, at most 5 s apart,
   * jittered, forever. The schedule starts over once a connection is open again.
   */
  readonly retry?: Schedule.Schedule<unknown> | undefined
}

export const defaultRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("100 millis").pipe(
  Schedule.either(Schedule.spaced("5 seconds")),
  Schedule.jittered
)

const isConnectionError = (error: FeedError): error is ConnectionError =>
  error._tag === "Unavailable" || error._tag === "RequestError" || error._tag === "ResponseError"

const encodeFilter = Schema.encode(FeedWorkflowExecutionsParams)

export const make = (httpClient: HttpClient.HttpClient.With<FeedError>) =>
(options: FeedOptions = {}): Stream.Stream<FeedEvent.FeedEvent, FeedError> =>
  Stream.suspend(() => {
    const { after: start, retry = defaultRetry, ...filter } = options
    let after = start

    const connection = Stream.unwrapScoped(Effect.gen(function*() {
      const from = after
      const urlParams = yield* Effect.orDie(encodeFilter(filter))
      const response = yield* HttpClient.withScope(httpClient).get("/v1/workflow-executions/watch", {
        urlParams,
        headers: from === undefined
          ? { accept: "text/event-stream" }
          : { accept: "text/event-stream", "last-event-id": String(from) }
      })
      const events = response.stream.pipe(
        Stream.decodeText(),
        Stream.pipeThroughChannel(Sse.makeChannel()),
        Stream.mapEffect(FeedEvent.fromSse),
        Stream.filter(Predicate.isNotUndefined),
        Stream.tap((event) => Effect.sync(() => void (after = event.seq)))
      )
      const connected: FeedEvent.FeedEvent = { _tag: "Connected", after: from }
      return Stream.concat(Stream.make(connected), events)
    })).pipe(
      // The feed never ends by itself: an end is a dropped connection.
      Stream.concat(Stream.fail(new Unavailable({ message: "the feed's connection was closed" })))
    )

    return Stream.retry(connection, Schedule.intersect(Schedule.recurWhile(isConnectionError), retry))
  })
