/**
 * Maps of environment values (`{KEY: {value, isSecret, description}}`): an Environment's
 * `spec.data`, a workflow's `spec.envSpec.data`, an execution's `spec.runtimeEnv`.
 *
 * Secret values are write-only. What is stored holds a secret's value only sealed
 * (`sealed`, an envelope of `SecretBox`), never in `value`; what is answered holds neither
 * (`mask`). A secret entry sent without a value keeps the stored one, so a document read
 * back can be applied again without its secrets.
 */
import { Effect, Either } from "effect"
import { SecretBox, type SecretBoxService, type SecretUnreadable } from "./SecretBox.js"

export interface Entry {
  readonly value?: string | undefined
  readonly isSecret?: boolean | undefined
  readonly description?: string | undefined
}

/** An entry as stored: a secret's value sealed. */
export type Sealed<E extends Entry> = Omit<E, "value"> & { readonly value?: string | undefined; readonly sealed?: string | undefined }

export type Values<E extends Entry> = { readonly [key: string]: E }

const withoutValue = <E extends Entry>(entry: E): Omit<E, "value"> => {
  const { value: _, ...rest } = entry
  return rest
}

const sealEntry = <E extends Entry>(
  box: SecretBoxService,
  entry: E,
  previous: Sealed<Entry> | undefined
): Sealed<E> => {
  if (entry.isSecret !== true) return entry
  const rest = withoutValue(entry)
  if (entry.value === undefined) {
    // Kept: the sealed value, or a value that was not secret before, sealed now.
    if (previous?.sealed !== undefined) return { ...rest, sealed: previous.sealed }
    if (previous?.value !== undefined) return { ...rest, sealed: box.seal(previous.value) }
    return rest
  }
  // The same value again keeps its envelope, so an unchanged document stays unchanged.
  if (previous?.sealed !== undefined && Either.getOrUndefined(box.open(previous.sealed)) === entry.value) {
    return { ...rest, sealed: previous.sealed }
  }
  return { ...rest, sealed: box.seal(entry.value) }
}

/** The stored form of `values`: each secret sealed, or kept from `previous` when sent without a value. */
export const seal = <E extends Entry>(
  values: Values<E> | undefined,
  previous: Values<Sealed<Entry>> | undefined
): Effect.Effect<{ readonly [key: string]: Sealed<E> } | undefined, never, SecretBox> =>
  values === undefined ? Effect.succeed(undefined) : Effect.map(SecretBox, (box) => {
    const out: Record<string, Sealed<E>> = {}
    for (const [key, entry] of Object.entries(values)) out[key] = sealEntry(box, entry, previous?.[key])
    return out
  })

/** What is answered: secrets without their value, sealed or not. */
export const mask = <E extends Entry>(values: Values<Sealed<E>> | undefined): Values<E> | undefined => {
  if (values === undefined) return undefined
  const out: Record<string, E> = {}
  for (const [key, entry] of Object.entries(values)) {
    if (entry.isSecret !== true) {
      out[key] = entry as unknown as E
      continue
    }
    const { sealed: _, value: __, ...rest } = entry
    out[key] = rest as unknown as E
  }
  return out
}

/** The plain value of every entry that has one, secrets opened; and which are secret. */
export interface Revealed {
  readonly values: { readonly [key: string]: string }
  readonly secrets: ReadonlyArray<string>
}

/** Opens every sealed value of `values` (fails when one does not open: its key is gone). */
export const reveal = (
  values: Values<Sealed<Entry>> | undefined
): Effect.Effect<Revealed, SecretUnreadable, SecretBox> =>
  Effect.flatMap(SecretBox, (box) =>
    Effect.gen(function*() {
      const out: Record<string, string> = {}
      const secrets: Array<string> = []
      for (const [key, entry] of Object.entries(values ?? {})) {
        const value = entry.sealed !== undefined ? yield* Either.match(box.open(entry.sealed), {
          onLeft: (error) => Effect.fail(error),
          onRight: Effect.succeed
        }) : entry.value
        if (value === undefined) continue
        out[key] = value
        if (entry.isSecret === true) secrets.push(value)
      }
      return { values: out, secrets }
    }))

/**
 * The values a document marks secret, wherever they are in it: the `value` of every object
 * whose `isSecret` is set to anything but `false`, as sent (malformed ones too, which an
 * error message would quote), as text and as JSON quotes it.
 */
export const secretsIn = (document: unknown): ReadonlyArray<string> => {
  const found = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (typeof value !== "object" || value === null) return
    const entry = value as { readonly isSecret?: unknown; readonly value?: unknown }
    if (entry.isSecret !== undefined && entry.isSecret !== false && entry.value !== undefined && entry.value !== null) {
      const text = typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value)
      found.add(text)
      found.add(JSON.stringify(text).slice(1, -1))
    }
    Object.values(value).forEach(visit)
  }
  visit(document)
  return [...found].filter((text) => text.length > 0)
}

/** Replaces every occurrence of each of `secrets` in a text by `[secret]`, longer ones first. */
export const hide = (secrets: ReadonlyArray<string>) => {
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length)
  return (text: string): string => longestFirst.reduce((out, secret) => out.split(secret).join("[secret]"), text)
}
