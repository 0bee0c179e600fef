/**
 * One JSON log line per request: method, path, status, duration.
 */
import { HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Effect, Exit } from "effect"

export const middleware = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const start = performance.now()
    return yield* Effect.onExit(app, (exit) => {
      const status = Exit.isSuccess(exit) ? exit.value.status : Exit.isInterrupted(exit) ? 499 : 500
      const path = request.url.split("?", 1)[0]
      return Effect.logInfo("request").pipe(
        Effect.annotateLogs({
          method: request.method,
          path,
          status,
          durationMs: Math.round((performance.now() - start) * 1000) / 1000
        })
      )
    })
  })
)
