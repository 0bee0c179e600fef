/**
 * The app's routes as its router matches them (same matcher, same case, slash and
 * escape handling): the methods a path answers (for 405) and the route pattern a request
 * falls under (`/v1/workflows/:id`, for metrics labels that do not grow with ids).
 */
import { HttpApiBuilder, type HttpRouter } from "@effect/platform"
import { Chunk, Effect } from "effect"
import * as FindMyWay from "find-my-way-ts"

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const

const build = (router: HttpRouter.HttpRouter<any, any>) => {
  const matcher = FindMyWay.make<string>()
  Chunk.forEach(router.routes, (route) => {
    if (route.method === "*") matcher.all(route.path, route.path)
    else matcher.on(route.method, route.path, route.path)
  })
  return matcher
}

export interface RoutesShape {
  /** The methods `url`'s path answers (HEAD wherever GET is); none for an unknown path. */
  readonly allowed: (url: string) => Effect.Effect<ReadonlyArray<string>>
  /** The pattern of the route `method url` falls under, if any. */
  readonly route: (method: string, url: string) => Effect.Effect<string | undefined>
}

/** Over the router the groups add their routes to (the same instance: layers are memoised). */
export const make: Effect.Effect<RoutesShape, never, HttpApiBuilder.Router> = Effect.map(
  HttpApiBuilder.Router,
  (routes) => {
    let built: { readonly router: unknown; readonly matcher: FindMyWay.Router<string> } | undefined
    const matcher = Effect.map(routes.router, (router) => {
      if (built?.router !== router) built = { router, matcher: build(router) }
      return built.matcher
    })
    const find = (m: FindMyWay.Router<string>, method: string, url: string) =>
      m.find(method, url)?.handler ?? (method === "HEAD" ? m.find("GET", url)?.handler : undefined)
    return {
      allowed: (url) => Effect.map(matcher, (m) => methods.filter((method) => find(m, method, url) !== undefined)),
      route: (method, url) => Effect.map(matcher, (m) => find(m, method, url))
    }
  }
)
