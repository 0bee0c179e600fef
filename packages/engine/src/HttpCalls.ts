/**
 * The outbound HTTP of HTTP_CALL tasks (CONTRACT 6.2) over node:http/https, resolving
 * names itself so that `HttpPolicy` sees the address each call connects to.
 *
 * Output: the response body, parsed as JSON when it is JSON, else its text. A non-2xx
 * response fails with type `http`, the response's status and the first 1 KB of its body
 * as detail; redirects are not followed (a 3xx is a non-2xx). A call that takes longer
 * than its timeout fails with type `timeout`; one the policy refuses, or that cannot
 * connect, fails with type `http`.
 */
import { Context, Duration, Effect, Layer } from "effect"
import { lookup as dnsLookup, type LookupAddress } from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import type { LookupFunction } from "node:net"
import { HttpPolicy, type HttpPolicyShape } from "./HttpPolicy.js"
import * as TaskError from "./TaskError.js"

export interface HttpRequest {
  readonly method: string
  readonly uri: string
  readonly headers: Readonly<Record<string, string>>
  /** JSON to send; a string is sent as it is; undefined sends no body. */
  readonly body: unknown
  readonly timeout: Duration.DurationInput
}

export interface HttpCallsShape {
  readonly call: (request: HttpRequest) => Effect.Effect<unknown, TaskError.TaskError>
}

export class HttpCalls extends Context.Tag("@weft/engine/HttpCalls")<HttpCalls, HttpCallsShape>() {}

/** Response bodies larger than this fail the call rather than fill the run's status. */
export const maxResponseBytes = 5 * 1024 * 1024

class Refused extends Error {}

/** A `lookup` that keeps only the addresses the policy allows, and fails when none is left. */
const checkedLookup = (policy: HttpPolicyShape): LookupFunction => (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: Array<LookupAddress>) => {
    if (error) return callback(error, "", 0)
    let reason: string | undefined
    const allowed = addresses.filter((a) => {
      const why = policy.checkAddress(hostname, a.address)
      reason ??= why
      return why === undefined
    })
    if (allowed.length === 0) return callback(new Refused(reason ?? `${hostname} has no address`), "", 0)
    if (options.all) return (callback as any)(null, allowed)
    return callback(null, allowed[0].address, allowed[0].family)
  })
}

const fail = (detail: string, status?: number) => TaskError.make("http", detail, { status })

const bodyOf = (request: HttpRequest, headers: Record<string, string>): Buffer | undefined => {
  if (request.body === undefined) return undefined
  const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name)
  if (typeof request.body === "string") {
    if (!has("content-type")) headers["content-type"] = "text/plain; charset=utf-8"
    return Buffer.from(request.body)
  }
  if (!has("content-type")) headers["content-type"] = "application/json"
  return Buffer.from(JSON.stringify(request.body))
}

const parse = (text: string): unknown => {
  if (text.trim() === "") return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export const make = Effect.gen(function*() {
  const policy = yield* HttpPolicy
  const lookup = checkedLookup(policy)

  const send = (request: HttpRequest, url: URL) =>
    Effect.async<unknown, TaskError.TaskError>((resume) => {
      const headers: Record<string, string> = { accept: "application/json, text/plain, */*", ...request.headers }
      const body = bodyOf(request, headers)
      if (body !== undefined) headers["content-length"] = String(body.length)
      const client = url.protocol === "https:" ? https : http
      const req = client.request(url, { method: request.method, headers, lookup }, (res) => {
        const chunks: Array<Buffer> = []
        let size = 0
        res.on("data", (chunk: Buffer) => {
          size += chunk.length
          if (size > maxResponseBytes) {
            req.destroy()
            resume(Effect.fail(fail(`response body larger than ${maxResponseBytes} bytes`, res.statusCode)))
            return
          }
          chunks.push(chunk)
        })
        res.on("error", (error) => resume(Effect.fail(fail(`${request.method} ${url.href}: ${error.message}`))))
        res.on("end", () => {
          if (size > maxResponseBytes) return
          const text = Buffer.concat(chunks).toString("utf8")
          const status = res.statusCode ?? 0
          if (status < 200 || status > 299) {
            resume(Effect.fail(
              TaskError.make("http", text.slice(0, 1024), { status, title: `HTTP ${status} from ${request.method} ${url.href}` })
            ))
          } else {
            resume(Effect.succeed(parse(text)))
          }
        })
      })
      req.on("error", (error) => {
        const detail = error instanceof Refused
          ? `refused: ${error.message}`
          : `${request.method} ${url.href}: ${error.message}`
        resume(Effect.fail(fail(detail)))
      })
      req.end(body)
      return Effect.sync(() => req.destroy())
    })

  const call = (request: HttpRequest): Effect.Effect<unknown, TaskError.TaskError> =>
    Effect.suspend(() => {
      let url: URL
      try {
        url = new URL(request.uri)
      } catch {
        return Effect.fail(fail(`not a valid URL: ${request.uri}`))
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return Effect.fail(fail(`only http and https URLs can be called, not ${url.protocol}`))
      }
      const refused = policy.checkHost(url.hostname)
      if (refused !== undefined) return Effect.fail(fail(`refused: ${refused}`))
      return send(request, url).pipe(
        Effect.timeoutFail({
          duration: request.timeout,
          onTimeout: () =>
            TaskError.make("timeout", `${request.method} ${url.href} took longer than ${Duration.format(request.timeout)}`)
        })
      )
    }).pipe(Effect.withSpan("HttpCalls.call", { attributes: { "http.method": request.method } }))

  return HttpCalls.of({ call })
})

/** Needs an `HttpPolicy` (the app composes `HttpPolicy.layerConfig`). */
export const layer: Layer.Layer<HttpCalls, never, HttpPolicy> = Layer.effect(HttpCalls, make)
