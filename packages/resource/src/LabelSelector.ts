/**
 * Label selectors, as Kubernetes spells their equality-based form: `k=v` (or `k==v`),
 * `k!=v`, `k` (the label exists), `!k` (it does not), joined by commas (all must hold).
 * `k!=v` also holds when the label is absent. Keys are `[prefix/]name` and values are
 * at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric (a value may
 * be empty), as Kubernetes labels are.
 */
import { ParseResult, Schema } from "effect"

export type Requirement =
  | { readonly _tag: "Equals"; readonly key: string; readonly value: string }
  | { readonly _tag: "NotEquals"; readonly key: string; readonly value: string }
  | { readonly _tag: "Exists"; readonly key: string }
  | { readonly _tag: "NotExists"; readonly key: string }

export type LabelSelector = ReadonlyArray<Requirement>

const name = "[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
const prefix = "[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?/"
const keyPattern = `(?:${prefix})?${name}`
const valuePattern = `(?:${name})?`

const requirement = new RegExp(`^(!)?(${keyPattern})(?:(==|=|!=)(${valuePattern}))?$`)

/**
 * Parses a selector; answers the reason it is malformed instead when it is. An empty
 * selector selects everything.
 */
export const parse = (text: string): LabelSelector | { readonly error: string } => {
  const requirements: Array<Requirement> = []
  if (text.trim() === "") return requirements
  for (const raw of text.split(",")) {
    const term = raw.trim()
    const match = requirement.exec(term)
    if (match === null || (match[1] !== undefined && match[3] !== undefined)) {
      return {
        error: term === ""
          ? "an empty requirement (two commas in a row, or one at an end)"
          : `"${term}" is not k=v, k!=v, k or !k with a label key and value`
      }
    }
    const [, not, key, op, value] = match
    requirements.push(
      op === undefined
        ? { _tag: not === undefined ? "Exists" : "NotExists", key: key! }
        : { _tag: op === "!=" ? "NotEquals" : "Equals", key: key!, value: value! }
    )
  }
  return requirements
}

/** Whether `labels` satisfy every requirement. */
export const matches = (selector: LabelSelector, labels: { readonly [key: string]: string } | undefined): boolean =>
  selector.every((r) => {
    const value = labels !== undefined && Object.hasOwn(labels, r.key) ? labels[r.key] : undefined
    switch (r._tag) {
      case "Equals":
        return value === r.value
      case "NotEquals":
        return value !== r.value
      case "Exists":
        return value !== undefined
      case "NotExists":
        return value === undefined
    }
  })

const format = (selector: LabelSelector): string =>
  selector.map((r) =>
    r._tag === "Equals"
      ? `${r.key}=${r.value}`
      : r._tag === "NotEquals"
      ? `${r.key}!=${r.value}`
      : r._tag === "Exists"
      ? r.key
      : `!${r.key}`
  ).join(",")

const RequirementSchema = Schema.Union(
  Schema.TaggedStruct("Equals", { key: Schema.String, value: Schema.String }),
  Schema.TaggedStruct("NotEquals", { key: Schema.String, value: Schema.String }),
  Schema.TaggedStruct("Exists", { key: Schema.String }),
  Schema.TaggedStruct("NotExists", { key: Schema.String })
)

/** A selector in a query string, decoded to its requirements; a malformed one fails naming the term. */
export const FromString = Schema.transformOrFail(Schema.String, Schema.Array(RequirementSchema), {
  strict: true,
  decode: (text, _, ast) => {
    const parsed = parse(text)
    return "error" in parsed
      ? ParseResult.fail(new ParseResult.Type(ast, text, `malformed label selector: ${parsed.error}`))
      : ParseResult.succeed(parsed)
  },
  encode: (selector) => ParseResult.succeed(format(selector))
}).annotations({
  description: "Label selector: comma-separated requirements that must all hold: `k=v`, `k!=v` (also true " +
    "without the label), `k` (has the label), `!k` (has not). Example: `team=growth,!experimental`"
})
