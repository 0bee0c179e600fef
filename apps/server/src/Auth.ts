/**
 * Optional bearer-token access control.
 *
 * - `WEFT_API_TOKEN` grants everything except status updates;
 * - `WEFT_RUNNER_TOKEN` grants status updates and reads (a runner reports progress and
 *   may watch);
 * - with neither set, the API is open, and the server refuses to listen on an address
 *   other than loopback unless `WEFT_ALLOW_UNAUTHENTICATED=1`.
 *
 * `/health`, `/openapi.json` and `/docs` stay open. Tokens are compared in constant time
 * and never logged. A missing or unknown token is 401 UNAUTHENTICATED; a valid token of
 * the wrong role is 403 PERMISSION_DENIED.
 */
import { HttpApiBuilder, type HttpApp, HttpServerRequest } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { PermissionDenied, Unauthenticated } from "@weft/resource"
import { Config, Context, Effect, Layer, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"

export interface AuthConfigShape {
  readonly apiToken: Option.Option<Redacted.Redacted<string>>
  readonly runnerToken: Option.Option<Redacted.Redacted<string>>
  readonly allowUnauthenticated: boolean
}

export class AuthConfig extends Context.Tag("@weft/server/AuthConfig")<AuthConfig, AuthConfigShape>() {}

const token = (name: string) =>
  Config.redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => Redacted.value(value) !== ""))
  )

export const fromEnv = Config.all({
  apiToken: token("WEFT_API_TOKEN"),
  runnerToken: token("WEFT_RUNNER_TOKEN"),
  allowUnauthenticated: Config.boolean("WEFT_ALLOW_UNAUTHENTICATED").pipe(Config.withDefault(false))
})

export const layerEnv = Layer.effect(AuthConfig, Effect.orDie(fromEnv))

export const layerTokens = (tokens: { readonly apiToken?: string; readonly runnerToken?: string }) =>
  Layer.succeed(AuthConfig, {
    apiToken: Option.map(Option.fromNullable(tokens.apiToken), Redacted.make),
    runnerToken: Option.map(Option.fromNullable(tokens.runnerToken), Redacted.make),
    allowUnauthenticated: false
  })

export const isEnabled = (config: AuthConfigShape) =>
  Option.isSome(config.apiToken) || Option.isSome(config.runnerToken)

const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)

/** Refuses to serve an open API beyond this machine unless explicitly allowed. */
export const checkExposure = (config: AuthConfigShape, host: string): Effect.Effect<void, Error> =>
  isEnabled(config) || config.allowUnauthenticated || isLoopback(host)
    ? Effect.void
    : Effect.fail(
      new Error(
        `refusing to listen on ${host} without authentication: set WEFT_API_TOKEN and WEFT_RUNNER_TOKEN, ` +
          `or WEFT_ALLOW_UNAUTHENTICATED=1 to serve an open API`
      )
    )

type Role = "api" | "runner"

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Which role a presented token has, compared in constant time. */
const roleOf = (config: AuthConfigShape, presented: string): Role | undefined => {
  const given = digest(presented)
  const matches = (expected: Option.Option<Redacted.Redacted<string>>) =>
    Option.isSome(expected) && timingSafeEqual(given, digest(Redacted.value(expected.value)))
  // Evaluate both, so timing does not tell which one matched.
  const api = matches(config.apiToken)
  const runner = matches(config.runnerToken)
  return api ? "api" : runner ? "runner" : undefined
}

/**
 * The status update is the API's only PATCH route, so the method decides: matching the
 * path instead would have to mirror the router's case folding, slash merging and
 * percent-decoding exactly (a test pins the "only PATCH" fact).
 */
const isStatusUpdate = (method: string) => method === "PATCH"

const isRead = (method: string) => method === "GET" || method === "HEAD"

const isOpen = (path: string) => path === "/health" || path === "/openapi.json" || path === "/docs"

/** What a role may do: the API token everything but status updates; the runner reads and status updates. */
export const allows = (role: Role, method: string): boolean =>
  role === "api" ? !isStatusUpdate(method) : isStatusUpdate(method) || isRead(method)

export const layer = HttpApiBuilder.middleware(
  WeftApi,
  Effect.gen(function*() {
    const provided = yield* Effect.serviceOption(AuthConfig)
    if (Option.isNone(provided) || !isEnabled(provided.value)) return (app: HttpApp.Default) => app
    const config = provided.value
    return (app: HttpApp.Default) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const path = request.url.split("?", 1)[0]
        if (isOpen(path)) return yield* app
        const header = request.headers["authorization"] ?? ""
        const match = /^Bearer\s+(.+)$/i.exec(header)
        const role = match === null ? undefined : roleOf(config, match[1].trim())
        if (role === undefined) {
          return yield* new Unauthenticated({
            message: match === null ? "a bearer token is required" : "the bearer token is not valid"
          })
        }
        if (!allows(role, request.method)) {
          return yield* new PermissionDenied({
            message: role === "api"
              ? "status updates need the runner token"
              : "the runner token allows reads and status updates only"
          })
        }
        return yield* app
      })
  }),
  { withContext: true }
)
