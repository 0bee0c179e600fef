import { HttpApiBuilder } from "@effect/platform"
import { WeftApi } from "@weft/api"
import { Environments } from "@weft/environment"
import { Effect } from "effect"
import { applied, created, listed, withETag } from "./respond.js"

export const EnvironmentsLive = HttpApiBuilder.group(WeftApi, "environments", (handlers) =>
  Effect.gen(function*() {
    const environments = yield* Environments
    return handlers
      .handle("create", ({ payload }) => created(environments.create(payload)))
      .handle("apply", ({ payload }) => applied(environments.apply(payload)))
      .handle("list", ({ urlParams }) => listed(environments.list(urlParams)))
      .handle("getBySlug", ({ path, urlParams }) => withETag(environments.getBySlug(path.slug, urlParams.org)))
      .handle("get", ({ path }) => withETag(environments.get(path.id)))
      .handle("update", ({ headers, path, payload }) =>
        withETag(environments.update(path.id, payload, headers["if-match"])))
      .handle("delete", ({ headers, path }) => withETag(environments.delete(path.id, headers["if-match"])))
  }))
