import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { ApiDocs, Unavailable } from "@weft/resource"
import { Schema } from "effect"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const Readiness = Schema.Struct({ status: Schema.Literal("ready") })

/** Liveness and readiness of the server itself. Open: they declare no access. */
export class SystemApi extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health").addSuccess(Health).pipe(
      ApiDocs.document({
        summary: "Check the server is up",
        description: "Answers `{\"status\": \"ok\"}` while the server serves requests. Needs no token."
      })
    )
  )
  .add(
    HttpApiEndpoint.get("ready", "/ready").addSuccess(Readiness).addError(Unavailable).pipe(
      ApiDocs.document({
        summary: "Check the server can serve requests",
        description: "Answers `{\"status\": \"ready\"}` when the database answers and every migration " +
          "this server needs is applied; otherwise 503 `UNAVAILABLE` saying which is missing. Needs no token. " +
          "A load balancer sends traffic to a replica only while it is ready."
      })
    )
  )
{}
