/**
 * A service call's spans sit under the caller's: a create over HTTP gives one tree from
 * the server's request span through the pipeline and its steps down to the SQL
 * statements, recorded here by an in-memory tracer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Tracer } from "effect"
import * as Spans from "./support/Spans.js"
import * as TestServer from "./support/TestServer.js"

interface Recorded {
  readonly name: string
  readonly spanId: string
  readonly parentId: string | undefined
}

/** A tracer that keeps every span's name and parent. */
const recordingTracer = () => {
  const spans: Array<Recorded> = []
  let next = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const spanId = `span-${++next}`
      spans.push({ name, spanId, parentId: Option.getOrUndefined(Option.map(parent, (p) => p.spanId)) })
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId,
        traceId: Option.match(parent, { onNone: () => `trace-${spanId}`, onSome: (p) => p.traceId }),
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => {},
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

const workflowBody = {
  metadata: { name: "Traced", org: "acme", ownerScope: "organization" },
  spec: {
    document: { dsl: "1.0.0", namespace: "acme", name: "traced", version: "1.0.0" },
    tasks: [{ name: "only", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { a: 1 } } }]
  }
}

describe("tracing", () => {
  it.effect("a create over HTTP: request span → pipeline → step spans → SQL spans, one tree", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const created = yield* TestServer.request("POST", "/v1/workflows", workflowBody).pipe(
        Effect.provide(TestServer.make().pipe(Layer.provide(Layer.setTracer(tracer))))
      )
      assert.strictEqual(created.status, 201, JSON.stringify(created.body))

      const ancestors = (span: Recorded) => Spans.ancestors(spans, span)
      const request = spans.find((s) => s.name === "http.server POST")
      assert.isDefined(request, spans.map((s) => s.name).join(", "))

      const pipeline = spans.find((s) => s.name === "Workflows.create")!
      assert.isDefined(pipeline)
      assert.include(ancestors(pipeline), "http.server POST")

      const steps = spans.filter((s) => s.name.startsWith("Workflows.create/"))
      assert.includeMembers(steps.map((s) => s.name), [
        "Workflows.create/CheckDuplicate",
        "Workflows.create/BuildNewState",
        "Workflows.create/EnsureDefaultInstance",
        "Workflows.create/Persist"
      ])
      for (const step of steps) assert.strictEqual(step.parentId, pipeline.spanId, step.name)

      // The default instance's own pipeline runs inside the step that asked for it.
      const instancePipeline = spans.find((s) => s.name === "WorkflowInstances.create")!
      assert.isDefined(instancePipeline)
      assert.include(ancestors(instancePipeline), "Workflows.create/EnsureDefaultInstance")

      // Store calls and their SQL statements under the steps, under the request.
      const insert = spans.find((s) => s.name === "ResourceStore.insert" && ancestors(s).includes("Workflows.create/Persist"))
      assert.isDefined(insert)
      const statements = spans.filter((s) => s.name === "sql.execute" && s.parentId === insert!.spanId)
      assert.isAbove(statements.length, 0)
      for (const statement of statements) {
        assert.includeMembers(ancestors(statement), [
          "ResourceStore.insert",
          "Workflows.create/Persist",
          "Workflows.create",
          "http.server POST"
        ])
      }
      // No statement of the request is left without a parent.
      const rootless = spans.filter((s) => s.name === "sql.execute" && s.parentId === undefined)
      const duringRequest = rootless.filter((s) => Number(s.spanId.slice(5)) > Number(request!.spanId.slice(5)))
      assert.deepStrictEqual(duringRequest, [])
    }))
})
