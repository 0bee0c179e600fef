/**
 * The Workflow kind's own pipeline steps.
 */
import { Pipeline } from "@weft/pipeline"
import { InvalidArgument, type Metadata } from "@weft/resource"
import { Effect } from "effect"
import { DefaultInstanceProvisioner } from "../DefaultInstanceProvisioner.js"
import { allowedOwnerScopes, type Workflow } from "../Workflow.js"

/** A Workflow is owned by the platform or an organization; the scope is required. */
export const ValidateOwnerScope = Pipeline.step(
  "ValidateOwnerScope",
  (ctx: { readonly request: { readonly metadata: Metadata.MetadataInput } }) => {
    const scope = ctx.request.metadata.ownerScope
    return scope !== undefined && (allowedOwnerScopes as ReadonlyArray<string>).includes(scope)
      ? Effect.succeed({})
      : Effect.fail(
        new InvalidArgument({
          message: `metadata.ownerScope: a Workflow must be owned by ${allowedOwnerScopes.join(" or ")}${
            scope === undefined || scope === "api_resource_owner_scope_unspecified" ? " (it is missing)" : `, not ${scope}`
          }`
        })
      )
  }
)

/**
 * Creates the default instance through the instance create pipeline and records it on
 * the workflow being built, before the workflow is persisted (so it is stored once, at
 * version 1, already pointing at its default instance).
 */
export const ProvisionDefaultInstance = Pipeline.step(
  "ProvisionDefaultInstance",
  (ctx: { readonly state: Workflow }) =>
    Effect.flatMap(DefaultInstanceProvisioner, (provisioner) => provisioner.provision(ctx.state)).pipe(
      Effect.map((defaultInstanceId) => ({
        state: { ...ctx.state, status: { ...ctx.state.status, defaultInstanceId } }
      }))
    )
)

/** Refuses to delete a workflow other instances still use; removes its default instance. */
export const ReleaseInstances = Pipeline.step(
  "ReleaseInstances",
  (ctx: { readonly existing: Workflow }) =>
    Effect.flatMap(DefaultInstanceProvisioner, (provisioner) => Effect.as(provisioner.release(ctx.existing), {}))
)
