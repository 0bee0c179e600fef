/**
 * A fast path for the commonest expressions, plain paths such as `.`, `.user.name`,
 * `$input.items[0]` or `.["a key"]`: evaluated in JavaScript with jq's semantics
 * (indexing null gives null, indexing a value of the wrong type fails with jq's message),
 * so that they skip a round trip through the jq interpreter. Anything else is left to jq.
 */

type Segment = { readonly key: string } | { readonly index: number }

export interface PathExpression {
  /** The variable the path starts from (without `$`), or undefined for `.`. */
  readonly variable: string | undefined
  readonly segments: ReadonlyArray<Segment>
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*/
const segment = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d{1,9})\]|\["([^"\\]*)"\])/

/** Parses `source` as a plain path, or answers undefined when it is anything else. */
export const parse = (source: string): PathExpression | undefined => {
  let rest = source.trim()
  let variable: string | undefined
  if (rest.startsWith("$")) {
    const name = identifier.exec(rest.slice(1))
    if (name === null || name[0].startsWith("__")) return undefined
    variable = name[0]
    rest = rest.slice(1 + name[0].length)
  } else if (rest.startsWith(".")) {
    // `.`, `.a`, `.[0]`: a leading `.` before `[` belongs to the segment.
    if (rest === ".") return { variable, segments: [] }
    if (rest.startsWith(".[")) rest = rest.slice(1)
    else if (!identifier.test(rest.slice(1))) return undefined
  } else {
    return undefined
  }
  const segments: Array<Segment> = []
  while (rest.length > 0) {
    const match = segment.exec(rest)
    if (match === null) return undefined
    if (match[1] !== undefined) segments.push({ key: match[1] })
    else if (match[2] !== undefined) segments.push({ index: Number(match[2]) })
    else segments.push({ key: match[3]! })
    rest = rest.slice(match[0].length)
  }
  return { variable, segments }
}

const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "object" ? "object" : typeof value

/** Follows the path from `root`; fails with jq's message where jq would. */
export const evaluate = (
  path: PathExpression,
  root: unknown
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string } => {
  let value = root
  for (const s of path.segments) {
    if (value === null || value === undefined) {
      value = null
    } else if ("key" in s) {
      if (typeName(value) !== "object") {
        return { ok: false, message: `Cannot index ${typeName(value)} with string ${JSON.stringify(s.key)}` }
      }
      const record = value as Record<string, unknown>
      value = Object.prototype.hasOwnProperty.call(record, s.key) ? record[s.key] : null
    } else {
      if (!Array.isArray(value)) return { ok: false, message: `Cannot index ${typeName(value)} with number` }
      const i = s.index < 0 ? value.length + s.index : s.index
      value = i >= 0 && i < value.length ? value[i] : null
    }
  }
  return { ok: true, value: value === undefined ? null : value }
}

/** An operand of a string concatenation: a literal without escapes, or a plain path. */
export type Operand = { readonly text: string } | { readonly path: PathExpression }

/**
 * Parses `source` as a `+` of string literals and plain paths (`"Bearer " + $env.TOKEN`),
 * or answers undefined. Evaluated in JavaScript only when every operand is a string
 * (jq's `+` concatenates strings); any other case is left to jq.
 */
export const parseConcat = (source: string): ReadonlyArray<Operand> | undefined => {
  const operands: Array<Operand> = []
  let rest = source.trim()
  while (rest !== "") {
    if (rest.startsWith("\"")) {
      const end = rest.indexOf("\"", 1)
      if (end < 0) return undefined
      const text = rest.slice(1, end)
      if (text.includes("\\")) return undefined
      operands.push({ text })
      rest = rest.slice(end + 1).trimStart()
    } else {
      const plus = rest.indexOf("+")
      const path = parse(plus < 0 ? rest : rest.slice(0, plus))
      if (path === undefined) return undefined
      operands.push({ path })
      rest = plus < 0 ? "" : rest.slice(plus)
    }
    if (rest === "") break
    if (!rest.startsWith("+")) return undefined
    rest = rest.slice(1).trimStart()
    if (rest === "") return undefined
  }
  return operands.length >= 2 ? operands : undefined
}
