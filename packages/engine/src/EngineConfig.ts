/**
 * The engine's configuration: whether weft runs its executions itself
 * (`WEFT_RUNNER=embedded`, the default) or leaves them PENDING for an external runner
 * (`none`), and the most task steps a run may take (`WEFT_MAX_TASK_STEPS`).
 */
import { Config, Context, Duration, Effect, Layer } from "effect"

export type RunnerMode = "embedded" | "none"

export interface EngineConfigShape {
  readonly runner: RunnerMode
  /** Every task run (at any depth) is a step; a run past this many fails (type `limit`). */
  readonly maxTaskSteps: number
  /**
   * How often the durable runtime looks for due timers and messages it has not been
   * told about (a timer is also woken exactly at its time by the process that set it).
   */
  readonly pollInterval: Duration.Duration
}

export class EngineConfig extends Context.Tag("@weft/engine/EngineConfig")<EngineConfig, EngineConfigShape>() {}

export const defaults: EngineConfigShape = {
  runner: "embedded",
  maxTaskSteps: 10_000,
  pollInterval: Duration.seconds(2)
}

export const fromEnv: Config.Config<EngineConfigShape> = Config.all({
  runner: Config.literal("embedded", "none")("WEFT_RUNNER").pipe(Config.withDefault("embedded" as const)),
  maxTaskSteps: Config.integer("WEFT_MAX_TASK_STEPS").pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(defaults.maxTaskSteps)
  ),
  pollInterval: Config.succeed(defaults.pollInterval)
})

export const layer = (config: Partial<EngineConfigShape> = {}) =>
  Layer.succeed(EngineConfig, { ...defaults, ...config })

export const layerEnv = Layer.effect(EngineConfig, Effect.orDie(fromEnv))
