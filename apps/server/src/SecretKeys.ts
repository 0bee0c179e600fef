/**
 * The secret key the server seals secret values with (`SecretBox`).
 *
 * `WEFT_SECRET_KEY` (base64 of 32 bytes) is the key; `WEFT_SECRET_KEY_PREVIOUS` (one or
 * more, comma-separated) are keys that still open what they sealed, while the data is
 * re-sealed (`weft-server rotate-secrets`). Without `WEFT_SECRET_KEY`:
 * - on a SQLite file, the key is read from `<database>.key` beside it, or generated
 *   there at the first start (mode 0600), so the quick start needs no setting;
 * - on `:memory:`, a random key lives as long as the process (so does the data);
 * - on PostgreSQL the server does not start: replicas must share one key, which a
 *   file beside one of them cannot give.
 */
import { SecretBox } from "@weft/resource"
import { Data, Effect, Either, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { ServerConfigShape } from "./ServerConfig.js"

export class SecretKeyUnavailable extends Data.TaggedError("SecretKeyUnavailable")<{ readonly message: string }> {}

const isPostgres = (database: string) => /^postgres(ql)?:\/\//.test(database)

/** The file beside a SQLite database that holds its generated key. */
export const keyFileOf = (database: string) => `${database}.key`

const parse = (text: string, name: string) =>
  Either.match(SecretBox.parseKey(text, name), {
    onLeft: (message) => Effect.fail(new SecretKeyUnavailable({ message })),
    onRight: Effect.succeed
  })

/** Reads the key file, or creates it with a new key (exclusively, mode 0600). */
const keyFile = (file: string) =>
  Effect.try({
    try: () => {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
      try {
        fs.writeFileSync(file, `${SecretBox.generateKey()}\n`, { mode: 0o600, flag: "wx" })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      }
      return fs.readFileSync(file, "utf8")
    },
    catch: (error) => new SecretKeyUnavailable({ message: `cannot read or create the secret key file ${file}: ${String(error)}` })
  }).pipe(Effect.flatMap((text) => parse(text, file)))

/** What the keys are chosen from: the database and the key settings. */
export type KeySettings = Pick<ServerConfigShape, "database" | "secretKey" | "secretKeyPrevious">

/** The keys the settings name (see the module's comment). */
export const keysOf = (config: KeySettings): Effect.Effect<SecretBox.Keys, SecretKeyUnavailable> =>
  Effect.gen(function*() {
    const previous = yield* Effect.forEach(
      config.secretKeyPrevious === undefined
        ? []
        : Redacted.value(config.secretKeyPrevious).split(",").map((k) => k.trim()).filter((k) => k !== ""),
      (key) => parse(key, "WEFT_SECRET_KEY_PREVIOUS")
    )
    if (config.secretKey !== undefined) {
      return { current: yield* parse(Redacted.value(config.secretKey), "WEFT_SECRET_KEY"), previous }
    }
    if (isPostgres(config.database)) {
      return yield* new SecretKeyUnavailable({
        message: "WEFT_SECRET_KEY is required with a PostgreSQL database (every replica needs the same key); " +
          "make one with: openssl rand -base64 32"
      })
    }
    if (config.database === ":memory:") return { current: yield* parse(SecretBox.generateKey(), "key"), previous }
    return { current: yield* keyFile(keyFileOf(config.database)), previous }
  })

/** The SecretBox over the keys `settings` name; the server does not start without one. */
export const layer = (settings: KeySettings): Layer.Layer<SecretBox.SecretBox, SecretKeyUnavailable> =>
  Layer.unwrapEffect(Effect.map(keysOf(settings), SecretBox.layer))
