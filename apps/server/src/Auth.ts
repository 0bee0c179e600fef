/**
 * Optional bearer-token access control: the server side of `Access` (`@weft/resource`).
 *
 * Every endpoint declares in the contract the access it needs (`Access.read`, `write`,
 * `report`), as an `HttpApiMiddleware` with the bearer scheme; this module implements
 * those middlewares:
 *
 * - the `Authenticator` turns the request's `Authorization: Bearer <token>` into a
 *   `Caller` (name, role, orgs), or fails 401 UNAUTHENTICATED. Its credentials are
 *   `WEFT_API_TOKEN` (caller `api-token`, role `operator`: everything but status
 *   updates, in every org), `WEFT_RUNNER_TOKEN` (caller `runner-token`, role `runner`:
 *   reads and status updates) and the named tokens of `WEFT_TOKENS_FILE` (each with its
 *   role and orgs: `TokensFile.ts`); with none set the API is open, every caller is
 *   `system` with role `admin`, and the server refuses to listen on an address other
 *   than loopback unless `WEFT_ALLOW_UNAUTHENTICATED=1`;
 * - each access middleware authenticates, checks the role against the endpoint's level
 *   (403 PERMISSION_DENIED) and provides the `Caller` to the handler;
 * - `layer`, around the whole app, asks unknown routes for a valid token too (no probing
 *   without one) and answers every 401 with `WWW-Authenticate: Bearer realm="weft"`.
 *
 * What a caller limited to some orgs may see is decided where resources are read and
 * stored (`ResourceStore`, from the `Caller`), not here.
 *
 * `/health`, `/ready`, `/openapi.json` and `/docs` declare no access and stay open. Tokens are
 * compared in constant time (as SHA-256 digests, so lengths do not leak either) and
 * never logged.
 */
import { HttpApiBuilder, type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { Access, PermissionDenied, Unauthenticated } from "@weft/resource"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import * as RequestLog from "./RequestLog.js"
import * as TokensFile from "./TokensFile.js"

export interface AuthConfigShape {
  readonly apiToken: Option.Option<Redacted.Redacted<string>>
  readonly runnerToken: Option.Option<Redacted.Redacted<string>>
  /** The named tokens of `WEFT_TOKENS_FILE`. */
  readonly tokens: ReadonlyArray<TokensFile.NamedToken>
  readonly allowUnauthenticated: boolean
}

export class AuthConfig extends Context.Tag("@weft/server/AuthConfig")<AuthConfig, AuthConfigShape>() {}

const token = (name: string) =>
  Config.redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => Redacted.value(value) !== ""))
  )

/** The settings from the environment; the tokens file is read and checked here, once. */
export const fromEnv: Effect.Effect<AuthConfigShape, Error> = Effect.gen(function*() {
  const env = yield* Config.all({
    apiToken: token("WEFT_API_TOKEN"),
    runnerToken: token("WEFT_RUNNER_TOKEN"),
    tokensFile: Config.string("WEFT_TOKENS_FILE").pipe(Config.option, Config.map(Option.filter((path) => path !== ""))),
    allowUnauthenticated: Config.boolean("WEFT_ALLOW_UNAUTHENTICATED").pipe(Config.withDefault(false))
  }).pipe(Effect.mapError((error) => new Error(String(error))))
  const tokens = Option.isSome(env.tokensFile) ? yield* TokensFile.load(env.tokensFile.value) : []
  return {
    apiToken: env.apiToken,
    runnerToken: env.runnerToken,
    tokens,
    allowUnauthenticated: env.allowUnauthenticated
  }
})

export const layerEnv = Layer.effect(AuthConfig, Effect.orDie(fromEnv))

/** For tests: the two single tokens and named tokens (`{name, token, role, orgs}`, the token in clear). */
export const layerTokens = (tokens: {
  readonly apiToken?: string
  readonly runnerToken?: string
  readonly named?: ReadonlyArray<Access.CallerShape & { readonly token: string }>
}) =>
  Layer.succeed(AuthConfig, {
    apiToken: Option.map(Option.fromNullable(tokens.apiToken), Redacted.make),
    runnerToken: Option.map(Option.fromNullable(tokens.runnerToken), Redacted.make),
    tokens: (tokens.named ?? []).map(({ token, ...caller }) => ({ name: caller.name, digest: digest(token), caller })),
    allowUnauthenticated: false
  })

export const isEnabled = (config: AuthConfigShape) =>
  Option.isSome(config.apiToken) || Option.isSome(config.runnerToken) || config.tokens.length > 0

const isLoopback = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)

/** Refuses to serve an open API beyond this machine unless explicitly allowed. */
export const checkExposure = (config: AuthConfigShape, host: string): Effect.Effect<void, Error> =>
  isEnabled(config) || config.allowUnauthenticated || isLoopback(host)
    ? Effect.void
    : Effect.fail(
      new Error(
        `refusing to listen on ${host} without authentication: set WEFT_API_TOKEN and WEFT_RUNNER_TOKEN ` +
          `(or WEFT_TOKENS_FILE), ` +
          `or WEFT_ALLOW_UNAUTHENTICATED=1 to serve an open API`
      )
    )

/**
 * What is odd about a configuration, one line each: with one token alone, a whole role
 * is missing (nobody can report status, or nobody can create anything). Named tokens
 * carry their own roles: with a tokens file, the file is the plan.
 */
export const warnings = (config: AuthConfigShape): ReadonlyArray<string> => {
  if (config.tokens.length > 0) return []
  const api = Option.isSome(config.apiToken)
  const runner = Option.isSome(config.runnerToken)
  if (api && !runner) {
    return ["WEFT_API_TOKEN is set but WEFT_RUNNER_TOKEN is not: no caller can update execution status"]
  }
  if (runner && !api) {
    return ["WEFT_RUNNER_TOKEN is set but WEFT_API_TOKEN is not: no caller can create, change or delete anything"]
  }
  if (api && runner && Redacted.value(config.apiToken.value) === Redacted.value(config.runnerToken.value)) {
    return ["WEFT_API_TOKEN and WEFT_RUNNER_TOKEN are the same token: it acts as the API token only"]
  }
  return []
}

/** Logs each of `warnings` at warning level. */
export const logWarnings = (config: AuthConfigShape): Effect.Effect<void> =>
  Effect.forEach(warnings(config), (line) => Effect.logWarning(line), { discard: true })

// --- authentication -------------------------------------------------------------------

/**
 * The callers of the two single tokens, and of an open API: without tokens nobody is
 * identified, and changes are the system's (the audit says `system`).
 */
export const apiCaller: Access.CallerShape = { name: "api-token", role: "operator", orgs: "*" }
export const runnerCaller: Access.CallerShape = { name: "runner-token", role: "runner", orgs: "*" }
export const anonymous: Access.CallerShape = Access.system

export interface AuthenticatorShape {
  /** Whether credentials are configured; when not, everyone is `anonymous` (the `system` caller). */
  readonly enabled: boolean
  /** The caller an `Authorization` header presents: 401 for a missing or unknown token. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<Access.CallerShape, Unauthenticated>
}

interface Credential {
  readonly digest: Buffer
  readonly caller: Access.CallerShape
}

const digest = (value: string) => createHash("sha256").update(value).digest()

/** `Bearer <token>`, the scheme matched case-insensitively (RFC 9110 §11.1). */
const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")
  return match === null ? undefined : match[1]
}

export const makeAuthenticator = (config: Option.Option<AuthConfigShape>): AuthenticatorShape => {
  const credentials: ReadonlyArray<Credential> = Option.match(config, {
    onNone: () => [],
    onSome: (config) => [
      ...Option.toArray(Option.map(config.apiToken, (t) => ({ digest: digest(Redacted.value(t)), caller: apiCaller }))),
      ...Option.toArray(
        Option.map(config.runnerToken, (t) => ({ digest: digest(Redacted.value(t)), caller: runnerCaller }))
      ),
      ...config.tokens
    ]
  })
  if (credentials.length === 0) {
    return { enabled: false, authenticate: () => Effect.succeed(anonymous) }
  }
  return {
    enabled: true,
    authenticate: (authorization) => {
      const presented = bearerToken(authorization)
      if (presented === undefined) {
        return Effect.fail(
          new Unauthenticated({
            message: authorization === undefined ? "a bearer token is required" : "the bearer token is not valid"
          })
        )
      }
      const given = digest(presented)
      // Compare with every credential, so timing does not tell which one matched.
      let found: Access.CallerShape | undefined
      for (const credential of credentials) {
        if (timingSafeEqual(given, credential.digest) && found === undefined) found = credential.caller
      }
      return found === undefined
        ? Effect.fail(new Unauthenticated({ message: "the bearer token is not valid" }))
        : Effect.succeed(found)
    }
  }
}

export class Authenticator extends Context.Tag("@weft/server/Authenticator")<Authenticator, AuthenticatorShape>() {}

/** From `AuthConfig` when one is provided; an open API otherwise. */
export const AuthenticatorLive = Layer.effect(
  Authenticator,
  Effect.map(Effect.serviceOption(AuthConfig), makeAuthenticator)
)

// --- the access middlewares -----------------------------------------------------------

const denied = (caller: Access.CallerShape, level: Access.Level) =>
  new PermissionDenied({
    message: `the token "${caller.name}" has the role ${caller.role}, which may not ${
      Access.describe(level)
    } (roles allowed: ${Access.rolesFor(level).join(", ")})`
  })

/**
 * The middleware of one access level. The framework's own decoding of the bearer value
 * does not check the scheme, so the header is read here.
 */
const authorize = (authenticator: AuthenticatorShape, level: Access.Level) => ({
  bearer: (_: Redacted.Redacted) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.filterOrFail(
        authenticator.authenticate(request.headers["authorization"]).pipe(Effect.tap(RequestLog.identify)),
        (caller) => Access.permits(caller.role, level),
        (caller) => denied(caller, level)
      ))
})

/** Implements `Access.Read`, `Access.Write` and `Access.Report`. */
export const AccessLive = Layer.mergeAll(
  Layer.effect(Access.Read, Effect.map(Authenticator, (a) => authorize(a, "read"))),
  Layer.effect(Access.Write, Effect.map(Authenticator, (a) => authorize(a, "write"))),
  Layer.effect(Access.Report, Effect.map(Authenticator, (a) => authorize(a, "report")))
).pipe(Layer.provideMerge(AuthenticatorLive))

// --- around the app ---------------------------------------------------------------------

export const realm = "weft"

const isOpen = (url: string) => {
  const path = url.split("?", 1)[0]
  return path === "/health" || path === "/ready" || path === "/openapi.json" || path === "/docs"
}

const isRouteNotFound = (error: unknown): error is { readonly request: HttpServerRequest.HttpServerRequest } =>
  typeof error === "object" && error !== null && (error as { readonly _tag?: unknown })._tag === "RouteNotFound"

const encodeUnauthenticated = Schema.encodeSync(Unauthenticated)

/**
 * A 401 with its challenge (RFC 6750 §3): the realm, and `error="invalid_token"` when
 * the request carried credentials that were refused.
 */
export const challenge = (error: Unauthenticated, request: HttpServerRequest.HttpServerRequest) =>
  HttpServerResponse.unsafeJson(encodeUnauthenticated(error), {
    status: 401,
    headers: {
      "www-authenticate": request.headers["authorization"] === undefined
        ? `Bearer realm="${realm}"`
        : `Bearer realm="${realm}", error="invalid_token"`
    }
  })

/**
 * Around the whole app: an unknown route (or a known one with another method) needs a
 * valid token before it is told so, and every 401 carries `WWW-Authenticate`.
 */
export const layer = HttpApiBuilder.middleware(
  WeftApi,
  Effect.gen(function*() {
    const authenticator = yield* Authenticator
    return (app: HttpApp.Default) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        return yield* app.pipe(
          Effect.catchIf(
            (error) => authenticator.enabled && isRouteNotFound(error) && !isOpen(request.url),
            (error) => Effect.zipRight(authenticator.authenticate(request.headers["authorization"]), Effect.fail(error))
          ),
          Effect.catchIf(
            (error): error is Unauthenticated => error instanceof Unauthenticated,
            (error) => Effect.succeed(challenge(error, request))
          )
        )
      })
  }),
  { withContext: true }
).pipe(Layer.provide(AuthenticatorLive))
