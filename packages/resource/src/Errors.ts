/**
 * The canonical errors of the weft API. Each one is a `Schema.TaggedError` that carries
 * its HTTP status, so an HttpApi endpoint that declares it answers with the contract's
 * `{ code, message }` body and the right status.
 */
import { HttpApiSchema } from "@effect/platform"
import { ParseResult, Schema } from "effect"

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
  /** Builds the error from a schema decode failure; the message names each field path. */
  static fromParseError(error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey> = []): InvalidArgument {
    return new InvalidArgument({ message: formatParseError(error, prefix) })
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

/** `spec.tasks[0].kind: Expected ...; metadata.name: is missing` */
export const formatParseError = (error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey> = []): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (issues.length === 0) return "invalid input"
  return clip(
    issues
      .slice(0, 5)
      .map((issue) => {
        const path = formatPath([...prefix, ...issue.path])
        return clip(path === "" ? issue.message : `${path}: ${issue.message}`, 300)
      })
      .join("; "),
    1000
  )
}

/** Keeps error messages short however large the offending value was. */
export const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`
    const name = String(key)
    return acc === "" ? name : `${acc}.${name}`
  }, "")
