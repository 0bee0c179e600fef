/**
 * The canonical errors of the weft API. Each one is a `Schema.TaggedError` that carries
 * its HTTP status, so an HttpApi endpoint that declares it answers with the contract's
 * `{ code, message }` body and the right status.
 */
import { HttpApiSchema } from "@effect/platform"
import { identity, ParseResult, Schema } from "effect"

const code = <C extends string>(value: C) =>
  Schema.Literal(value).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => value)
  )

export class InvalidArgument extends Schema.TaggedError<InvalidArgument>()(
  "InvalidArgument",
  { code: code("INVALID_ARGUMENT"), message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "The request is malformed or breaks a rule" })
) {
  /** Builds the error from a schema decode failure; the message names each field path (`formatIssues`). */
  static fromParseError(error: ParseResult.ParseError, options?: FormatOptions): InvalidArgument {
    return new InvalidArgument({ message: formatParseError(error, options) })
  }

  /** Builds the error from the issues of a decode failure (`formatIssues`). */
  static fromIssues(issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>, options?: FormatOptions): InvalidArgument {
    return new InvalidArgument({ message: formatIssues(issues, options) })
  }
}

export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()(
  "Unauthenticated",
  { code: code("UNAUTHENTICATED"), message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "No valid credentials" })
) {}

export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()(
  "PermissionDenied",
  { code: code("PERMISSION_DENIED"), message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "The credentials do not allow this" })
) {}

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { code: code("NOT_FOUND"), message: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "The resource or route does not exist" })
) {
  /** `"<Kind> not found: <id-or-slug>"`, the contract's message. */
  static of(kind: string, idOrSlug: string): NotFound {
    return new NotFound({ message: `${kind} not found: ${idOrSlug}` })
  }
}

export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()(
  "MethodNotAllowed",
  { code: code("METHOD_NOT_ALLOWED"), message: Schema.String },
  HttpApiSchema.annotations({ status: 405, description: "The route exists, with other methods (see `Allow`)" })
) {}

export class AlreadyExists extends Schema.TaggedError<AlreadyExists>()(
  "AlreadyExists",
  { code: code("ALREADY_EXISTS"), message: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "A resource with this slug already exists" })
) {
  static of(kind: string, org: string | undefined, slug: string): AlreadyExists {
    const where = org ? ` in org ${org}` : ""
    return new AlreadyExists({ message: `${kind} already exists${where}: ${slug}` })
  }
}

export class FailedPrecondition extends Schema.TaggedError<FailedPrecondition>()(
  "FailedPrecondition",
  { code: code("FAILED_PRECONDITION"), message: Schema.String },
  HttpApiSchema.annotations({ status: 409, description: "The resource is not in a state that allows this" })
) {}

export class Aborted extends Schema.TaggedError<Aborted>()(
  "Aborted",
  { code: code("ABORTED"), message: Schema.String },
  HttpApiSchema.annotations({ status: 412, description: "If-Match did not match the current ETag" })
) {
  static versionMismatch(kind: string, id: string, expected: string, actual: number): Aborted {
    return new Aborted({
      message: `${kind} ${id} is at version "${actual}", If-Match expected ${expected}`
    })
  }
}

export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { code: code("PAYLOAD_TOO_LARGE"), message: Schema.String },
  HttpApiSchema.annotations({ status: 413, description: "The body is over the configured limit" })
) {}

export class Internal extends Schema.TaggedError<Internal>()(
  "Internal",
  { code: code("INTERNAL"), message: Schema.String },
  HttpApiSchema.annotations({ status: 500, description: "A bug or a storage failure" })
) {}

export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { code: code("UNAVAILABLE"), message: Schema.String },
  HttpApiSchema.annotations({ status: 503, description: "Shutting down, or a capacity is full" })
) {}

/** Every canonical error. */
export type CanonicalError =
  | InvalidArgument
  | Unauthenticated
  | PermissionDenied
  | NotFound
  | MethodNotAllowed
  | AlreadyExists
  | FailedPrecondition
  | Aborted
  | PayloadTooLarge
  | Internal
  | Unavailable

/** How a parse error's message names where each issue is. */
export interface FormatOptions {
  /** Put in front of every issue's path (`["data"]`: `data.phase: …`). */
  readonly prefix?: ReadonlyArray<PropertyKey> | undefined
  /** Names an issue of the whole value (an empty path), e.g. `"body"`; without it such an issue has no path. */
  readonly subject?: string | undefined
  /**
   * Rewrites each issue before it is clipped: issues quote the values they refused, and
   * this keeps secret ones out (see `SecretValues.hide`) so that no part of one survives.
   */
  readonly hide?: ((text: string) => string) | undefined
}

/**
 * Bounds of a parse error's message: each issue, and the whole. An issue's message may
 * echo the input, hence the bounds; they are wide enough for the longest message the
 * schemas write themselves (an enum's list of values), so that one is never cut.
 */
const issueLimit = 800
export const messageLimit = 2000
/** Issues named in full; the rest are counted. */
const maxIssues = 5

/**
 * The one formatter of decode failures, wherever they were found (a request's body, path
 * or query, or a value an in-process caller handed over): each issue named by its field
 * path, `metadata.name: is missing; spec.tasks[2].taskConfig.method: Expected "GET" | …`,
 * the first `maxIssues` in full and the rest counted, bounded however large the input.
 */
export const formatIssues = (
  issues: ReadonlyArray<ParseResult.ArrayFormatterIssue>,
  options: FormatOptions = {}
): string => {
  // An optional field that failed reports a second "Expected undefined" branch: noise.
  const meaningful = issues.filter((issue) => !issue.message.startsWith("Expected undefined"))
  const shown = meaningful.length > 0 ? meaningful : issues
  if (shown.length === 0) return options.subject === undefined ? "is invalid" : `${options.subject}: is invalid`
  const named = shown.slice(0, maxIssues).map((issue) => {
    const path = formatPath([...(options.prefix ?? []), ...issue.path])
    const where = path === "" ? options.subject : path
    const message = issue.message.replace(" (Encoded side)", "")
    const hide = options.hide ?? identity
    return clipWords(hide(where === undefined ? message : `${where}: ${message}`), issueLimit)
  })
  const more = shown.length - named.length
  return clipWords(named.join("; ") + (more > 0 ? ` (and ${more} more)` : ""), messageLimit)
}

/** `formatIssues` of a schema decode failure. */
export const formatParseError = (error: ParseResult.ParseError, options: FormatOptions = {}): string =>
  formatIssues(ParseResult.ArrayFormatter.formatErrorSync(error), options)

/** Shortens at a word boundary (never inside a value's name), marking the cut. */
export const clipWords = (text: string, max: number): string => {
  if (text.length <= max) return text
  const space = text.lastIndexOf(" ", max - 1)
  return `${(space > max / 2 ? text.slice(0, space) : text.slice(0, max - 1)).replace(/[\s,;:]+$/, "")} …`
}

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`
    const name = String(key)
    return acc === "" ? name : `${acc}.${name}`
  }, "")
