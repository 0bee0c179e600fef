/**
 * The web console's static files (`Console.ts`), end to end in process over a console
 * build written to a temporary directory:
 *
 * - `/` and the console's client routes answer `index.html`, revalidated (`no-cache`,
 *   ETag, 304) with the page's security headers; `HEAD` too;
 * - `/assets/*` answers the hashed files with their content type, cached for a year,
 *   compressed as the client accepts;
 * - nothing else changes: `/v1`, `/health`, `/openapi.json`, `/docs`, unknown routes and
 *   assets, other methods, paths escaping the build;
 * - the pages are served without a token when the API needs one;
 * - a server whose console is not built says so at `/`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as http from "node:http"
import * as os from "node:os"
import * as path from "node:path"
import { brotliDecompressSync, gunzipSync } from "node:zlib"
import * as Auth from "../src/Auth.js"
import * as Console from "../src/Console.js"
import * as TestServer from "./support/TestServer.js"

const INDEX = `<!doctype html><html><head><script type="module" src="/assets/main-4F2A.js"></script></head><body></body></html>`
const SCRIPT = `console.log(${JSON.stringify("weft ".repeat(2000))})\n`
const STYLE = `body{color:red}`

const build = (files: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-console-"))
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
        fs.writeFileSync(path.join(dir, name), text)
      }
      return dir
    }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

const built = { "index.html": INDEX, "assets/main-4F2A.js": SCRIPT, "assets/main-9C1D.css": STYLE }

interface Raw {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: Buffer
}

/** A request with exactly the given headers (fetch would add and undo compression). */
const raw = (method: string, path: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(TestServer.baseUrl, (base) =>
    Effect.async<Raw, Error>((resume) => {
      const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })))
        res.on("error", (error) => resume(Effect.fail(error)))
      })
      req.on("error", (error) => resume(Effect.fail(error)))
      req.end()
    }))

/** Runs `test` against a server whose console is built from `files` (none: not built). */
const withConsole = <A, E>(files: Record<string, string>, test: Effect.Effect<A, E, any>, server = TestServer.make()) =>
  Effect.scoped(Effect.gen(function*() {
    const dir = yield* build(files)
    return yield* Effect.provide(test, server.pipe(Layer.provide(Layer.succeed(Console.ConsoleDir, dir))))
  })) as Effect.Effect<A, E, never>

const json = (res: Raw) => JSON.parse(res.body.toString("utf8"))

describe("console pages", () => {
  it.live("/ and the client routes answer index.html, revalidated, with the page's security headers", () =>
    withConsole(
      built,
      Effect.gen(function*() {
        for (const route of ["/", "/runs", "/runs/wex-01abc", "/workflows/wfl-01abc", "/instances", "/runs?phase=EXECUTION_FAILED"]) {
          const res = yield* raw("GET", route)
          assert.strictEqual(res.status, 200, route)
          assert.strictEqual(res.headers["content-type"], "text/html; charset=utf-8", route)
          assert.strictEqual(res.body.toString("utf8"), INDEX, route)
          assert.strictEqual(res.headers["cache-control"], "no-cache", route)
          assert.match(String(res.headers["content-security-policy"]), /script-src 'self'/, route)
          assert.strictEqual(res.headers["x-content-type-options"], "nosniff", route)
          assert.match(res.headers["etag"] ?? "", /^"[A-Za-z0-9_-]+"$/, route)
        }
        const first = yield* raw("GET", "/")
        const again = yield* raw("GET", "/runs", { "if-none-match": first.headers["etag"]! })
        assert.strictEqual(again.status, 304)
        assert.strictEqual(again.body.length, 0)
        const stale = yield* raw("GET", "/", { "if-none-match": `"not-it"` })
        assert.strictEqual(stale.status, 200)
        const head = yield* raw("HEAD", "/workflows")
        assert.strictEqual(head.status, 200)
        assert.strictEqual(head.headers["content-type"], "text/html; charset=utf-8")
        assert.strictEqual(head.body.length, 0)
      })
    ))

  it.live("/assets/* answers the hashed files with their type, cached for a year, compressed as accepted", () =>
    withConsole(
      built,
      Effect.gen(function*() {
        const plain = yield* raw("GET", "/assets/main-4F2A.js")
        assert.strictEqual(plain.status, 200)
        assert.strictEqual(plain.headers["content-type"], "text/javascript; charset=utf-8")
        assert.strictEqual(plain.headers["cache-control"], "public, max-age=31536000, immutable")
        assert.isUndefined(plain.headers["content-encoding"])
        assert.strictEqual(plain.headers["vary"], "Accept-Encoding")
        assert.strictEqual(plain.body.toString("utf8"), SCRIPT)

        const gzip = yield* raw("GET", "/assets/main-4F2A.js", { "accept-encoding": "gzip, deflate" })
        assert.strictEqual(gzip.headers["content-encoding"], "gzip")
        assert.isBelow(gzip.body.length, SCRIPT.length / 10)
        assert.strictEqual(gunzipSync(gzip.body).toString("utf8"), SCRIPT)

        const br = yield* raw("GET", "/assets/main-4F2A.js", { "accept-encoding": "gzip, br" })
        assert.strictEqual(br.headers["content-encoding"], "br")
        assert.strictEqual(brotliDecompressSync(br.body).toString("utf8"), SCRIPT)

        const refused = yield* raw("GET", "/assets/main-4F2A.js", { "accept-encoding": "br;q=0, gzip;q=0" })
        assert.isUndefined(refused.headers["content-encoding"])
        assert.strictEqual(refused.body.toString("utf8"), SCRIPT)

        const css = yield* raw("GET", "/assets/main-9C1D.css", { "accept-encoding": "gzip" })
        assert.strictEqual(css.headers["content-type"], "text/css; charset=utf-8")
        // Too small to be worth compressing.
        assert.isUndefined(css.headers["content-encoding"])
        assert.strictEqual(css.body.toString("utf8"), STYLE)

        const cached = yield* raw("GET", "/assets/main-9C1D.css", { "if-none-match": css.headers["etag"]! })
        assert.strictEqual(cached.status, 304)
      })
    ))

  it.live("the API, its open routes and unknown routes are as before", () =>
    withConsole(
      built,
      Effect.gen(function*() {
        assert.deepStrictEqual(json(yield* raw("GET", "/health")), { status: "ok" })
        const list = yield* raw("GET", "/v1/workflows")
        assert.strictEqual(list.status, 200)
        assert.deepStrictEqual(json(list).entries, [])
        const openapi = yield* raw("GET", "/openapi.json")
        assert.strictEqual(openapi.status, 200)
        assert.isString(json(openapi).openapi)
        const docs = yield* raw("GET", "/docs")
        assert.strictEqual(docs.status, 200)
        assert.include(docs.body.toString("utf8"), "swagger")
        for (
          const [method, route] of [
            ["GET", "/assets/missing.js"],
            ["GET", "/assets/../index.html"],
            ["GET", "/assets/%2e%2e/index.html"],
            ["GET", "/assets/"],
            ["GET", "/nope"],
            ["GET", "/runsx"],
            ["GET", "/index.html"],
            ["POST", "/"],
            ["DELETE", "/runs/wex-01abc"]
          ]
        ) {
          const res = yield* raw(method, route)
          assert.strictEqual(res.status, 404, `${method} ${route}`)
          assert.strictEqual(json(res).code, "NOT_FOUND", `${method} ${route}`)
        }
      })
    ))

  it.live("with tokens, the pages and assets are served without one, the API still asks for it", () =>
    withConsole(
      built,
      Effect.gen(function*() {
        assert.strictEqual((yield* raw("GET", "/")).status, 200)
        assert.strictEqual((yield* raw("GET", "/runs/wex-01abc")).status, 200)
        assert.strictEqual((yield* raw("GET", "/assets/main-4F2A.js")).status, 200)
        const api = yield* raw("GET", "/v1/workflow-executions")
        assert.strictEqual(api.status, 401)
        assert.strictEqual(json(api).code, "UNAUTHENTICATED")
        const allowed = yield* raw("GET", "/v1/workflow-executions", { authorization: "Bearer api-token-0123456789" })
        assert.strictEqual(allowed.status, 200)
      }),
      TestServer.make().pipe(Layer.provide(Auth.layerTokens({ apiToken: "api-token-0123456789", runnerToken: "runner-token-0123456789" })))
    ))

  it.live("a server whose console is not built says so at /, and serves the API", () =>
    withConsole(
      {},
      Effect.gen(function*() {
        const res = yield* raw("GET", "/")
        assert.strictEqual(res.status, 404)
        assert.strictEqual(res.headers["content-type"], "text/html; charset=utf-8")
        assert.include(res.body.toString("utf8"), "console is not built")
        assert.strictEqual((yield* raw("GET", "/assets/main-4F2A.js")).status, 404)
        assert.strictEqual((yield* raw("GET", "/v1/workflows")).status, 200)
      })
    ))

  it("a build that cannot be read whole is served as not built, and the API still runs", () =>
    withConsole(
      // index.html is a directory here: reading it fails, as a file removed mid-read would.
      { "index.html/part": "x", "assets/main-4F2A.js": SCRIPT },
      Effect.gen(function*() {
        const res = yield* raw("GET", "/")
        assert.strictEqual(res.status, 404)
        assert.include(res.body.toString("utf8"), "console is not built")
        assert.strictEqual((yield* raw("GET", "/assets/main-4F2A.js")).status, 404)
        assert.strictEqual((yield* raw("GET", "/health")).status, 200)
      })
    ))
})

describe("Accept-Encoding", () => {
  const file = Console.asset(new TextEncoder().encode("x".repeat(5000)), "text/plain; charset=utf-8")
  const small = Console.asset(new TextEncoder().encode("x"), "text/plain; charset=utf-8")
  const image = Console.asset(new Uint8Array(5000), "image/png")

  it("prefers brotli, then gzip, and honours q=0 and *", () => {
    assert.strictEqual(Console.chooseEncoding("gzip, deflate, br", file), "br")
    assert.strictEqual(Console.chooseEncoding("gzip", file), "gzip")
    assert.strictEqual(Console.chooseEncoding("br;q=0, gzip;q=0.5", file), "gzip")
    assert.strictEqual(Console.chooseEncoding("*", file), "gzip")
    assert.strictEqual(Console.chooseEncoding("identity", file), undefined)
    assert.strictEqual(Console.chooseEncoding(undefined, file), undefined)
    assert.strictEqual(Console.chooseEncoding("GZIP ; q=1", file), "gzip")
  })

  it("sends small and binary files as they are", () => {
    assert.strictEqual(Console.chooseEncoding("gzip, br", small), undefined)
    assert.strictEqual(Console.chooseEncoding("gzip, br", image), undefined)
  })
})
