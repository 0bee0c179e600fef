/**
 * The engine's configuration: whether weft runs its executions itself
 * (`WEFT_RUNNER=embedded`, the default) or leaves them PENDING for an external runner
 * (`none`), the most task steps a run may take (`WEFT_MAX_TASK_STEPS`), and this
 * server's name among the replicas sharing a PostgreSQL database (`WEFT_RUNNER_ADDRESS`).
 */
import { Config, ConfigError, Context, Duration, Effect, Either, Layer, Option } from "effect"
import * as os from "node:os"

export type RunnerMode = "embedded" | "none"

/**
 * A replica's name in the cluster of runners (`host:port`). It is an identity, never
 * dialled: runners talk through the database only. It must be unique among the servers
 * of one database and stay the same when a replica restarts.
 */
export interface RunnerAddress {
  readonly host: string
  readonly port: number
}

export interface EngineConfigShape {
  readonly runner: RunnerMode
  /** Every task run (at any depth) is a step; a run past this many fails (type `limit`). */
  readonly maxTaskSteps: number
  /**
   * How often the durable runtime looks for due timers and messages it has not been
   * told about (a timer is also woken exactly at its time by the process that set it).
   */
  readonly pollInterval: Duration.Duration
  /** This replica's name among the runners of a PostgreSQL database (unused on SQLite: one server per file). */
  readonly runnerAddress: RunnerAddress
}

export class EngineConfig extends Context.Tag("@weft/engine/EngineConfig")<EngineConfig, EngineConfigShape>() {}

/** The name of the one runner of a SQLite database. */
export const singleRunnerAddress: RunnerAddress = { host: "localhost", port: 34431 }

export const defaults: EngineConfigShape = {
  runner: "embedded",
  maxTaskSteps: 10_000,
  pollInterval: Duration.seconds(2),
  runnerAddress: singleRunnerAddress
}

/** Parses `host:port` (the port a non-negative integer); `undefined` when it is not that. */
export const parseRunnerAddress = (text: string): RunnerAddress | undefined => {
  const match = /^(.+):(\d{1,9})$/.exec(text.trim())
  return match === null ? undefined : { host: match[1], port: Number(match[2]) }
}

/**
 * `WEFT_RUNNER_ADDRESS` (`host:port`), by default this machine's host name and the
 * server's `WEFT_PORT` (with `WEFT_PORT=0`, the process id stands for the port: unique
 * on the machine, though not stable across restarts).
 */
const runnerAddress: Config.Config<RunnerAddress> = Config.option(Config.string("WEFT_RUNNER_ADDRESS")).pipe(
  Config.mapOrFail((text) => {
    if (Option.isNone(text)) return Either.right(undefined)
    const address = parseRunnerAddress(text.value)
    return address === undefined
      ? Either.left(ConfigError.InvalidData(["WEFT_RUNNER_ADDRESS"], "must be host:port"))
      : Either.right(address)
  }),
  Config.zipWith(Config.integer("WEFT_PORT").pipe(Config.withDefault(8080)), (address, port) =>
    address ?? { host: os.hostname(), port: port === 0 ? process.pid : port })
)

export const fromEnv: Config.Config<EngineConfigShape> = Config.all({
  runner: Config.literal("embedded", "none")("WEFT_RUNNER").pipe(Config.withDefault("embedded" as const)),
  maxTaskSteps: Config.integer("WEFT_MAX_TASK_STEPS").pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(defaults.maxTaskSteps)
  ),
  pollInterval: Config.succeed(defaults.pollInterval),
  runnerAddress
})

export const layer = (config: Partial<EngineConfigShape> = {}) =>
  Layer.succeed(EngineConfig, { ...defaults, ...config })

export const layerEnv = Layer.effect(EngineConfig, Effect.orDie(fromEnv))
