/**
 * The Kubernetes-style envelope `{apiVersion, kind, metadata, spec, status}` shared by
 * every kind, as it is sent by clients (input) and as it is stored and returned.
 */
import { Schema, SchemaAST as AST } from "effect"
import { Audit, Metadata, MetadataInput } from "./Metadata.js"
import { ApiVersion } from "./ResourceKind.js"

/** What every stored resource looks like, whatever its spec and status. */
export interface AnyResource {
  readonly apiVersion: typeof ApiVersion
  readonly kind: string
  readonly metadata: Metadata
  readonly spec: object
  readonly status: { readonly audit: Audit }
}

/**
 * A request body's schema, so that it decodes alike whoever decodes it (HttpApi at the
 * edge, or a kind's `decode` for an in-process caller holding JSON): every issue is
 * reported, not only the first, except that a list or a map stops at its first bad
 * entry, so that the work and the answer stay bounded however many bad entries a body
 * holds (every issue of a body of 100 000 bad entries took the framework's formatting
 * tens of seconds and hundreds of MB); and an absent body (an empty request reads as
 * `null`) is "is required" rather than a type mismatch.
 */
export const body = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, I, R> =>
  Schema.make<A, I, R>(firstBadEntry(schema.ast, new Map())).annotations({
    parseOptions: { errors: "all" },
    message: (issue) => {
      // A struct with defaults is a transformation: its type check is the issue inside.
      const whole = issue._tag === "Transformation" ? issue.issue : issue
      if (whole._tag !== "Type") return { message: "", override: false } // a field's issue: its own message
      const absent = whole.actual === null || whole.actual === undefined
      return { message: absent ? "is required" : "must be a JSON object", override: true }
    }
  })

const firstOnly: AST.Annotations = { [AST.ParseOptionsAnnotationId]: { errors: "first" } }

/** `ast` with every list and map (a struct with an index signature) decoding up to its first issue. */
const firstBadEntry = (ast: AST.AST, seen: Map<AST.AST, AST.AST>): AST.AST => {
  const done = seen.get(ast)
  if (done !== undefined) return done
  const walk = (child: AST.AST) => firstBadEntry(child, seen)
  let out: AST.AST
  switch (ast._tag) {
    case "TupleType":
      out = new AST.TupleType(
        ast.elements.map((e) => new AST.OptionalType(walk(e.type), e.isOptional, e.annotations)),
        ast.rest.map((r) => new AST.Type(walk(r.type), r.annotations)),
        ast.isReadonly,
        { ...ast.annotations, ...firstOnly }
      )
      break
    case "TypeLiteral":
      out = new AST.TypeLiteral(
        ast.propertySignatures.map((p) =>
          new AST.PropertySignature(p.name, walk(p.type), p.isOptional, p.isReadonly, p.annotations)
        ),
        ast.indexSignatures.map((i) => new AST.IndexSignature(i.parameter, walk(i.type), i.isReadonly)),
        ast.indexSignatures.length > 0 ? { ...ast.annotations, ...firstOnly } : ast.annotations
      )
      break
    case "Refinement":
      out = new AST.Refinement(walk(ast.from), ast.filter, ast.annotations)
      break
    case "Transformation":
      out = new AST.Transformation(walk(ast.from), walk(ast.to), ast.transformation, ast.annotations)
      break
    case "Union":
      out = AST.Union.make(ast.types.map(walk), ast.annotations)
      break
    case "Suspend": {
      const suspended = ast
      out = new AST.Suspend(() => walk(suspended.f()), ast.annotations)
      break
    }
    default:
      out = ast
  }
  seen.set(ast, out)
  return out
}

/** The envelope a client sends: apiVersion/kind optional but checked, status ignored. */
export const input = <K extends string, Spec extends Schema.Schema.Any>(kind: K, spec: Spec) =>
  Schema.Struct({
    apiVersion: Schema.optional(Schema.Literal(ApiVersion)),
    kind: Schema.optional(Schema.Literal(kind)),
    metadata: Schema.optionalWith(MetadataInput, { default: () => ({}) }),
    spec: spec,
    status: Schema.optional(Schema.Unknown)
  }).pipe(body)

/** The envelope the server returns. */
export const stored = <K extends string, Spec extends Schema.Schema.Any, Status extends Schema.Struct.Fields>(
  kind: K,
  spec: Spec,
  status: Status
) =>
  Schema.Struct({
    apiVersion: Schema.Literal(ApiVersion),
    kind: Schema.Literal(kind),
    metadata: Metadata,
    spec: spec,
    status: Schema.Struct({ audit: Audit, ...status })
  })

/** Paged list response `{entries, nextPageToken?}`. */
export const ListResponse = <A extends Schema.Schema.Any>(entry: A) =>
  Schema.Struct({
    entries: Schema.Array(entry),
    nextPageToken: Schema.optional(Schema.String)
  })
