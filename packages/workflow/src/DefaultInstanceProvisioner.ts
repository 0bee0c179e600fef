/**
 * What the Workflow kind needs from the WorkflowInstance kind, declared here so that
 * this package does not depend on the one above it. `@weft/workflowinstance` provides
 * the Layer; an app wires the two.
 */
import type { AlreadyExists, FailedPrecondition, InvalidArgument, NotFound } from "@weft/resource"
import { Context, type Effect } from "effect"
import type { Workflow } from "./Workflow.js"

export interface DefaultInstanceProvisionerShape {
  /**
   * Creates the default instance `<workflow slug>-default` of `workflow` (which may not
   * be stored yet) through the instance create pipeline; answers its id.
   */
  readonly provision: (
    workflow: Workflow
  ) => Effect.Effect<string, InvalidArgument | NotFound | AlreadyExists>
  /**
   * Before `workflow` is deleted: fails with FAILED_PRECONDITION while instances other
   * than its default exist, else deletes the default instance.
   */
  readonly release: (workflow: Workflow) => Effect.Effect<void, FailedPrecondition>
}

export class DefaultInstanceProvisioner extends Context.Tag("@weft/workflow/DefaultInstanceProvisioner")<
  DefaultInstanceProvisioner,
  DefaultInstanceProvisionerShape
>() {}
