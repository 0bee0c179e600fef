/**
 * What the Workflow kind needs from the WorkflowInstance kind, declared here so that
 * this package does not depend on the one above it. `@weft/workflowinstance` provides
 * the Layer; an app wires the two.
 */
import type { AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied } from "@weft/resource"
import { Context, type Effect } from "effect"
import type { Workflow } from "./Workflow.js"

export interface DefaultInstanceProvisionerShape {
  /**
   * The workflow's default instance: the one `status.defaultInstanceId` names while it
   * exists; otherwise `<workflow slug>-default`, created through the instance create
   * pipeline and recorded on the workflow. A stored workflow is updated (a status change:
   * version +1); one not stored yet (being created) comes back with the id set, for its
   * caller to store. Answers the instance's id and the workflow as it now is; runs in the
   * caller's transaction.
   */
  readonly ensureDefault: (
    workflow: Workflow
  ) => Effect.Effect<
    { readonly instanceId: string; readonly workflow: Workflow },
    InvalidArgument | NotFound | AlreadyExists | PermissionDenied
  >
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
