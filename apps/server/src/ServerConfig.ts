/**
 * The server's configuration, read from the environment.
 */
import { EngineConfig } from "@weft/engine"
import { ExecutionRetention } from "@weft/workflowexecution"
import { Config, ConfigError, Context, type Duration, Effect, Either, Layer, Option, type Redacted } from "effect"

export interface ServerConfigShape {
  readonly host: string
  readonly port: number
  /** SQLite file, or `:memory:`. */
  readonly database: string
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number
  /** How long shutdown waits for in-flight requests before closing anyway. */
  readonly shutdownGraceMillis: number
  /** One JSON log line per request. */
  readonly logRequests: boolean
  /** How long a client may take to send a whole request (a slow body is cut off). */
  readonly requestTimeoutMillis: number
  /** Most concurrent watch streams; past it a watch is 503 UNAVAILABLE. */
  readonly maxWatchers: number
  /** Whether the server runs executions (`WEFT_RUNNER`), and the engine's limits. */
  readonly engine: EngineConfig.EngineConfigShape
  /** The key secret values are sealed with (`WEFT_SECRET_KEY`, base64 of 32 bytes); see `SecretKeys`. */
  readonly secretKey?: Redacted.Redacted<string> | undefined
  /** Older keys that still open what they sealed (`WEFT_SECRET_KEY_PREVIOUS`, comma-separated). */
  readonly secretKeyPrevious?: Redacted.Redacted<string> | undefined
  /**
   * How long executions that ended are kept (`WEFT_RETENTION`: `30d`, `12h`, `90m`);
   * `undefined`, the default, keeps them forever.
   */
  readonly retention?: Duration.Duration | undefined
  /** How often the retention sweep runs (every minute; not read from the environment). */
  readonly retentionEvery?: Duration.Duration | undefined
}

export class ServerConfig extends Context.Tag("@weft/server/ServerConfig")<ServerConfig, ServerConfigShape>() {}

/** `WEFT_RETENTION`: a period (`30d`, `12h`, `90m`, `45s`), or unset; anything else refuses to start. */
const retention: Config.Config<Duration.Duration | undefined> = Config.option(Config.string("WEFT_RETENTION")).pipe(
  Config.mapOrFail((text) =>
    Option.match(text, {
      onNone: () => Either.right(undefined),
      onSome: (value) =>
        Either.fromOption(ExecutionRetention.parse(value), () =>
          ConfigError.InvalidData(
            ["WEFT_RETENTION"],
            `must be a retention period such as 30d, 12h, 90m or 45s (a positive whole number of d, h, m or s), got ${value}`
          ))
    })
  )
)

export const fromEnv = Config.all({
  host: Config.string("WEFT_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("WEFT_PORT").pipe(Config.withDefault(8080)),
  database: Config.string("WEFT_DB").pipe(Config.withDefault("./data/weft.db")),
  maxBodyBytes: Config.integer("WEFT_MAX_BODY_BYTES").pipe(Config.withDefault(1024 * 1024)),
  shutdownGraceMillis: Config.integer("WEFT_SHUTDOWN_GRACE_MS").pipe(Config.withDefault(10_000)),
  logRequests: Config.boolean("WEFT_LOG_REQUESTS").pipe(Config.withDefault(true)),
  requestTimeoutMillis: Config.integer("WEFT_REQUEST_TIMEOUT_MS").pipe(Config.withDefault(30_000)),
  maxWatchers: Config.integer("WEFT_MAX_WATCHERS").pipe(Config.withDefault(10_000)),
  engine: EngineConfig.fromEnv,
  secretKey: Config.option(Config.redacted("WEFT_SECRET_KEY")).pipe(Config.map(Option.getOrUndefined)),
  secretKeyPrevious: Config.option(Config.redacted("WEFT_SECRET_KEY_PREVIOUS")).pipe(Config.map(Option.getOrUndefined)),
  retention
})

export const layer = (config: ServerConfigShape) => Layer.succeed(ServerConfig, config)

export const layerEnv = Layer.effect(ServerConfig, Effect.orDie(fromEnv))

/**
 * Defaults for tests: in-memory database, ephemeral port, and no engine (tests of the
 * API play the runner themselves; engine tests turn it on).
 */
export const defaults: ServerConfigShape = {
  host: "127.0.0.1",
  port: 0,
  database: ":memory:",
  maxBodyBytes: 1024 * 1024,
  shutdownGraceMillis: 2_000,
  logRequests: false,
  requestTimeoutMillis: 30_000,
  maxWatchers: 10_000,
  engine: { ...EngineConfig.defaults, runner: "none" }
}
