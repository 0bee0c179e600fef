/**
 * Named tokens (`WEFT_TOKENS_FILE`): a YAML list of credentials, each with a name (what
 * the audit and the request log call its caller), the SHA-256 of the token (hex, so the
 * file holds no secret), a role, and the orgs it acts in (a list, or `"*"` for every org):
 *
 * ```yaml
 * - name: ci
 *   sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 *   role: operator
 *   orgs: [acme]
 * - name: dashboards
 *   sha256: fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9
 *   role: viewer
 *   orgs: "*"
 * ```
 *
 * The file is read once, at start. Anything wrong with it (not YAML, not a list, a
 * field missing or malformed, a name or a digest given twice, a reserved name) stops
 * the server with one message naming the file and the entry.
 */
import { Access, formatParseError } from "@weft/resource"
import { Effect, Either, Schema } from "effect"
import { readFileSync } from "node:fs"
import { parse as parseYaml } from "yaml"

/** One credential of the file. */
export interface NamedToken {
  readonly name: string
  /** The SHA-256 digest of the token. */
  readonly digest: Buffer
  readonly caller: Access.CallerShape
}

/** Names the server gives callers itself: a token may not pass for them. */
export const reservedNames: ReadonlyArray<string> = [Access.system.name, "api-token", "runner-token"]

const Entry = Schema.Struct({
  name: Schema.String.pipe(
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,62}$/, {
      message: () => "a name of letters, digits and . _ @ -, at most 63 characters"
    })
  ),
  sha256: Schema.String.pipe(
    Schema.pattern(/^[0-9a-fA-F]{64}$/, { message: () => "the SHA-256 of the token: 64 hexadecimal digits" })
  ),
  role: Schema.Literal(...Access.Roles),
  orgs: Schema.Union(
    Schema.Literal("*"),
    Schema.NonEmptyArray(Schema.NonEmptyTrimmedString).annotations({
      message: () => "a non-empty list of org names, or \"*\" for every org"
    })
  )
})

const File = Schema.Array(Entry)

const decode = Schema.decodeUnknownEither(File, { errors: "all", onExcessProperty: "error" })

/** The credentials `text` (the file's content) lists, or why they cannot be used. */
export const parse = (text: string): Either.Either<ReadonlyArray<NamedToken>, string> => {
  let document: unknown
  try {
    document = parseYaml(text)
  } catch (error) {
    return Either.left(`not valid YAML: ${(error as Error).message.split("\n", 1)[0]}`)
  }
  if (!Array.isArray(document) || document.length === 0) {
    return Either.left("expected a YAML list of tokens ({name, sha256, role, orgs}), one at least")
  }
  const decoded = decode(document)
  if (Either.isLeft(decoded)) return Either.left(formatParseError(decoded.left))
  const names = new Set<string>()
  const digests = new Set<string>()
  const tokens: Array<NamedToken> = []
  for (const [index, entry] of decoded.right.entries()) {
    const digest = entry.sha256.toLowerCase()
    if (reservedNames.includes(entry.name)) {
      return Either.left(`[${index}].name: "${entry.name}" is reserved (the server names its own callers so)`)
    }
    if (names.has(entry.name)) return Either.left(`[${index}].name: "${entry.name}" is listed twice`)
    if (digests.has(digest)) return Either.left(`[${index}].sha256: the same token as an earlier entry`)
    names.add(entry.name)
    digests.add(digest)
    tokens.push({
      name: entry.name,
      digest: Buffer.from(digest, "hex"),
      caller: { name: entry.name, role: entry.role, orgs: entry.orgs }
    })
  }
  return Either.right(tokens)
}

/** Reads and checks the file; fails with a message naming it. */
export const load = (path: string): Effect.Effect<ReadonlyArray<NamedToken>, Error> =>
  Effect.suspend(() => {
    let text: string
    try {
      text = readFileSync(path, "utf8")
    } catch (error) {
      return Effect.fail(new Error(`WEFT_TOKENS_FILE ${path}: ${(error as Error).message}`))
    }
    return Either.match(parse(text), {
      onLeft: (reason) => Effect.fail(new Error(`WEFT_TOKENS_FILE ${path}: ${reason}`)),
      onRight: Effect.succeed
    })
  })
