import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Access, ApiDocs, Unavailable } from "@weft/resource"
import { Schema } from "effect"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const Readiness = Schema.Struct({ status: Schema.Literal("ready") })

/** The Prometheus text format. */
export const MetricsText = Schema.String.pipe(
  HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/plain; version=0.0.4; charset=utf-8" })
)

/**
 * The server itself: liveness and readiness (open: they declare no access) and metrics
 * (anyone who may read runs).
 */
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
  .add(
    HttpApiEndpoint.get("metrics", "/metrics").addSuccess(MetricsText).pipe(
      ApiDocs.document({
        summary: "Read the server's metrics",
        description: "The Prometheus text format: requests by route and status with latency histograms, " +
          "executions by phase, task durations by kind, the engine's backlog and active runs, watchers and " +
          "feed clients. The metric names are listed in the README."
      }),
      Access.read
    )
  )
{}
