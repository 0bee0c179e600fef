/**
 * The Workflow kind's own pipeline steps.
 */
import { Pipeline, Steps } from "@weft/pipeline"
import { Effect } from "effect"
import { DefaultInstanceProvisioner } from "../DefaultInstanceProvisioner.js"
import { allowedOwnerScopes, type Workflow, type WorkflowInput } from "../Workflow.js"

/** A Workflow is owned by the platform or an organization; the scope is required. */
export const ValidateOwnerScope = Steps.ValidateOwnerScope("Workflow", allowedOwnerScopes)

/** Seals the secret values of `spec.envSpec.data`; one sent without a value keeps the stored one. */
export const SealEnvSpec: Steps.SealStep<WorkflowInput> = Steps.SealSecrets<WorkflowInput>({
  get: (spec) => spec.envSpec?.data,
  set: (spec, data) => ({ ...spec, envSpec: { ...spec.envSpec, data } })
})

/**
 * Creates the default instance through the instance create pipeline and records it on
 * the workflow being built, before the workflow is persisted (so it is stored once, at
 * version 1, already pointing at its default instance).
 */
export const EnsureDefaultInstance = Pipeline.step(
  "EnsureDefaultInstance",
  (ctx: { readonly state: Workflow }) =>
    Effect.flatMap(DefaultInstanceProvisioner, (provisioner) => provisioner.ensureDefault(ctx.state)).pipe(
      Effect.map(({ workflow }) => ({ state: workflow }))
    )
)

/** Refuses to delete a workflow other instances still use; removes its default instance. */
export const ReleaseInstances = Pipeline.step(
  "ReleaseInstances",
  (ctx: { readonly existing: Workflow }) =>
    Effect.flatMap(DefaultInstanceProvisioner, (provisioner) => Effect.as(provisioner.release(ctx.existing), {}))
)
