import { HttpApiBuilder } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { WorkflowInstances } from "@weft/workflowinstance"
import { Effect } from "effect"
import { applied, created, listed, withETag } from "./respond.js"

export const WorkflowInstancesLive = HttpApiBuilder.group(WeftApi, "workflowInstances", (handlers) =>
  Effect.gen(function*() {
    const instances = yield* WorkflowInstances
    return handlers
      .handle("create", ({ payload }) => created(instances.create(payload)))
      .handle("apply", ({ payload }) => applied(instances.apply(payload)))
      .handle("list", ({ urlParams }) => listed(instances.list(urlParams)))
      .handle("getBySlug", ({ path, urlParams }) => withETag(instances.getBySlug(path.slug, urlParams.org)))
      .handle("get", ({ path }) => withETag(instances.get(path.id)))
      .handle("update", ({ headers, path, payload }) => withETag(instances.update(path.id, payload, headers["if-match"])))
      .handle("delete", ({ headers, path }) => withETag(instances.delete(path.id, headers["if-match"])))
  }))
