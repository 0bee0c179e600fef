/**
 * Secret values of a workflow's `envSpec` and of an execution's `runtimeEnv`, end to end
 * against the server as a process (engine on, request log on, a SQLite file): no answer
 * of any route, no watch or feed event, no error, no log line and no byte of the
 * database file or its WAL carries them, while the run still uses them.
 */
import { assert, describe, it } from "@effect/vitest"
import { ServerProcess as Proc } from "@weft/testing"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Sse from "./support/Sse.js"

const apiKey = "wf-api-key-3e71c9-on-no-wire"
const token = "rt-token-80d5b2-on-no-wire"
const secrets = [apiKey, token]

const workflow = {
  metadata: { name: "uses-secrets", org: "acme", ownerScope: "organization" },
  spec: {
    document: { dsl: "1.0.0", namespace: "acme", name: "uses-secrets", version: "1.0.0" },
    tasks: [{
      name: "use",
      kind: "WORKFLOW_TASK_KIND_SET",
      taskConfig: { variables: { header: "${ \"Bearer \" + $env.API_KEY }", token: "${ $env.TOKEN }", region: "${ $env.REGION }" } }
    }],
    envSpec: { data: { API_KEY: { value: apiKey, isSecret: true }, REGION: { value: "eu" } } }
  }
}

const execution = (workflowId: string) => ({
  metadata: { name: "run-1", org: "acme", ownerScope: "organization" },
  spec: { workflowId, runtimeEnv: { TOKEN: { value: token, isSecret: true } } }
})

/** The database file and its WAL, as text: what the disk holds. */
const diskText = (file: string) =>
  [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString("latin1")).join("")

describe("secret values of envSpec and runtimeEnv", () => {
  it.scoped("never leave the server: answers, streams, errors, the request log and the disk hold none", () =>
    Effect.gen(function*() {
      const dir = yield* Proc.tempDir
      const server = yield* Proc.startFresh({ dir, env: { WEFT_RUNNER: "embedded", WEFT_LOG_REQUESTS: "true" } })
      const seen: Array<string> = []
      const call = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
        Effect.map(
          Proc.get(`${server.url}${route}`, {
            method,
            headers: { "content-type": "application/json", ...headers },
            ...(body === undefined ? {} : { body: JSON.stringify(body) })
          }),
          (reply) => {
            seen.push(`${method} ${route} → ${reply.status} ${reply.body}`)
            return { status: reply.status, body: reply.body === "" ? undefined : JSON.parse(reply.body) }
          }
        )
      const expect = (reply: { status: number; body: any }, status: number) => {
        assert.strictEqual(reply.status, status, JSON.stringify(reply.body))
        return reply.body
      }

      // Workflows: every route, and the errors.
      const created = expect(yield* call("POST", "/v1/workflows", workflow), 201)
      assert.deepStrictEqual(created.spec.envSpec.data, { API_KEY: { isSecret: true }, REGION: { value: "eu" } })
      const workflowId = created.metadata.id
      expect(yield* call("GET", `/v1/workflows/${workflowId}`), 200)
      expect(yield* call("GET", "/v1/workflows/by-slug/uses-secrets?org=acme"), 200)
      expect(yield* call("GET", "/v1/workflows?org=acme"), 200)
      // The document read back, applied again: unchanged, the secret kept.
      assert.strictEqual(expect(yield* call("POST", "/v1/workflows/apply", created), 200).metadata.version, 1)
      assert.strictEqual(expect(yield* call("PUT", `/v1/workflows/${workflowId}`, workflow), 200).metadata.version, 1)
      expect(yield* call("POST", "/v1/workflows", workflow), 409)
      const malformed = {
        ...workflow,
        metadata: { ...workflow.metadata, name: "malformed" },
        spec: { ...workflow.spec, envSpec: { data: { API_KEY: { value: apiKey, isSecret: "yes" } } } }
      }
      assert.include(expect(yield* call("POST", "/v1/workflows", malformed), 400).message, "spec.envSpec.data.API_KEY.isSecret")
      // A secret of the wrong type: the message names it and does not quote it.
      const wrongType = {
        ...malformed,
        spec: { ...workflow.spec, envSpec: { data: { API_KEY: { value: { key: apiKey }, isSecret: true } } } }
      }
      assert.include(expect(yield* call("POST", "/v1/workflows", wrongType), 400).message, "spec.envSpec.data.API_KEY.value")

      // Executions: an idempotent start and its replay, the run, every read, the errors.
      const feed = yield* Sse.open(`${server.url}/v1/workflow-executions/watch`)
      const started = expect(yield* call("POST", "/v1/workflow-executions", execution(workflowId), { "idempotency-key": "k-1" }), 201)
      assert.deepStrictEqual(started.spec.runtimeEnv, { TOKEN: { isSecret: true } })
      const id = started.metadata.id
      expect(yield* call("POST", "/v1/workflow-executions", execution(workflowId), { "idempotency-key": "k-1" }), 200)
      const watched = yield* Sse.readAll(`${server.url}/v1/workflow-executions/${id}/watch`)
      const events = watched.flatMap((frame) => frame._tag === "Event" ? [frame] : [])
      const ended = JSON.parse(events.at(-1)!.data)
      assert.strictEqual(ended.status.phase, "EXECUTION_COMPLETED", ended.status.error)
      // The run used both secrets; what it reported shows neither.
      assert.deepStrictEqual(ended.status.output, { header: "Bearer [secret]", token: "[secret]", region: "eu" })
      seen.push(...events.map((event) => event.data))
      const fed: Array<Sse.Event> = []
      while (!fed.some((event) => JSON.parse(event.data).status?.phase === "EXECUTION_COMPLETED")) {
        const event = yield* feed.nextEvent("30 seconds")
        assert.isDefined(event)
        fed.push(event!)
      }
      seen.push(...fed.map((event) => event.data))
      const resumed = yield* Sse.open(`${server.url}/v1/workflow-executions/watch`, { "last-event-id": "0" })
      const replayed = yield* resumed.nextEvent()
      seen.push(replayed!.data)
      assert.strictEqual(JSON.parse(replayed!.data).metadata.id, id)

      const got = expect(yield* call("GET", `/v1/workflow-executions/${id}`), 200)
      expect(yield* call("GET", "/v1/workflow-executions/by-slug/run-1?org=acme"), 200)
      expect(yield* call("GET", `/v1/workflow-executions?workflowId=${workflowId}`), 200)
      assert.strictEqual(expect(yield* call("PUT", `/v1/workflow-executions/${id}`, got), 200).metadata.version, got.metadata.version)
      expect(yield* call("POST", "/v1/workflow-executions", execution(workflowId)), 409)
      expect(yield* call("POST", `/v1/workflow-executions/${id}/cancel`), 409)
      expect(yield* call("PATCH", `/v1/workflow-executions/${id}/status`, { phase: "EXECUTION_IN_PROGRESS" }), 409)
      const badEnv = { ...execution(workflowId), spec: { workflowId, runtimeEnv: { TOKEN: { value: token, isSecret: "yes" } } } }
      assert.include(expect(yield* call("POST", "/v1/workflow-executions", badEnv), 400).message, "spec.runtimeEnv.TOKEN.isSecret")
      const listed = { ...execution(workflowId), spec: { workflowId, runtimeEnv: { TOKEN: { value: [token], isSecret: true } } } }
      assert.include(expect(yield* call("POST", "/v1/workflow-executions", listed), 400).message, "spec.runtimeEnv.TOKEN.value")
      // What is at rest, while the server still runs (the WAL not yet checkpointed).
      const disk = diskText(path.join(dir, "weft.db"))
      assert.include(disk, "weft:v1:")
      expect(yield* call("DELETE", `/v1/workflow-executions/${id}`), 200)
      expect(yield* call("DELETE", `/v1/workflows/${workflowId}`), 200)

      assert.include(server.output(), "\"path\":\"/v1/workflow-executions\"", "requests are logged")
      for (const secret of secrets) {
        for (const text of seen) assert.notInclude(text, secret)
        assert.notInclude(server.output(), secret)
        assert.notInclude(disk, secret)
        assert.notInclude(diskText(path.join(dir, "weft.db")), secret)
      }
    }), 180_000)
})
