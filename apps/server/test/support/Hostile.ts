/**
 * Generators of hostile HTTP requests for weft's routes (fast-check), and a raw HTTP
 * client that sends them exactly as generated (path bytes, content-type, body bytes).
 *
 * Bodies start from the valid ones and are mutated: wrong types, huge strings, deep
 * nesting (5000 levels, written as raw JSON text), huge arrays (100k), prototype keys
 * (`__proto__`, `constructor`, `prototype`), removed and extra fields; or are raw bytes:
 * invalid UTF-8, truncated JSON, scalars, random bytes. Large and special values are
 * generated as small sentinels and expanded only when the body is written, so that a
 * counterexample prints small.
 */
import fc from "fast-check"
import * as Http from "node:http"

// --- the contract's errors --------------------------------------------------------------

export const canonicalStatus: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  ABORTED: 412,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  UNAVAILABLE: 503
}

/** Why `response` is not a contract-shaped answer (`undefined` when it is one). */
export const contractViolation = (response: RawResponse): string | undefined => {
  if (response.status >= 500) return `a ${response.status}: ${response.text.slice(0, 300)}`
  if (response.status < 400) return undefined
  let body: any
  try {
    body = JSON.parse(response.text)
  } catch {
    return `a ${response.status} whose body is not JSON: ${JSON.stringify(response.text.slice(0, 200))}`
  }
  if (typeof body !== "object" || body === null) return `a ${response.status} whose body is not an object`
  if (typeof body.message !== "string") return `a ${response.status} without a message: ${response.text.slice(0, 200)}`
  const expected = canonicalStatus[body.code]
  if (expected === undefined) return `a ${response.status} with a non-canonical code: ${response.text.slice(0, 200)}`
  if (expected !== response.status) return `code ${body.code} sent with HTTP ${response.status} (expected ${expected})`
  return undefined
}

// --- valid bodies -----------------------------------------------------------------------

export interface Ids {
  readonly workflow: string
  readonly instance: string
  readonly execution: string
}

export const workflowBody = (name = "wf") => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: {
    document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
    tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
  }
})

export const instanceBody = (workflowId: string, name = "inst") => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: { workflowId, description: "an instance" }
})

export const executionBody = (workflowId: string) => ({
  metadata: { ownerScope: "organization", org: "acme" },
  spec: { workflowId, triggerMessage: "go", triggerMetadata: { k: "v" }, runtimeEnv: { A: { value: "x", isSecret: false } } }
})

export const statusBody = () => ({
  phase: "EXECUTION_IN_PROGRESS",
  output: { a: 1 },
  tasks: [{ taskName: "a", status: "WORKFLOW_TASK_IN_PROGRESS", taskType: "WORKFLOW_TASK_CUSTOM" }]
})

// --- routes -----------------------------------------------------------------------------

export type BodyKind = "workflow" | "instance" | "execution" | "status"

export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** `{id}` and `{slug}` are filled in. */
  readonly template: string
  /** Which fixture `{id}` names. */
  readonly target?: keyof Ids
  /** Which fixture's slug `{slug}` is, unless junk is chosen. */
  readonly slugOf?: keyof Ids
  readonly body?: BodyKind
  readonly stream?: boolean
}

export const routes: ReadonlyArray<Route> = [
  { method: "POST", template: "/v1/workflows", body: "workflow" },
  { method: "POST", template: "/v1/workflows/apply", body: "workflow" },
  { method: "GET", template: "/v1/workflows" },
  { method: "GET", template: "/v1/workflows/{id}", target: "workflow" },
  { method: "PUT", template: "/v1/workflows/{id}", target: "workflow", body: "workflow" },
  { method: "DELETE", template: "/v1/workflows/{id}", target: "workflow" },
  { method: "GET", template: "/v1/workflows/by-slug/{slug}", slugOf: "workflow" },
  { method: "POST", template: "/v1/workflow-instances", body: "instance" },
  { method: "POST", template: "/v1/workflow-instances/apply", body: "instance" },
  { method: "GET", template: "/v1/workflow-instances" },
  { method: "GET", template: "/v1/workflow-instances/{id}", target: "instance" },
  { method: "PUT", template: "/v1/workflow-instances/{id}", target: "instance", body: "instance" },
  { method: "DELETE", template: "/v1/workflow-instances/{id}", target: "instance" },
  { method: "GET", template: "/v1/workflow-instances/by-slug/{slug}", slugOf: "instance" },
  { method: "POST", template: "/v1/workflow-executions", body: "execution" },
  { method: "GET", template: "/v1/workflow-executions" },
  { method: "GET", template: "/v1/workflow-executions/{id}", target: "execution" },
  { method: "PUT", template: "/v1/workflow-executions/{id}", target: "execution", body: "execution" },
  { method: "PATCH", template: "/v1/workflow-executions/{id}/status", target: "execution", body: "status" },
  { method: "DELETE", template: "/v1/workflow-executions/{id}", target: "execution" },
  { method: "GET", template: "/v1/workflow-executions/{id}/watch", target: "execution", stream: true }
]

export const bodyRoutes = routes.filter((route) => route.body !== undefined)

export const validBody = (kind: BodyKind, ids: Ids, name?: string): unknown => {
  switch (kind) {
    case "workflow":
      return workflowBody(name)
    case "instance":
      return instanceBody(ids.workflow, name)
    case "execution":
      return executionBody(ids.workflow)
    case "status":
      return statusBody()
  }
}

// --- sentinels: large or special JSON written as text -----------------------------------

const DEPTH = 5000

const expansions: Record<string, () => string> = {
  DEEP_ARRAY: () => "[".repeat(DEPTH) + "]".repeat(DEPTH),
  DEEP_OBJECT: () => "{\"a\":".repeat(DEPTH) + "1" + "}".repeat(DEPTH),
  DEEP_MIXED: () => "[{\"a\":".repeat(DEPTH / 2) + "1" + "}]".repeat(DEPTH / 2),
  HUGE_ARRAY: () => "[" + "0,".repeat(99_999) + "0]",
  HUGE_ARRAY_OF_OBJECTS: () => "[" + "{},".repeat(99_999) + "{}]",
  HUGE_ARRAY_OF_STRINGS: () => "[" + "\"x\",".repeat(99_999) + "\"x\"]",
  HUGE_STRING: () => JSON.stringify("a".repeat(200_000)),
  HUGE_UNICODE_STRING: () => JSON.stringify("é😀\u0000\u2028".repeat(20_000)),
  HUGE_NUMBER: () => "1e999999",
  PROTO_OBJECT: () => "{\"__proto__\":{\"polluted\":\"yes\"}}",
  CONSTRUCTOR_OBJECT: () => "{\"constructor\":{\"prototype\":{\"polluted\":\"yes\"}}}",
  PROTOTYPE_OBJECT: () => "{\"prototype\":{\"polluted\":\"yes\"},\"__proto__\":[\"polluted\"]}"
}

export type Sentinel = keyof typeof expansions
const sentinelNames = Object.keys(expansions) as Array<Sentinel>

const valueSentinel = (name: Sentinel) => `@@HOSTILE:${name}@@`
const keySentinel = (key: string) => `@@KEY:${key}@@`

/** JSON text of `value`, with sentinels expanded. */
export const expand = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/"@@HOSTILE:([A-Z_]+)@@"/g, (_, name: string) => expansions[name]())
    .replace(/"@@KEY:([^@]*)@@"/g, (_, key: string) => JSON.stringify(key))

// --- mutations --------------------------------------------------------------------------

type JsonPath = ReadonlyArray<string | number>

const pathsOf = (value: unknown, prefix: JsonPath = []): Array<JsonPath> => {
  const out: Array<JsonPath> = [prefix]
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...pathsOf(item, [...prefix, i])))
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) out.push(...pathsOf(item, [...prefix, key]))
  }
  return out
}

export type Mutation =
  | { readonly _tag: "Replace"; readonly path: JsonPath; readonly value: unknown }
  | { readonly _tag: "Remove"; readonly path: JsonPath }
  | { readonly _tag: "AddKey"; readonly path: JsonPath; readonly key: string; readonly value: unknown }

/** A hostile JSON value (sentinels included). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, "", " ", "x", [], {}, [null], { "": "" }) },
  { weight: 2, arbitrary: fc.constantFrom(...sentinelNames).map(valueSentinel) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "EXECUTION_COMPLETED",
      "EXECUTION_PHASE_UNSPECIFIED",
      "WORKFLOW_TASK_KIND_FOR",
      "api_resource_owner_scope_unspecified",
      "platform",
      "identity_account",
      "wfl-00000000000000000000000000",
      "2026-01-01T00:00:00Z",
      "not a date",
      "1.0.0",
      "../../etc/passwd",
      "<script>alert(1)</script>",
      "' OR 1=1 --",
      "\u0000",
      "\ud800"
    )
  }
)

const prototypeKeys = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"]

export const mutation = (base: unknown): fc.Arbitrary<Mutation> => {
  const paths = pathsOf(base)
  const objectPaths = paths.filter((path) => {
    const node = path.reduce<any>((value, key) => value[key], base)
    return node !== null && typeof node === "object" && !Array.isArray(node)
  })
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ _tag: fc.constant("Replace" as const), path: fc.constantFrom(...paths), value: hostileValue }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Remove" as const), path: fc.constantFrom(...paths.filter((p) => p.length > 0)) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        _tag: fc.constant("AddKey" as const),
        path: fc.constantFrom(...objectPaths),
        key: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...prototypeKeys) },
          { weight: 1, arbitrary: fc.constantFrom("", "id", "apiVersion", "kind", "status", "version", "spec", "metadata") },
          { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }
        ),
        value: hostileValue
      })
    }
  )
}

const clone = (value: unknown): any => JSON.parse(JSON.stringify(value))

/** Applies mutations in order; answers the JSON text. */
export const applyMutations = (base: unknown, mutations: ReadonlyArray<Mutation>): string => {
  let root: any = clone(base)
  for (const m of mutations) {
    if (m.path.length === 0) {
      if (m._tag === "Replace") root = m.value
      else if (m._tag === "AddKey" && root !== null && typeof root === "object" && !Array.isArray(root)) {
        root[keySentinel(m.key)] = m.value
      }
      continue
    }
    const parent = m.path.slice(0, -1).reduce<any>((value, key) => (value == null ? undefined : value[key]), root)
    const last = m.path[m.path.length - 1]
    if (parent === null || typeof parent !== "object") continue
    if (m._tag === "Replace") parent[last] = m.value
    else if (m._tag === "Remove") {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else {
      const node = parent[last]
      if (node !== null && typeof node === "object" && !Array.isArray(node)) node[keySentinel(m.key)] = m.value
    }
  }
  return expand(root)
}

// --- raw bodies -------------------------------------------------------------------------

export type RawBody =
  | { readonly _tag: "Mutated"; readonly mutations: ReadonlyArray<Mutation> }
  | { readonly _tag: "InvalidUtf8"; readonly at: number; readonly bytes: ReadonlyArray<number> }
  | { readonly _tag: "Truncated"; readonly at: number }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Bytes"; readonly bytes: ReadonlyArray<number> }
  | { readonly _tag: "Sentinel"; readonly name: Sentinel }
  | { readonly _tag: "Empty" }

const invalidUtf8 = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80]
]

export const rawBody = (base: unknown): fc.Arbitrary<RawBody> => {
  const length = JSON.stringify(base).length
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ _tag: fc.constant("Mutated" as const), mutations: fc.array(mutation(base), { minLength: 1, maxLength: 3 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        _tag: fc.constant("InvalidUtf8" as const),
        at: fc.integer({ min: 0, max: length }),
        bytes: fc.constantFrom(...invalidUtf8)
      })
    },
    { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Truncated" as const), at: fc.integer({ min: 0, max: length - 1 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        _tag: fc.constant("Text" as const),
        text: fc.oneof(
          fc.constantFrom(
            "null",
            "[]",
            "{}",
            "\"x\"",
            "0",
            "true",
            " ",
            "\ufeff{}",
            "1e999999",
            "-",
            "01",
            "NaN",
            "{\"a\":1,}",
            "{'a':1}",
            "{\"metadata\":1,\"metadata\":{}}",
            "{\"__proto__\":{\"polluted\":\"yes\"}}",
            "{\"constructor\":{\"prototype\":{\"polluted\":\"yes\"}}}",
            "a=1&b=2",
            "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"
          ),
          fc.json({ maxDepth: 4 }),
          fc.string({ unit: "binary", maxLength: 100 })
        )
      })
    },
    { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Bytes" as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 200 }) }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant("Sentinel" as const), name: fc.constantFrom(...sentinelNames) }) },
    { weight: 1, arbitrary: fc.constant({ _tag: "Empty" as const }) }
  )
}

export const bodyBytes = (base: unknown, body: RawBody): Buffer => {
  switch (body._tag) {
    case "Mutated":
      return Buffer.from(applyMutations(base, body.mutations), "utf8")
    case "InvalidUtf8": {
      const text = Buffer.from(JSON.stringify(base), "utf8")
      return Buffer.concat([text.subarray(0, body.at), Buffer.from(body.bytes), text.subarray(body.at)])
    }
    case "Truncated":
      return Buffer.from(JSON.stringify(base).slice(0, body.at), "utf8")
    case "Text":
      return Buffer.from(body.text, "utf8")
    case "Bytes":
      return Buffer.from(body.bytes)
    case "Sentinel":
      return Buffer.from(expansions[body.name](), "utf8")
    case "Empty":
      return Buffer.alloc(0)
  }
}

/** Content types, mostly JSON; `undefined` sends none. */
export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      "",
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "APPLICATION/JSON",
      "application/merge-patch+json",
      "text/plain",
      "text/html",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "multipart/form-data",
      "application/octet-stream",
      "*/*",
      "application/json, text/plain",
      "garbage;;;=="
    )
  }
)

// --- path ids and query strings ---------------------------------------------------------

/** Path segments as they go on the wire (already escaped, or deliberately not). */
export const junkId: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "..",
      "%2e%2e",
      "%2E%2E%2F%2E%2E",
      ".",
      "%2F",
      "a%2Fb",
      "%00",
      "%ff",
      "%",
      "%zz",
      "%c0%af",
      "%ed%a0%80",
      "wfl-00000000000000000000000000",
      "win-00000000000000000000000000",
      "wex-00000000000000000000000000",
      "WEX-01M8DC0TEGXSK3V6HF18DAY5C9",
      "__proto__",
      "constructor",
      "prototype",
      "hasOwnProperty",
      "null",
      "undefined",
      "0",
      "-1",
      "1e999",
      "'%20OR%201=1--",
      "%3Cscript%3E",
      "a;b",
      "a,b",
      "*",
      "~",
      "$",
      "@"
    )
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,40}$/) },
  { weight: 1, arbitrary: fc.constantFrom(100, 101, 1000, 8000).map((n) => "a".repeat(n)) }
)

export type IdChoice = { readonly _tag: "Fixture" } | { readonly _tag: "Junk"; readonly id: string } | { readonly _tag: "OtherKind" }

export const idChoice: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ _tag: "Fixture" as const }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "OtherKind" as const }) },
  { weight: 4, arbitrary: junkId.map((id) => ({ _tag: "Junk" as const, id })) }
)

const queryKey = fc.oneof(
  fc.constantFrom(
    "pageSize",
    "pageToken",
    "phase",
    "workflowId",
    "workflowInstanceId",
    "org",
    "__proto__",
    "constructor",
    "__proto__[polluted]",
    "constructor[prototype][polluted]",
    "prototype",
    "%ff",
    "",
    "a[]"
  ),
  fc.string({ maxLength: 8 }).map(encodeURIComponent)
)

const queryValue = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "1",
    "-1",
    "1000",
    "1001",
    "1e3",
    "1.5",
    "0x10",
    "99999999999999999999999",
    "NaN",
    "Infinity",
    "EXECUTION_PENDING",
    "EXECUTION_COMPLETED",
    "3",
    "0",
    "6",
    "polluted",
    "%ff",
    "%",
    "%00",
    "a%26b%3Dc",
    "eyJhIjoxfQ",
    "eyJvZmZzZXQiOi0xfQ",
    "AAAA",
    "a".repeat(5000)
  ),
  fc.string({ unit: "binary", maxLength: 20 }).map(encodeURIComponent)
)

/** A query string ("" or "?..."), repeated keys and stray separators included. */
export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constant("") },
  {
    weight: 4,
    arbitrary: fc.array(fc.tuple(queryKey, queryValue, fc.constantFrom("=", "", "==")), { minLength: 1, maxLength: 5 }).map((pairs) =>
      "?" + pairs.map(([k, v, sep]) => (sep === "" ? k : `${k}${sep}${v}`)).join("&")
    )
  },
  { weight: 1, arbitrary: fc.constantFrom("?", "?&", "?&&=&", "?=", "?#frag", "??pageSize=1") }
)

// --- a raw HTTP client ------------------------------------------------------------------

export interface RawRequest {
  readonly method: string
  /** Sent as is (node allows bytes 0x21–0xff). */
  readonly path: string
  readonly contentType?: string | undefined
  readonly body?: Buffer | undefined
}

export interface RawResponse {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  readonly text: string
}

/**
 * Sends one request on a fresh connection; answers the whole response, or only its
 * head for an event stream (which is then closed).
 */
export const send = (port: number, request: RawRequest, timeoutMs = 20_000): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    if (request.contentType !== undefined) headers["content-type"] = request.contentType
    if (request.body !== undefined) headers["content-length"] = String(request.body.length)
    const req = Http.request({ host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent: false }, (res) => {
      if ((res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        resolve({ status: res.statusCode!, headers: res.headers, text: "" })
        req.destroy()
        return
      }
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on("error", reject)
    req.end(request.body)
  })

/** Keys on the shared prototypes now, to compare after a run. */
export const prototypeState = () => ({
  object: Object.getOwnPropertyNames(Object.prototype).sort().join(","),
  array: Object.getOwnPropertyNames(Array.prototype).sort().join(","),
  function: Object.getOwnPropertyNames(Function.prototype).sort().join(","),
  polluted: [({} as any).polluted, ([] as any).polluted, (Object.create(Object.prototype) as any).polluted]
})
