/**
 * Puts every error into the contract's `{code, message}` shape: the framework's own
 * (schema decode failures of path, query and body, malformed JSON, unknown routes,
 * known routes with another method, bodies over the limit) as well as defects, which
 * are logged with their cause and answered 500 INTERNAL without details.
 */
import {
  Headers,
  HttpApiBuilder,
  type HttpApp,
  HttpIncomingMessage,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { WeftApi } from "@weft/api"
import { Internal, InvalidArgument, MethodNotAllowed, NotFound, PayloadTooLarge, SecretValues } from "@weft/resource"
import { Cause, Effect, identity, Layer, Option, type ParseResult, Schema } from "effect"
import { IncomingMessage } from "node:http"
import * as Routes from "./Routes.js"
import { ServerConfig } from "./ServerConfig.js"

/**
 * A decode failure of the path, query, headers or body, with the formatter every decode
 * failure goes through (`formatIssues`): the same issues give the same message whether
 * the request came over HTTP or an in-process caller's value was decoded.
 */
const fromDecodeError = (
  error: { readonly issues: ReadonlyArray<ParseResult.ArrayFormatterIssue> },
  body: string | undefined
) => InvalidArgument.fromIssues(error.issues, { subject: "body", hide: SecretValues.hide(secretsOf(body)) })

/** The values the request's JSON body marks secret (none when it is not JSON): no message quotes them. */
const secretsOf = (body: string | undefined): ReadonlyArray<string> => {
  if (body === undefined || body === "") return []
  try {
    return SecretValues.secretsIn(JSON.parse(body))
  } catch {
    return []
  }
}

const isBodyTooLarge = (error: unknown) => {
  const cause = (error as { readonly cause?: unknown }).cause
  return cause instanceof Error && cause.message === "maxBytes exceeded"
}

const isRequestError = (defect: unknown) =>
  typeof defect === "object" && defect !== null && (defect as { readonly _tag?: unknown })._tag === "RequestError"

/**
 * A body without content-length (chunked) is only found to be over the limit while it is
 * read, and the framework's reader then calls `destroy()` on the request stream, which
 * destroys the socket before the 413 is written: the client saw a reset instead of the
 * answer. For that call (no error argument; node's own aborts pass one), discard the rest
 * of the body instead and close the connection once the answer is sent.
 */
const keepSocketOnOverflow = (request: HttpServerRequest.HttpServerRequest) => {
  const source: unknown = NodeHttpServerRequest.toIncomingMessage(request)
  if (!(source instanceof IncomingMessage)) return
  const destroy = source.destroy
  source.destroy = function(this: IncomingMessage, error?: Error) {
    if (error !== undefined || this.complete) return destroy.call(this, error)
    this.removeAllListeners("data")
    this.on("error", () => {})
    this.resume()
    NodeHttpServerRequest.toServerResponse(request).shouldKeepAlive = false
    return this
  }
}

const hasBody = (method: string) => method === "POST" || method === "PUT" || method === "PATCH"

/** Deepest JSON nesting a body may have. */
export const maxNesting = 64

/** Whether JSON text nests objects/arrays deeper than `max` (strings skipped), in one pass. */
export const nestedDeeperThan = (text: string, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 123 || c === 91) {
      if (++depth > max) return true
    } else if (c === 125 || c === 93) {
      depth--
    }
  }
  return false
}

type Mapped = InvalidArgument | NotFound | PayloadTooLarge | Internal

const encodeMethodNotAllowed = Schema.encodeSync(MethodNotAllowed)

/** 405 in the contract's shape, with the path's methods in `Allow` (RFC 9110 §15.5.6). */
const methodNotAllowed = (method: string, allowed: ReadonlyArray<string>) =>
  HttpServerResponse.unsafeJson(
    encodeMethodNotAllowed(
      new MethodNotAllowed({ message: `method ${method} is not allowed here; allowed: ${allowed.join(", ")}` })
    ),
    { status: 405, headers: { allow: allowed.join(", ") } }
  )

/** Translates one failure (`body`: the request's body, when it was read); `undefined` leaves it as it is. */
const translate = (error: unknown, tooLarge: () => PayloadTooLarge, body?: string): Mapped | undefined => {
  const tagged = error as { readonly _tag?: string; readonly request?: { method: string; url: string } }
  switch (tagged._tag) {
    case "HttpApiDecodeError":
      return fromDecodeError(error as any, body)
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
    const routes = yield* Routes.make
    const limit = Option.some(config.maxBodyBytes)
    const tooLarge = () =>
      new PayloadTooLarge({ message: `request body is over the limit of ${config.maxBodyBytes} bytes` })
    return (app: HttpApp.Default) =>
      Effect.suspend(() => {
        // Per request: the body once read, for an error about it that must not quote its secrets.
        let body: string | undefined
        return Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const length = request.headers["content-length"]
          if (Number(length ?? "0") > config.maxBodyBytes) return yield* tooLarge()
          if (length === undefined) keepSocketOnOverflow(request)
          // Bodies are JSON whatever the client labelled them (curl sends form data by
          // default): the framework would otherwise decode a form into a confusing 400.
          const contentType = request.headers["content-type"]
          const asJson = request.method === "GET" || request.method === "HEAD" ||
              (contentType !== undefined && contentType.includes("application/json"))
            ? request
            : request.modify({ headers: Headers.set(request.headers, "content-type", "application/json") })
          return yield* Effect.gen(function*() {
            if (hasBody(request.method)) {
              // Read here (the request caches it for the decoder) to refuse pathological
              // nesting before any recursive code — decoder, error formatter,
              // JSON.stringify — can overflow its stack on it.
              const text = yield* asJson.text
              body = text
              if (nestedDeeperThan(text, maxNesting)) {
                return yield* new InvalidArgument({ message: `body: nested deeper than ${maxNesting} levels` })
              }
            }
            return yield* app
          }).pipe(
            HttpIncomingMessage.withMaxBodySize(limit),
            asJson === request ? identity : Effect.provideService(HttpServerRequest.HttpServerRequest, asJson)
          )
        }).pipe(
          Effect.catchAllCause((cause): Effect.Effect<HttpServerResponse.HttpServerResponse, any> => {
            // The framework reads the body with `orDie`: malformed JSON and bodies over the
            // limit arrive as a defect carrying a RequestError, not as a failure.
            const failure = Option.orElse(Cause.failureOption(cause), () =>
              Option.filter(Cause.dieOption(cause), isRequestError))
            if (Option.isSome(failure)) {
              const error = failure.value as { readonly _tag?: string; readonly request?: HttpServerRequest.HttpServerRequest }
              if (error._tag === "RouteNotFound" && error.request !== undefined) {
                const request = error.request
                return Effect.flatMap(routes.allowed(request.url), (allowed) =>
                  allowed.length > 0
                    ? Effect.succeed(methodNotAllowed(request.method, allowed))
                    : Effect.fail(translate(error, tooLarge)!))
              }
              const mapped = translate(failure.value, tooLarge, body)
              return mapped === undefined ? Effect.failCause(cause) : Effect.fail(mapped)
            }
            if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
            return Effect.logError("unhandled defect", cause).pipe(
              Effect.zipRight(Effect.fail(new Internal({ message: "internal error" })))
            )
          })
        )
      })
  }),
  { withContext: true }
).pipe(Layer.provide(HttpApiBuilder.Router.Live))
