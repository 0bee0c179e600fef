import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { ApiDocs } from "@weft/resource"
import { Schema } from "effect"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

/** Liveness of the server itself. Open: it declares no access. */
export class SystemApi extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health").addSuccess(Health).pipe(
      ApiDocs.document({
        summary: "Check the server is up",
        description: "Answers `{\"status\": \"ok\"}` while the server serves requests. Needs no token."
      })
    )
  )
{}
