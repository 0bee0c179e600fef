import { HttpApiBuilder } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { Workflows } from "@weft/workflow"
import { Effect } from "effect"
import { applied, created, listed, withETag } from "./respond.js"

export const WorkflowsLive = HttpApiBuilder.group(WeftApi, "workflows", (handlers) =>
  Effect.gen(function*() {
    const workflows = yield* Workflows
    return handlers
      .handle("create", ({ payload }) => created(workflows.create(payload)))
      .handle("apply", ({ payload }) => applied(workflows.apply(payload)))
      .handle("list", ({ urlParams }) => listed(workflows.list(urlParams)))
      .handle("getBySlug", ({ path, urlParams }) => withETag(workflows.getBySlug(path.slug, urlParams.org)))
      .handle("get", ({ path }) => withETag(workflows.get(path.id)))
      .handle("update", ({ headers, path, payload }) => withETag(workflows.update(path.id, payload, headers["if-match"])))
      .handle("delete", ({ headers, path }) => withETag(workflows.delete(path.id, headers["if-match"])))
  }))
