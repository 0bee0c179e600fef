import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Sse } from "@effect/experimental"
import { WeftApi } from "@weft/api"
import { WorkflowExecutions, type WatchEvent } from "@weft/workflowexecution"
import { Context, Deferred, Duration, Effect, Mailbox, Stream } from "effect"
import { Lifecycle } from "../Lifecycle.js"
import { created, listed, withETag } from "./respond.js"

/** How often an idle watch stream sends a comment, so proxies keep it open. */
export const keepAliveInterval = Duration.seconds(15)

/** The interval the watch route uses: `keepAliveInterval` unless another is provided (tests). */
export class WatchKeepAlive extends Context.Reference<WatchKeepAlive>()("@weft/server/WatchKeepAlive", {
  defaultValue: (): Duration.DurationInput => keepAliveInterval
}) {}

const encoder = new TextEncoder()

const frame = (event: WatchEvent): string =>
  event._tag === "Updated"
    ? Sse.encoder.write({
      _tag: "Event",
      event: "execution",
      id: String(event.execution.metadata.version),
      data: JSON.stringify(event.execution)
    })
    : Sse.encoder.write({ _tag: "Event", event: "deleted", id: undefined, data: JSON.stringify(event.execution) })

/** Each event's frame, encoded once however many watchers send it (they share the event). */
const encoded = new WeakMap<WatchEvent, Uint8Array>()
const encodedFrame = (event: WatchEvent): Uint8Array => {
  let bytes = encoded.get(event)
  if (bytes === undefined) {
    bytes = encoder.encode(frame(event))
    encoded.set(event, bytes)
  }
  return bytes
}

const keepAliveFrame = encoder.encode(": keep-alive\n\n")

/**
 * The SSE body of a watch: events, keep-alive comments, ends with the feed or at shutdown.
 * One mailbox per watcher fed by three fibers (the feed, the keep-alive timer, shutdown)
 * rather than `Stream.merge` and `Stream.interruptWhen`, which race fibers for every
 * element: with many watchers that cost more than all the rest of the delivery.
 */
export const sseBody = (
  events: Stream.Stream<WatchEvent>,
  closing: Deferred.Deferred<void>,
  keepAlive: Duration.DurationInput = keepAliveInterval
): Stream.Stream<Uint8Array> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const out = yield* Mailbox.make<Uint8Array>()
    yield* events.pipe(
      Stream.runForEach((event) => out.offer(encodedFrame(event))),
      Effect.ensuring(out.end),
      Effect.forkScoped
    )
    yield* out.offer(keepAliveFrame).pipe(Effect.delay(keepAlive), Effect.forever, Effect.forkScoped)
    yield* Deferred.await(closing).pipe(Effect.zipRight(out.end), Effect.forkScoped)
    return Mailbox.toStream(out)
  }))

export const WorkflowExecutionsLive = HttpApiBuilder.group(WeftApi, "workflowExecutions", (handlers) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const lifecycle = yield* Lifecycle
    const keepAlive = yield* WatchKeepAlive
    return handlers
      .handle("create", ({ payload }) => created(executions.create(payload)))
      .handle("list", ({ urlParams }) => listed(executions.list(urlParams)))
      .handle("get", ({ path }) => withETag(executions.get(path.id)))
      .handle("update", ({ headers, path, payload }) => withETag(executions.update(path.id, payload, headers["if-match"])))
      .handle("updateStatus", ({ headers, path, payload }) =>
        withETag(executions.updateStatus(path.id, payload, headers["if-match"])))
      .handle("delete", ({ headers, path }) => withETag(executions.delete(path.id, headers["if-match"])))
      .handle("watch", ({ path }) =>
        Effect.map(executions.watch(path.id), (events) =>
          HttpServerResponse.stream(sseBody(events, lifecycle.closing, keepAlive), {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
          })))
  }))
