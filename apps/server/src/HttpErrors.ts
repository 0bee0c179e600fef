/**
 * Puts every error into the contract's `{code, message}` shape: the framework's own
 * (schema decode failures of path, query and body, malformed JSON, unknown routes,
 * bodies over the limit) as well as defects, which are logged with their cause and
 * answered 500 INTERNAL without details.
 */
import { HttpApiBuilder, type HttpApp, HttpIncomingMessage, HttpServerRequest } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { Internal, InvalidArgument, NotFound, PayloadTooLarge, formatPath } from "@weft/resource"
import { Cause, Effect, Option } from "effect"
import { ServerConfig } from "./ServerConfig.js"

interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const fromDecodeError = (error: { readonly issues: ReadonlyArray<DecodeIssue>; readonly message: string }) => {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const path = formatPath(issue.path)
    return path === "" ? issue.message : `${path}: ${issue.message}`
  })
  return new InvalidArgument({ message: issues.length > 0 ? issues.join("; ") : error.message })
}

const isBodyTooLarge = (error: unknown) => {
  const cause = (error as { readonly cause?: unknown }).cause
  return cause instanceof Error && cause.message === "maxBytes exceeded"
}

type Mapped = InvalidArgument | NotFound | PayloadTooLarge | Internal

/** Translates one failure; `undefined` leaves it as it is. */
const translate = (error: unknown, tooLarge: () => PayloadTooLarge): Mapped | undefined => {
  const tagged = error as { readonly _tag?: string; readonly request?: { method: string; url: string } }
  switch (tagged._tag) {
    case "HttpApiDecodeError":
      return fromDecodeError(error as any)
    case "RouteNotFound":
      return new NotFound({ message: `route not found: ${tagged.request?.method} ${tagged.request?.url}` })
    case "RequestError":
      return isBodyTooLarge(error) ? tooLarge() : new InvalidArgument({ message: "body: not valid JSON" })
    default:
      return undefined
  }
}

export const layer = HttpApiBuilder.middleware(
  WeftApi,
  Effect.gen(function*() {
    const config = yield* ServerConfig
    const limit = Option.some(config.maxBodyBytes)
    const tooLarge = () =>
      new PayloadTooLarge({ message: `request body is over the limit of ${config.maxBodyBytes} bytes` })
    return (app: HttpApp.Default) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const length = Number(request.headers["content-length"] ?? "0")
        if (length > config.maxBodyBytes) return yield* tooLarge()
        return yield* HttpIncomingMessage.withMaxBodySize(app, limit)
      }).pipe(
        Effect.catchAllCause((cause): Effect.Effect<never, any> => {
          const failure = Cause.failureOption(cause)
          if (Option.isSome(failure)) {
            const mapped = translate(failure.value, tooLarge)
            return mapped === undefined ? Effect.failCause(cause) : Effect.fail(mapped)
          }
          if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
          return Effect.logError("unhandled defect", cause).pipe(
            Effect.zipRight(Effect.fail(new Internal({ message: "internal error" })))
          )
        })
      )
  }),
  { withContext: true }
)
