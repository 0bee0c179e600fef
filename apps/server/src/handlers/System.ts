import { HttpApiBuilder } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { Effect } from "effect"

export const SystemLive = HttpApiBuilder.group(WeftApi, "system", (handlers) =>
  handlers.handle("health", () => Effect.succeed({ status: "ok" as const })))
