/**
 * Serves the web console (`apps/console`, built into its `dist/`) from this server: the
 * same process, port and auth as the API.
 *
 * - `/assets/*`: the console's content-hashed files, cacheable for a year (`immutable`);
 * - `/`, and the console's own client routes (`/runs…`, `/workflows…`, `/instances…`):
 *   its `index.html`, revalidated on every load (`no-cache` with an ETag), so a new build
 *   is picked up at once.
 *
 * Files are read once, when the server starts, and kept in memory with gzip and brotli
 * forms of the compressible ones; a request never touches the file system, so no path
 * can reach outside the build. Everything else, other methods included, goes to the
 * API (`/v1`, `/health`, `/openapi.json`, `/docs`, unknown routes → 404). The console's
 * files carry no data, so they are served without a token; the console asks for one
 * when the API answers 401.
 */
import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib"

/**
 * Where the console's build is. The default holds for the sources (`apps/server/src`) as
 * for the bundle (`apps/server/dist`): both sit two levels below `apps/`.
 */
export class ConsoleDir extends Context.Reference<ConsoleDir>()("@weft/server/ConsoleDir", {
  defaultValue: () => fileURLToPath(new URL("../../console/dist/", import.meta.url))
}) {}

export interface Asset {
  readonly body: Uint8Array
  readonly contentType: string
  readonly etag: string
  readonly gzip?: Uint8Array
  readonly br?: Uint8Array
}

export interface ConsoleFiles {
  /** `index.html`, or undefined when the console is not built. */
  readonly index: Asset | undefined
  /** Files under `assets/`, by their path relative to it. */
  readonly assets: ReadonlyMap<string, Asset>
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8"
}

const contentTypeOf = (file: string) => contentTypes[path.extname(file).toLowerCase()] ?? "application/octet-stream"

const compressible = (contentType: string) =>
  contentType.startsWith("text/") || contentType.startsWith("application/json") || contentType === "image/svg+xml"

/** Smaller bodies gain less from compression than its headers and CPU cost. */
const compressAbove = 1024

export const asset = (body: Uint8Array, contentType: string): Asset => {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`
  if (!compressible(contentType) || body.byteLength <= compressAbove) return { body, contentType, etag }
  return {
    body,
    contentType,
    etag,
    gzip: gzipSync(body, { level: 9 }),
    br: brotliCompressSync(body, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.byteLength }
    })
  }
}

const walk = (dir: string, prefix = ""): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? walk(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : entry.isFile()
      ? [`${prefix}${entry.name}`]
      : []
  )

const notBuilt: ConsoleFiles = { index: undefined, assets: new Map() }

/**
 * Reads a console build; a directory without `index.html` is a console not built, and so
 * is one that cannot be read whole (a build being swapped in at that moment), with a
 * warning: the API is served either way.
 */
export const load = (dir: string): Effect.Effect<ConsoleFiles> =>
  Effect.try(() => {
    if (!fs.existsSync(path.join(dir, "index.html"))) return notBuilt
    const read = (file: string) => asset(fs.readFileSync(path.join(dir, file)), contentTypeOf(file))
    const assetsDir = path.join(dir, "assets")
    const assets = new Map<string, Asset>()
    if (fs.existsSync(assetsDir)) {
      for (const file of walk(assetsDir)) assets.set(file, read(`assets/${file}`))
    }
    return { index: read("index.html"), assets }
  }).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("the web console could not be read; serving the API without it").pipe(
        Effect.annotateLogs({ dir, error: String(error.error) }),
        Effect.as(notBuilt)
      )
    ),
    Effect.withSpan("Console.load")
  )

/** The console's client routes: each answers with `index.html`, the console routes itself. */
const isConsoleRoute = (pathname: string) =>
  pathname === "/" || /^\/(runs|workflows|instances)(\/[^/]+)*\/?$/.test(pathname)

/**
 * The console runs only its own script and style, and talks only to this server. Styles
 * set through the DOM (element.style) are not inline `<style>` and stay allowed.
 */
const pageSecurity = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY"
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weft</title></head>
<body><h1>weft</h1><p>The web console is not built. Run <code>pnpm --filter @weft/console build</code>
(<code>pnpm start</code> builds it) and restart the server. The API is at <a href="/docs">/docs</a>.</p></body></html>`

/** The encoding to send, from `Accept-Encoding` (a coding with `q=0` is refused). */
export const chooseEncoding = (accept: string | undefined, available: Asset): "br" | "gzip" | undefined => {
  if (accept === undefined || (available.br === undefined && available.gzip === undefined)) return undefined
  const accepted = new Set<string>()
  for (const part of accept.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";")
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="))
    if (q === undefined || Number(q.slice(2)) > 0) accepted.add(name.trim())
  }
  if (available.br !== undefined && accepted.has("br")) return "br"
  if (available.gzip !== undefined && (accepted.has("gzip") || accepted.has("*"))) return "gzip"
  return undefined
}

const matchesEtag = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === "*" || header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag))

const respond = (
  request: HttpServerRequest.HttpServerRequest,
  file: Asset,
  headers: Record<string, string>
): HttpServerResponse.HttpServerResponse => {
  const common: Record<string, string> = { ...headers, etag: file.etag }
  if (file.gzip !== undefined) common["vary"] = "Accept-Encoding"
  if (matchesEtag(request.headers["if-none-match"], file.etag)) {
    return HttpServerResponse.empty({ status: 304, headers: common })
  }
  const encoding = chooseEncoding(request.headers["accept-encoding"], file)
  const body = encoding === undefined ? file.body : file[encoding]!
  if (encoding !== undefined) common["content-encoding"] = encoding
  // HEAD: the same headers, no body (node drops a HEAD response's body).
  return HttpServerResponse.uint8Array(body, { status: 200, contentType: file.contentType, headers: common })
}

/** Serves the console's GET and HEAD requests; passes everything else to `app`. */
export const middleware = (files: ConsoleFiles) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return app
    const pathname = request.url.split("?", 1)[0]
    if (pathname.startsWith("/assets/")) {
      const file = files.assets.get(pathname.slice("/assets/".length))
      if (file === undefined) return app
      return Effect.succeed(respond(request, file, { "cache-control": "public, max-age=31536000, immutable" }))
    }
    if (!isConsoleRoute(pathname)) return app
    if (files.index === undefined) {
      return Effect.succeed(HttpServerResponse.text(notBuiltPage, { status: 404, contentType: "text/html; charset=utf-8" }))
    }
    return Effect.succeed(respond(request, files.index, { "cache-control": "no-cache", ...pageSecurity }))
  })

/** Loads the console from `ConsoleDir` and returns its middleware. */
export const make = Effect.flatMap(ConsoleDir, load).pipe(Effect.map(middleware))
