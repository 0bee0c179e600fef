/**
 * The slug rule of the contract: lowercase; spaces become `-`; everything but
 * `a-z 0-9 -` is dropped; runs of `-` collapse; `-` is trimmed from both ends.
 */
import { Schema } from "effect"

export const pattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

export const fromName = (name: string): string =>
  name
    .toLowerCase()
    .replace(/\s/g, "-")
    .replace(/[^a-z0-9-]/g, "")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "")

export const isSlug = (value: string): boolean => pattern.test(value)

/** A string that is already slug-shaped. */
export const Slug = Schema.String.pipe(
  Schema.pattern(pattern, { message: () => "must be slug-shaped (^[a-z0-9]+(-[a-z0-9]+)*$)" })
)
