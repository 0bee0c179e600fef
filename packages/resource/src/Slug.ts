/**
 * The slug rule of the contract: lowercase; spaces become `-`; everything but
 * `a-z 0-9 -` is dropped; runs of `-` collapse; `-` is trimmed from both ends.
 *
 * Before anything is dropped, Latin letters with diacritics are written without them
 * ("Überweisung Zürich" → `uberweisung-zurich`): Unicode compatibility decomposition
 * (NFKD) splits `ü` into `u` and a combining mark, which is removed, and a small table
 * covers the Latin letters that do not decompose (`ß` → `ss`, `æ` → `ae`, `ø` → `o`, …).
 * Letters of other scripts have no ASCII form and are dropped: a name written only in
 * them yields no slug, and the resource needs an explicit `metadata.slug`.
 *
 * A slug has at most 63 characters (a DNS label's length); one derived from a longer name
 * is cut there. Names have at most 256 characters.
 */
import { Schema } from "effect"

export const pattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Most characters of a slug. */
export const maxLength = 63

/** Most characters of a resource's name. */
export const maxNameLength = 256

/** Latin letters that NFKD leaves whole, lowercase, and their ASCII spelling. */
const latin: Readonly<Record<string, string>> = {
  "ß": "ss",
  "ẞ": "ss",
  "æ": "ae",
  "ø": "o",
  "œ": "oe",
  "đ": "d",
  "ð": "d",
  "þ": "th",
  "ł": "l",
  "ħ": "h",
  "ı": "i",
  "ŧ": "t",
  "ŋ": "n",
  "ĸ": "k",
  "ſ": "s"
}

const latinPattern = new RegExp(`[${Object.keys(latin).join("")}]`, "g")

/** `text` with Latin diacritics removed and the table's letters spelled in ASCII (lowercased). */
export const transliterate = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(latinPattern, (letter) => latin[letter] ?? letter)

/** `slug` cut to `length` characters, without a trailing `-`. */
export const truncate = (slug: string, length: number = maxLength): string =>
  slug.length <= length ? slug : slug.slice(0, length).replace(/-+$/, "")

export const fromName = (name: string): string =>
  truncate(
    transliterate(name)
      .replace(/\s/g, "-")
      .replace(/[^a-z0-9-]/g, "")
      .replace(/-+/g, "-")
      .replace(/^-|-$/g, "")
  )

/**
 * `<base>-<suffix>` within the length limit, leaving `reserve` characters free (for a
 * `-2`, `-3`… a caller may append): `base` is cut, never the suffix.
 */
export const withSuffix = (base: string, suffix: string, reserve = 0): string =>
  `${truncate(base, Math.max(1, maxLength - reserve - suffix.length - 1))}-${suffix}`

export const isSlug = (value: string): boolean => value.length <= maxLength && pattern.test(value)

/**
 * The "too long" message. Effect computes a refinement's message even when the value failed the
 * `String` check beneath it (and then discards it), so this must not assume a string: `String(x)`
 * throws for an array holding an object with a `toString` key, which turned a 400 into a 500.
 */
const tooLong = (max: number) => (issue: { readonly actual: unknown }) =>
  typeof issue.actual === "string"
    ? `must be at most ${max} characters (got ${issue.actual.length})`
    : `must be a string of at most ${max} characters`

/** A string that is already slug-shaped, of at most 63 characters. */
export const Slug = Schema.String.pipe(
  Schema.pattern(pattern, { message: () => "must be slug-shaped (^[a-z0-9]+(-[a-z0-9]+)*$)" }),
  Schema.maxLength(maxLength, { message: tooLong(maxLength) })
)

/** A resource's name as a client sends it: at most 256 characters. */
export const Name = Schema.String.pipe(
  Schema.maxLength(maxNameLength, { message: tooLong(maxNameLength) })
)
