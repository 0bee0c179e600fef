import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { WeftApi } from "@weft/api"
import { Migrations, Unavailable } from "@weft/resource"
import { Cause, Duration, Effect } from "effect"
import * as Database from "../Database.js"
import * as Metrics from "../Metrics.js"

/** How long readiness waits for the database before calling it unavailable. */
const readinessTimeout = Duration.seconds(2)

/** Ready when the database answers and has every migration the server needs. */
const ready = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const missing = yield* Migrations.pending(Database.migrations).pipe(
    Effect.timeoutFail({
      duration: readinessTimeout,
      onTimeout: () => new Unavailable({ message: "the database did not answer within 2 s" })
    }),
    Effect.catchTag("SqlError", (error) =>
      Effect.fail(new Unavailable({ message: `the database does not answer: ${Cause.pretty(Cause.fail(error)).split("\n")[0]}` }))),
    Effect.provideService(SqlClient.SqlClient, sql)
  )
  if (missing.length > 0) {
    return yield* new Unavailable({ message: `migrations not applied yet: ${missing.join(", ")}` })
  }
  return { status: "ready" as const }
})

export const SystemLive = HttpApiBuilder.group(WeftApi, "system", (handlers) =>
  handlers
    .handle("health", () => Effect.succeed({ status: "ok" as const }))
    .handle("ready", () => ready)
    .handle("metrics", () =>
      Effect.map(Metrics.scrape, (text) =>
        HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" }))))
