import { HttpApiBuilder, type HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Sse } from "@effect/experimental"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { WeftApi } from "@weft/api"
import { type FeedItem, WorkflowExecutions, type WatchEvent } from "@weft/workflowexecution"
import { Unavailable } from "@weft/resource"
import { Context, Deferred, Duration, Effect, FiberId } from "effect"
import { Readable } from "node:stream"
import { Lifecycle } from "../Lifecycle.js"
import * as Metrics from "../Metrics.js"
import { ServerConfig } from "../ServerConfig.js"
import { created, listed, started, withETag } from "./respond.js"

/**
 * How often a watch stream sends a comment, so proxies keep it open. Under the
 * contract's 15 s, so that timer drift never stretches a gap past it.
 */
export const keepAliveInterval = Duration.seconds(10)

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

const feedFrame = (item: FeedItem): Uint8Array =>
  item._tag === "Reset"
    ? encoder.encode(Sse.encoder.write({
      _tag: "Event",
      event: "reset",
      id: String(item.seq),
      data: JSON.stringify({ message: "the changes after Last-Event-ID are no longer retained: list again" })
    }))
    : feedChangeFrame(item.event, item.seq)

/** A change's feed frame, encoded once however many feed clients send it (they share the event). */
const encodedChanges = new WeakMap<WatchEvent, Uint8Array>()
const feedChangeFrame = (event: WatchEvent, seq: number): Uint8Array => {
  let bytes = encodedChanges.get(event)
  if (bytes === undefined) {
    bytes = encoder.encode(Sse.encoder.write({
      _tag: "Event",
      event: event._tag === "Updated" ? "execution" : "deleted",
      id: String(seq),
      data: JSON.stringify(event.execution)
    }))
    encodedChanges.set(event, bytes)
  }
  return bytes
}

const openFrame = encoder.encode(": feed\n\n")

const keepAliveFrame = encoder.encode(": keep-alive\n\n")

/** Calls `send` every `interval`, the first time one interval from now, until interrupted. */
export const keepAlives = (interval: Duration.DurationInput, send: () => void): Effect.Effect<never> =>
  Effect.forever(Effect.delay(Effect.sync(send), interval))

/**
 * The SSE body of one watch, as a node stream: frames are pushed by the feed's callback
 * (one function call per watcher per event, the frame encoded once for all of them), a
 * scheduled fiber adds keep-alive comments, and the body ends with the feed or when shutdown
 * begins. Closing (the client leaving, the feed ending) releases everything.
 */
const sseBody = <E>(
  start: (push: (frame: Uint8Array, last: boolean) => void) => Effect.Effect<() => void, E>,
  closing: Deferred.Deferred<void>,
  keepAlive: Duration.DurationInput,
  onClose: () => void,
  first?: Uint8Array
): Effect.Effect<Readable, E> =>
  Effect.gen(function*() {
    const body = new Readable({ read() {} })
    if (first !== undefined) body.push(first)
    const stop = yield* start((frame, last) => {
      body.push(frame)
      if (last) body.push(null)
    })
    // A keep-alive comment every `keepAlive` until shutdown begins, which ends the body. The
    // fiber outlives the handler (the body is piped after it returns); closing interrupts it.
    const background = yield* Effect.forkDaemon(
      Effect.raceFirst(keepAlives(keepAlive, () => body.push(keepAliveFrame)), Deferred.await(closing)).pipe(
        Effect.andThen(() => body.push(null))
      )
    )
    body.once("close", () => {
      stop()
      background.unsafeInterruptAsFork(FiberId.none)
      onClose()
    })
    return body
  })

/** The response of an SSE body; the body is released with the connection too, should it close before it is piped. */
const sseResponse = (body: Readable, request: HttpServerRequest.HttpServerRequest) => {
  const socket = NodeHttpServerRequest.toIncomingMessage(request).socket
  const onSocketClose = () => body.destroy()
  socket?.once("close", onSocketClose)
  body.once("close", () => socket?.off("close", onSocketClose))
  return HttpServerResponse.raw(body, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
  })
}

export const WorkflowExecutionsLive = HttpApiBuilder.group(WeftApi, "workflowExecutions", (handlers) =>
  Effect.gen(function*() {
    const executions = yield* WorkflowExecutions
    const lifecycle = yield* Lifecycle
    const keepAlive = yield* WatchKeepAlive
    const config = yield* ServerConfig
    /** Open streams of each kind, together against `maxWatchers`, each kind's count a gauge. */
    const open = { watch: 0, feed: 0 }
    const gauges = { watch: Metrics.watchers, feed: Metrics.feedClients }
    const count = (kind: keyof typeof open, by: number) => {
      open[kind] += by
      gauges[kind].unsafeUpdate(open[kind], [])
    }
    count("watch", 0)
    count("feed", 0)
    /** Takes a stream slot (503 when none is left); answers how to give it back. */
    const takeSlot = (kind: keyof typeof open) =>
      Effect.suspend(() => {
        if (open.watch + open.feed >= config.maxWatchers) {
          return Effect.fail(new Unavailable({ message: `too many watchers (the limit is ${config.maxWatchers})` }))
        }
        count(kind, 1)
        return Effect.succeed(() => count(kind, -1))
      })
    return handlers
      .handle("create", ({ headers, payload }) => {
        const key = headers["idempotency-key"]
        return key === undefined ? created(executions.create(payload)) : started(executions.start(payload, key))
      })
      .handle("list", ({ urlParams }) => listed(executions.list(urlParams)))
      .handle("getBySlug", ({ path, urlParams }) => withETag(executions.getBySlug(path.slug, urlParams.org)))
      .handle("get", ({ path }) => withETag(executions.get(path.id)))
      .handle("update", ({ headers, path, payload }) => withETag(executions.update(path.id, payload, headers["if-match"])))
      .handle("updateStatus", ({ headers, path, payload }) =>
        withETag(executions.updateStatus(path.id, payload, headers["if-match"])))
      .handle("cancel", ({ path }) => withETag(executions.cancel(path.id)))
      .handle("signal", ({ path, payload }) => executions.signal(path.id, payload))
      .handle("delete", ({ headers, path }) => withETag(executions.delete(path.id, headers["if-match"])))
      .handle("watch", ({ path, request }) =>
        Effect.gen(function*() {
          const release = yield* takeSlot("watch")
          const body = yield* sseBody(
            (push) => executions.follow(path.id, (event, last) => push(encodedFrame(event), last)),
            lifecycle.closing,
            keepAlive,
            release
          ).pipe(Effect.tapError(() => Effect.sync(release)))
          return sseResponse(body, request)
        }))
      .handle("feed", ({ headers, request, urlParams }) =>
        Effect.gen(function*() {
          const release = yield* takeSlot("feed")
          const after = headers["last-event-id"]
          const body = yield* sseBody(
            (push) =>
              executions.feed(urlParams, after === undefined ? undefined : Number(after), (item) =>
                push(feedFrame(item), false)),
            lifecycle.closing,
            keepAlive,
            release,
            openFrame
          )
          return sseResponse(body, request)
        }))
  }))
