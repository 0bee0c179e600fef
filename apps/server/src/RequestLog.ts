/**
 * One JSON log line per request: method, path, status, duration, and the caller its
 * token named (never the token).
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import type { Access } from "@weft/resource"
import { Context, Effect, Exit, Option } from "effect"

/** Who made the request being logged, once authentication has told. */
class RequestCaller extends Context.Tag("@weft/server/RequestLog/RequestCaller")<
  RequestCaller,
  { name: string | undefined }
>() {}

/** Records the caller of the current request for its log line (nothing outside a logged request). */
export const identify = (caller: Access.CallerShape): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(RequestCaller), Option.map((slot) => slot.name = caller.name))

export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const start = performance.now()
    const caller: Context.Tag.Service<RequestCaller> = { name: undefined }
    return yield* Effect.onExit(Effect.provideService(app, RequestCaller, caller), (exit) => {
      const status = Exit.isSuccess(exit) ? exit.value.status : Exit.isInterrupted(exit) ? 499 : 500
      const path = request.url.split("?", 1)[0]
      return Effect.logInfo("request").pipe(
        Effect.annotateLogs({
          method: request.method,
          path,
          status,
          durationMs: Math.round((performance.now() - start) * 1000) / 1000,
          ...(caller.name === undefined ? {} : { caller: caller.name })
        })
      )
    })
  })
)
