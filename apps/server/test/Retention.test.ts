/**
 * `WEFT_RETENTION`: read as a period (`30d`, `12h`, `90m`, `45s`), unset keeps executions
 * forever, and anything else stops the server at start with a message naming it. The
 * server runs the sweep: an ended run older than the period is deleted, and the feed says
 * so. What the sweep deletes is tested in detail with the service (`@weft/workflowexecution`).
 */
import { assert, describe, it } from "@effect/vitest"
import { TestDatabase } from "@weft/resource"
import { ServerProcess as Proc } from "@weft/testing"
import { ConfigProvider, Duration, Effect, Either } from "effect"
import * as ServerConfig from "../src/ServerConfig.js"
import * as Sse from "./support/Sse.js"
import * as TestServer from "./support/TestServer.js"

const retentionOf = (value: string | undefined) =>
  Effect.withConfigProvider(
    Effect.map(ServerConfig.fromEnv, (config) => config.retention),
    ConfigProvider.fromMap(new Map(value === undefined ? [] : [["WEFT_RETENTION", value]]))
  )

describe("WEFT_RETENTION", () => {
  it.effect("a number of days, hours, minutes or seconds; unset keeps executions forever", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* retentionOf(undefined))
      const read = (value: string) => Effect.map(retentionOf(value), (d) => Duration.toMillis(d!))
      assert.strictEqual(yield* read("30d"), Duration.toMillis(Duration.days(30)))
      assert.strictEqual(yield* read("12h"), Duration.toMillis(Duration.hours(12)))
      assert.strictEqual(yield* read("90m"), Duration.toMillis(Duration.minutes(90)))
      assert.strictEqual(yield* read("45s"), 45_000)
      assert.strictEqual(yield* read(" 7d "), Duration.toMillis(Duration.days(7)))
    }))

  it.effect("anything else is refused, naming the variable and the value", () =>
    Effect.gen(function*() {
      for (const value of ["", "30", "0d", "-1d", "1.5h", "1w", "30 d", "30D", "d", "12h30m"]) {
        const read = yield* Effect.either(retentionOf(value))
        assert.isTrue(Either.isLeft(read), value)
        if (Either.isLeft(read)) {
          assert.include(String(read.left), `Invalid data at WEFT_RETENTION: "must be a retention period such as 30d`)
          assert.include(String(read.left), `got ${value}"`)
        }
      }
    }))

  it.live("a bad value stops the server at start with that message", () =>
    Effect.gen(function*() {
      const proc = yield* Proc.spawnServer({ env: { WEFT_DB: ":memory:", WEFT_PORT: "0", WEFT_RETENTION: "1w" } })
      const exit = yield* proc.waitExit("60 seconds")
      assert.strictEqual(exit.code, 1, proc.stderr())
      assert.include(
        proc.stderr(),
        `weft: cannot start: (Invalid data at WEFT_RETENTION: "must be a retention period such as 30d, 12h, 90m or 45s`
      )
      assert.include(proc.stderr(), `got 1w"`)
      assert.notInclude(proc.stdout(), "weft listening")
    }).pipe(Effect.scoped), 90_000)
})

describe.each(TestDatabase.backends)("retention in the server on %s", (backend) => {
  const server = TestServer.withServerOn(backend, { retention: Duration.seconds(1), retentionEvery: Duration.millis(200) })
  const ok = TestServer.expectStatus

  it.live("an ended run is deleted once older than WEFT_RETENTION: the feed says deleted, GET is 404; a running one stays", () =>
    server(Effect.gen(function*() {
      const feed = yield* Sse.open(`${yield* TestServer.baseUrl}/v1/workflow-executions/watch`)
      assert.strictEqual((yield* feed.next())?._tag, "Comment")
      const workflow = ok(yield* TestServer.request("POST", "/v1/workflows", {
        metadata: { name: "wf", ownerScope: "organization", org: "acme" },
        spec: {
          document: { dsl: "1.0.0", namespace: "ns", name: "wf", version: "1.0.0" },
          tasks: [{ name: "a", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: {} } }]
        }
      }), 201)
      const start = () =>
        Effect.map(
          TestServer.request("POST", "/v1/workflow-executions", {
            metadata: { ownerScope: "organization", org: "acme" },
            spec: { workflowId: workflow.metadata.id }
          }),
          (res) => ok(res, 201).metadata.id as string
        )
      const ended = yield* start()
      const running = yield* start()
      ok(yield* TestServer.request("PATCH", `/v1/workflow-executions/${running}/status`, { phase: "EXECUTION_IN_PROGRESS" }), 200)
      ok(yield* TestServer.request("PATCH", `/v1/workflow-executions/${ended}/status`, { phase: "EXECUTION_COMPLETED" }), 200)

      const events: Array<string> = []
      for (;;) {
        const event = yield* feed.nextEvent("20 seconds")
        assert.isDefined(event, "the feed ended")
        const data = JSON.parse(event!.data)
        events.push(`${event!.event} ${data.metadata.id === ended ? "ended" : "running"}`)
        if (event!.event === "deleted") break
      }
      assert.deepStrictEqual(events, [
        "execution ended",
        "execution running",
        "execution running",
        "execution ended",
        "deleted ended"
      ])
      TestServer.assertError(yield* TestServer.request("GET", `/v1/workflow-executions/${ended}`), 404, "NOT_FOUND")
      ok(yield* TestServer.request("GET", `/v1/workflow-executions/${running}`), 200)
    }).pipe(Effect.scoped)), 60_000)
})
