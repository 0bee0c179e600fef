/**
 * Secret values at rest: AES-256-GCM envelopes under the server's secret key
 * (`WEFT_SECRET_KEY`), with earlier keys still accepted for reading so a key can be
 * rotated without downtime.
 *
 * An envelope is one self-describing string, `weft:v1:<key id>:<iv>:<ciphertext+tag>`
 * (base64url parts; the key id is the first 8 bytes of the key's SHA-256, in hex), so it
 * says which key sealed it and can be found and re-sealed wherever it is stored.
 */
import { Context, Data, Effect, Either, Layer } from "effect"
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"

const prefix = "weft:v1:"

/** An envelope that no configured key opens (its key is gone), or that was altered. */
export class SecretUnreadable extends Data.TaggedError("SecretUnreadable")<{ readonly message: string }> {}

export interface SecretBoxService {
  /** Seals a value under the current key (a fresh random IV every time). */
  readonly seal: (plain: string) => string
  /** Opens an envelope sealed under the current key or a previous one. */
  readonly open: (envelope: string) => Either.Either<string, SecretUnreadable>
  /** Whether an envelope is sealed under the current key (rotation skips those). */
  readonly isCurrent: (envelope: string) => boolean
}

export class SecretBox extends Context.Tag("@weft/resource/SecretBox")<SecretBox, SecretBoxService>() {}

/** Whether a string is an envelope (of any key). */
export const isEnvelope = (value: unknown): value is string => typeof value === "string" && value.startsWith(prefix)

const keyId = (key: Uint8Array): string => createHash("sha256").update(key).digest("hex").slice(0, 16)

/**
 * Reads a key given as base64 (standard or URL-safe): it must be exactly 32 bytes.
 * `name` names the setting in the message.
 */
export const parseKey = (text: string, name: string): Either.Either<Buffer, string> => {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return Either.left(`${name} must be base64 (32 random bytes)`)
  const key = Buffer.from(trimmed, "base64")
  return key.length === 32
    ? Either.right(key)
    : Either.left(`${name} must be 32 bytes in base64, got ${key.length} bytes (make one with: openssl rand -base64 32)`)
}

/** A new random key, in base64. */
export const generateKey = (): string => randomBytes(32).toString("base64")

export interface Keys {
  readonly current: Uint8Array
  /** Keys that still open older envelopes (`WEFT_SECRET_KEY_PREVIOUS`). */
  readonly previous?: ReadonlyArray<Uint8Array> | undefined
}

export const make = (keys: Keys): SecretBoxService => {
  const currentId = keyId(keys.current)
  const byId = new Map<string, Uint8Array>()
  for (const key of [...(keys.previous ?? []), keys.current]) byId.set(keyId(key), key)

  const seal = (plain: string): string => {
    const iv = randomBytes(12)
    const cipher = createCipheriv("aes-256-gcm", keys.current, iv)
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()])
    return `${prefix}${currentId}:${iv.toString("base64url")}:${body.toString("base64url")}`
  }

  const open = (envelope: string): Either.Either<string, SecretUnreadable> => {
    const parts = isEnvelope(envelope) ? envelope.slice(prefix.length).split(":") : []
    if (parts.length !== 3) return Either.left(new SecretUnreadable({ message: "not a sealed secret" }))
    const [id, iv, body] = parts
    const key = byId.get(id)
    if (key === undefined) {
      return Either.left(
        new SecretUnreadable({
          message: `secret sealed under key ${id}, which is neither WEFT_SECRET_KEY nor WEFT_SECRET_KEY_PREVIOUS`
        })
      )
    }
    try {
      const bytes = Buffer.from(body, "base64url")
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"))
      decipher.setAuthTag(bytes.subarray(bytes.length - 16))
      return Either.right(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8"))
    } catch {
      return Either.left(new SecretUnreadable({ message: `secret sealed under key ${id} does not open: it was altered` }))
    }
  }

  const isCurrent = (envelope: string) => envelope.startsWith(`${prefix}${currentId}:`)

  return { seal, open, isCurrent }
}

export const layer = (keys: Keys): Layer.Layer<SecretBox> => Layer.succeed(SecretBox, make(keys))

/** For tests: a fresh random key each time the layer is built. */
export const layerTest: Layer.Layer<SecretBox> = Layer.sync(SecretBox, () => make({ current: randomBytes(32) }))

/** Opens an envelope, as an Effect. */
export const open = (envelope: string) =>
  Effect.flatMap(SecretBox, (box) => Either.match(box.open(envelope), { onLeft: Effect.fail, onRight: Effect.succeed }))
