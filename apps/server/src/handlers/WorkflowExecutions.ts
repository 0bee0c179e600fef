import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Sse } from "@effect/experimental"
import { WeftApi } from "@weft/api"
import { WorkflowExecutions, type WatchEvent } from "@weft/workflowexecution"
import { Deferred, Duration, Effect, Stream } from "effect"
import { Lifecycle } from "../Lifecycle.js"
import { withETag } from "./respond.js"

/** How often an idle watch stream sends a comment, so proxies keep it open. */
export const keepAliveInterval = Duration.seconds(15)

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

/** The SSE body of a watch: events, keep-alive comments, ends with the feed or at shutdown. */
export const sseBody = (events: Stream.Stream<WatchEvent>, closing: Deferred.Deferred<void>) =>
  events.pipe(
    Stream.map(frame),
    Stream.merge(Stream.tick(keepAliveInterval).pipe(Stream.drop(1), Stream.as(": keep-alive\n\n")), {
      haltStrategy: "left"
    }),
    Stream.interruptWhen(Deferred.await(closing)),
    Stream.map((text) => encoder.encode(text))
  )

export const WorkflowExecutionsLive = HttpApiBuilder.group(WeftApi, "workflowExecutions", (handlers) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const lifecycle = yield* Lifecycle
    return handlers
      .handle("create", ({ payload }) => withETag(executions.create(payload)))
      .handle("list", ({ urlParams }) => executions.list(urlParams))
      .handle("get", ({ path }) => withETag(executions.get(path.id)))
      .handle("update", ({ headers, path, payload }) => withETag(executions.update(path.id, payload, headers["if-match"])))
      .handle("updateStatus", ({ headers, path, payload }) =>
        withETag(executions.updateStatus(path.id, payload, headers["if-match"])))
      .handle("delete", ({ headers, path }) => withETag(executions.delete(path.id, headers["if-match"])))
      .handle("watch", ({ path }) =>
        Effect.map(executions.watch(path.id), (events) =>
          HttpServerResponse.stream(sseBody(events, lifecycle.closing), {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
          })))
  }))
