/** Values as the status stores them (CONTRACT 6.1): wrapping, merging, redaction. */

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Wherever an input or output is stored, a value that is not an object is `{value: …}`. */
export const wrap = (value: unknown): Record<string, unknown> => (isObject(value) ? value : { value: value ?? null })

/** What a SET merges into: the input when it is an object, else `{}`. */
export const asObject = (value: unknown): Record<string, unknown> => (isObject(value) ? value : {})

/** jq's name of a value's type, for messages. */
export const typeName = (value: unknown): string =>
  value === null || value === undefined
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value === "object"
    ? "object"
    : typeof value

/** A string for a header value that an expression may have made anything. */
export const asText = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value) ?? "")

export type Redact = <A>(value: A) => A

const identity: Redact = (value) => value

/**
 * Replaces every occurrence of a secret value, also inside longer strings and object
 * keys, by `[secret]`, at any depth. Longer secrets go first, so one that contains
 * another is hidden whole.
 */
export const redactor = (secrets: ReadonlyArray<string>): Redact => {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length)
  if (list.length === 0) return identity
  const text = (s: string): string => {
    let out = s
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join("[secret]")
    return out
  }
  const go = (value: unknown): unknown => {
    if (typeof value === "string") return text(value)
    if (Array.isArray(value)) return value.map(go)
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), go(v)]))
    return value
  }
  return go as Redact
}
