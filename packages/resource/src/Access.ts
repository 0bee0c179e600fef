/**
 * Access control as part of the HTTP contract: which callers may use an endpoint.
 *
 * An endpoint declares the kind of access it needs by the middleware it carries:
 * `Read` (look at resources), `Write` (create, change, delete, operate runs) or
 * `Report` (a runner's status updates). Each is an `HttpApiMiddleware` with the HTTP
 * bearer scheme, so `/openapi.json` lists the scheme and each operation's requirement
 * (with the roles it admits), and each provides the `Caller` it resolved to the handler.
 *
 * Callers have a role. What a role may do is one table (`permits`), shared by the server
 * that enforces it and by the OpenAPI document that describes it:
 *
 * | role     | Read | Write | Report |
 * |----------|------|-------|--------|
 * | admin    | yes  | yes   | yes    |
 * | operator | yes  | yes   |        |
 * | runner   | yes  |       | yes    |
 * | viewer   | yes  |       |        |
 *
 * The server implements the middleware (`apps/server`, `Auth.ts`); this module is the
 * contract only.
 */
import { type HttpApiEndpoint, HttpApiMiddleware, HttpApiSecurity, type HttpMethod, OpenApi } from "@effect/platform"
import { Context, Effect, Option, Schema } from "effect"
import { transform } from "./ApiDocs.js"
import { PermissionDenied, Unauthenticated } from "./Errors.js"

export const Roles = ["admin", "operator", "runner", "viewer"] as const
export type Role = typeof Roles[number]

/** What an endpoint does, as far as access control is concerned. */
export type Level = "read" | "write" | "report"

const table: Record<Level, ReadonlyArray<Role>> = {
  read: ["admin", "operator", "runner", "viewer"],
  write: ["admin", "operator"],
  report: ["admin", "runner"]
}

/** The roles that may use an endpoint of this level. */
export const rolesFor = (level: Level): ReadonlyArray<Role> => table[level]

/** Whether `role` may use an endpoint of this level. */
export const permits = (role: Role, level: Level): boolean => table[level].includes(role)

/** What a level lets a caller do, in words (for error messages and docs). */
export const describe = (level: Level): string =>
  level === "read"
    ? "read resources"
    : level === "write"
    ? "create, change or delete resources and operate runs"
    : "report execution status"

/**
 * Who is calling, as the authentication middleware resolved it from the request:
 * the credential's name, its role, and the orgs it may act in (`"*"`: every org).
 */
export interface CallerShape {
  readonly name: string
  readonly role: Role
  readonly orgs: "*" | ReadonlyArray<string>
}

export class Caller extends Context.Tag("@weft/resource/Caller")<Caller, CallerShape>() {}

/**
 * The caller of work no request asked for (the engine's runs, start-up), and of calls
 * made in process without a `Caller`: every org, every right. Its name is what the audit
 * records for such changes.
 */
export const system: CallerShape = { name: "system", role: "admin", orgs: "*" }

/** Who the audit names for a change the caller makes: its name. */
export const actorOf = (caller: CallerShape): { readonly id: string } => ({ id: caller.name })

/** The `Caller` the current request provided, else `system`. */
export const currentCaller: Effect.Effect<CallerShape> = Effect.map(
  Effect.serviceOption(Caller),
  Option.getOrElse(() => system)
)

/**
 * Whether a caller may see and act on a resource of `org`. A caller limited to some
 * orgs sees only resources of those orgs: a resource without an org belongs to no org
 * it has, so only callers of every org (`"*"`) see it.
 */
export const inScope = (caller: CallerShape, org: string | undefined): boolean =>
  caller.orgs === "*" || (org !== undefined && caller.orgs.includes(org))

/** Refuses to store a resource of an org the caller does not act in (403 naming its orgs). */
export const requireScope = (caller: CallerShape, org: string | undefined): Effect.Effect<void, PermissionDenied> =>
  inScope(caller, org) ? Effect.void : Effect.fail(
    new PermissionDenied({
      message: `the token "${caller.name}" acts only in the orgs ${
        (caller.orgs as ReadonlyArray<string>).join(", ")
      }: ${org === undefined ? "metadata.org must name one of them" : `not in ${org}`}`
    })
  )

/** The scheme's name in `/openapi.json` (`components.securitySchemes.bearer`). */
export const schemeName = "bearer"

export const bearer = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "`Authorization: Bearer <token>`, when the server is configured with tokens (without them the API is open). " +
      "Each operation lists the roles it admits: `WEFT_API_TOKEN` has the role `operator`, " +
      "`WEFT_RUNNER_TOKEN` the role `runner`. A missing or unknown token is 401 UNAUTHENTICATED " +
      "(with `WWW-Authenticate: Bearer`), a token whose role is not admitted 403 PERMISSION_DENIED."
  )
)

const Failure = Schema.Union(Unauthenticated, PermissionDenied)

const options = {
  security: { [schemeName]: bearer } as { readonly bearer: typeof bearer },
  provides: Caller,
  failure: Failure
} as const

/** Reading: any authenticated caller. */
export class Read extends HttpApiMiddleware.Tag<Read>()("@weft/resource/Access/Read", options) {}

/** Creating, changing and deleting resources, and operating runs. */
export class Write extends HttpApiMiddleware.Tag<Write>()("@weft/resource/Access/Write", options) {}

/** A runner's status updates. */
export class Report extends HttpApiMiddleware.Tag<Report>()("@weft/resource/Access/Report", options) {}

/** The access middleware of each level. */
export const Middleware: Record<Level, { readonly key: string }> = { read: Read, write: Write, report: Report }

/**
 * Lists the admitted roles in the operation's security requirement (OpenAPI 3.1 allows
 * role names there for non-OAuth schemes) and says who may call it in its description.
 */
const document = (level: Level) => (operation: Record<string, any>): Record<string, any> => {
  const roles = rolesFor(level)
  const who = level === "read"
    ? "either token (roles " + roles.join(", ") + ")"
    : level === "write"
    ? "the API token (roles " + roles.join(", ") + ")"
    : "the runner token (roles " + roles.join(", ") + ")"
  const line = `**Access:** ${who}, when tokens are configured.`
  return {
    ...operation,
    description: operation.description === undefined ? line : `${operation.description}\n\n${line}`,
    security: (operation.security as Array<Record<string, Array<string>>>).map((requirement) =>
      Object.fromEntries(Object.keys(requirement).map((name) => [name, [...roles]]))
    )
  }
}

/**
 * Declares the access an endpoint needs: `Access.read(endpoint)`, `Access.write(...)`,
 * `Access.report(...)`. The endpoint keeps its type, plus the auth errors and `Caller`.
 */
const declare = <I extends HttpApiMiddleware.HttpApiMiddleware.AnyId, S>(tag: Context.Tag<I, S>, level: Level) =>
<
  Name extends string,
  Method extends HttpMethod.HttpMethod,
  Path,
  UrlParams,
  Payload,
  Headers,
  Success,
  Error,
  R,
  RE
>(
  endpoint: HttpApiEndpoint.HttpApiEndpoint<Name, Method, Path, UrlParams, Payload, Headers, Success, Error, R, RE>
) => transform(document(level))(endpoint.middleware(tag))

export const read = declare(Read, "read")
export const write = declare(Write, "write")
export const report = declare(Report, "report")

/** The level an endpoint declared, if any (from its middleware). */
export const levelOf = (
  middleware: Iterable<{ readonly key: string }>
): ReadonlyArray<Level> => {
  const out: Array<Level> = []
  for (const tag of middleware) {
    for (const [level, declared] of Object.entries(Middleware)) {
      if (declared.key === tag.key) out.push(level as Level)
    }
  }
  return out
}
