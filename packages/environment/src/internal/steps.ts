/**
 * The Environment kind's own pipeline step: sealing secret values before anything is built.
 */
import { Pipeline } from "@weft/pipeline"
import { type SecretBox, SecretValues } from "@weft/resource"
import { Effect } from "effect"
import type { EnvironmentInput, StoredEnvironment } from "../Environment.js"

/** A request whose secret values are sealed, ready to be stored. */
export interface SealedRequest extends Omit<EnvironmentInput, "spec"> {
  readonly spec: StoredEnvironment["spec"]
}

interface SealContext {
  readonly request: EnvironmentInput
  readonly existing?: StoredEnvironment | undefined
}

/**
 * Seals each secret value of `spec.data`; a secret sent without a value keeps the one the
 * environment being updated has.
 */
export const SealSecrets: Pipeline.Step<SealContext, { request: SealedRequest }, never, SecretBox.SecretBox> = Pipeline.step(
  "SealSecrets",
  (ctx: SealContext) =>
    Effect.map(SecretValues.seal(ctx.request.spec.data, ctx.existing?.spec.data), (data): { request: SealedRequest } => ({
      request: { ...ctx.request, spec: data === undefined ? ctx.request.spec : { ...ctx.request.spec, data } }
    }))
)
