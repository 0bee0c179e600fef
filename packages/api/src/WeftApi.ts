/**
 * The whole HTTP surface of weft as one HttpApi: the server implements it, the client
 * is derived from it, and `/openapi.json` is generated from it.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import {
  Internal,
  InvalidArgument,
  NotFound,
  PayloadTooLarge,
  PermissionDenied,
  Unauthenticated,
  Unavailable
} from "@weft/resource"
import { EnvironmentApi } from "@weft/environment"
import { WorkflowApi } from "@weft/workflow"
import { WorkflowExecutionApi } from "@weft/workflowexecution"
import { WorkflowInstanceApi } from "@weft/workflowinstance"
import { SystemApi } from "./SystemApi.js"

export class WeftApi extends HttpApi.make("weft")
  .add(SystemApi)
  .add(WorkflowApi)
  .add(WorkflowInstanceApi)
  .add(WorkflowExecutionApi)
  .add(EnvironmentApi)
  .addError(InvalidArgument)
  .addError(Unauthenticated)
  .addError(PermissionDenied)
  .addError(NotFound)
  .addError(PayloadTooLarge)
  .addError(Internal)
  .addError(Unavailable)
  .annotateContext(OpenApi.annotations({
    title: "weft",
    version: "1.0.0",
    description: "Control plane for workflow runs: Workflows, WorkflowInstances, WorkflowExecutions and Environments."
  }))
{}
