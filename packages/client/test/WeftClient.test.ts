/**
 * The client against a real server process (temporary SQLite file): typed calls, typed
 * errors, apply outcomes, ETags, the watch stream and the Promise facade.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Workflow } from "@weft/workflow"
import { Chunk, Deferred, Effect, Fiber, Layer, Stream } from "effect"
import { AlreadyExists, createWeftClient, InvalidArgument, NotFound, WatchEvent, WeftClient } from "../src/index.js"
import { ServerProcess } from "@weft/testing"

const ClientLive = Layer.unwrapEffect(
  Effect.map(ServerProcess.Server, (server) => WeftClient.layerFetch({ baseUrl: server.url }))
).pipe(Layer.provideMerge(ServerProcess.layer()))

let counter = 0
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`

const workflowInput = (name: string, description = "onboards a customer"): Workflow.WorkflowInput => ({
  metadata: { name, ownerScope: "organization", org: "acme" },
  spec: {
    description,
    document: { dsl: "1.0.0", namespace: "acme", name, version: "1.0.0" },
    tasks: [
      { name: "validate_email", kind: "WORKFLOW_TASK_KIND_SET", taskConfig: { variables: { email: "${ .email }" } } },
      { name: "send_welcome", kind: "WORKFLOW_TASK_KIND_HTTP_CALL", taskConfig: { method: "POST", endpoint: { uri: "https://mail.example/send" } } }
    ]
  }
})

const page = { pageSize: 50 }

layer(ClientLive, { timeout: "60 seconds" })("WeftClient", (it) => {
  it.effect("health", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      assert.deepStrictEqual(yield* weft.health(), { status: "ok" })
    }))

  it.effect("typed calls: create, get, getBySlug, list, update with If-Match, delete; ETag on answers", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const name = unique("typed")
      const [created, response] = yield* weft.workflows.create({ payload: workflowInput(name), withResponse: true })
      assert.strictEqual(response.status, 201)
      assert.strictEqual(WeftClient.etag(response), "\"1\"")
      assert.match(created.metadata.id, /^wfl-[0-9a-z]{26}$/)
      assert.strictEqual(created.metadata.slug, name)
      assert.isString(created.status.defaultInstanceId)

      const got = yield* weft.workflows.get({ path: { id: created.metadata.id } })
      assert.deepStrictEqual(got, created)
      const bySlug = yield* weft.workflows.getBySlug({ path: { slug: name }, urlParams: { org: "acme" } })
      assert.strictEqual(bySlug.metadata.id, created.metadata.id)
      const list = yield* weft.workflows.list({ urlParams: { ...page, org: "acme" } })
      assert.isTrue(list.entries.some((w) => w.metadata.id === created.metadata.id))

      const updated = yield* weft.workflows.update({
        path: { id: created.metadata.id },
        payload: workflowInput(name, "changed"),
        headers: { "if-match": WeftClient.ifMatch(created) }
      })
      assert.strictEqual(updated.metadata.version, 2)
      assert.strictEqual(updated.spec.description, "changed")

      // The default instance goes with the workflow.
      const deleted = yield* weft.workflows.delete({ path: { id: created.metadata.id }, headers: {} })
      assert.strictEqual(deleted.metadata.id, created.metadata.id)
      const gone = yield* Effect.flip(weft.workflows.get({ path: { id: created.metadata.id } }))
      assert.instanceOf(gone, NotFound)
    }))

  it.effect("typed errors: NotFound, InvalidArgument, AlreadyExists, Aborted carry code and message", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const notFound = yield* Effect.flip(weft.workflows.get({ path: { id: "wfl-01j0000000000000000000000z" } }))
      assert.instanceOf(notFound, NotFound)
      assert.strictEqual(notFound._tag, "NotFound")
      assert.strictEqual((notFound as NotFound).code, "NOT_FOUND")
      assert.strictEqual((notFound as NotFound).message, "Workflow not found: wfl-01j0000000000000000000000z")

      // catchTag works on the typed union
      const recovered = yield* weft.workflows.getBySlug({ path: { slug: "no-such-workflow" }, urlParams: {} }).pipe(
        Effect.as("found"),
        Effect.catchTag("NotFound", (e) => Effect.succeed(e.message))
      )
      assert.strictEqual(recovered, "Workflow not found: no-such-workflow")

      const name = unique("errors")
      const invalid = yield* Effect.flip(weft.workflows.create({
        payload: { ...workflowInput(name), metadata: { name } } // no ownerScope: a rule of the server
      }))
      assert.instanceOf(invalid, InvalidArgument)
      assert.strictEqual((invalid as InvalidArgument).code, "INVALID_ARGUMENT")
      assert.include((invalid as InvalidArgument).message, "ownerScope")

      yield* weft.workflows.create({ payload: workflowInput(name) })
      const duplicate = yield* Effect.flip(weft.workflows.create({ payload: workflowInput(name) }))
      assert.instanceOf(duplicate, AlreadyExists)
      assert.strictEqual((duplicate as AlreadyExists).code, "ALREADY_EXISTS")

      const wf = yield* weft.workflows.getBySlug({ path: { slug: name }, urlParams: { org: "acme" } })
      const aborted = yield* Effect.flip(weft.workflows.update({
        path: { id: wf.metadata.id },
        payload: workflowInput(name, "x"),
        headers: { "if-match": "\"99\"" }
      }))
      assert.strictEqual(aborted._tag, "Aborted")
    }))

  it.effect("applyWorkflow: created (201), unchanged, updated; applyWorkflowInstance", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const name = unique("apply")
      const first = yield* weft.applyWorkflow(workflowInput(name))
      assert.strictEqual(first.outcome, "created")
      assert.strictEqual(first.previousVersion, undefined)
      assert.strictEqual(first.resource.metadata.version, 1)

      const again = yield* weft.applyWorkflow(workflowInput(name))
      assert.strictEqual(again.outcome, "unchanged")
      assert.strictEqual(again.resource.metadata.id, first.resource.metadata.id)

      const changed = yield* weft.applyWorkflow(workflowInput(name, "now with a new description"))
      assert.strictEqual(changed.outcome, "updated")
      assert.strictEqual(changed.previousVersion, 1)
      assert.strictEqual(changed.resource.metadata.version, 2)

      // The derived method decodes both answers of apply too.
      const [raw, response] = yield* weft.workflows.apply({ payload: workflowInput(name, "raw"), withResponse: true })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(raw.spec.description, "raw")

      const instance = {
        metadata: { name: `${name}-inst`, ownerScope: "organization" as const, org: "acme" },
        spec: { workflowId: first.resource.metadata.id, description: "for acme" }
      }
      const i1 = yield* weft.applyWorkflowInstance(instance)
      assert.strictEqual(i1.outcome, "created")
      const i2 = yield* weft.applyWorkflowInstance(instance)
      assert.strictEqual(i2.outcome, "unchanged")
      const i3 = yield* weft.applyWorkflowInstance({ ...instance, spec: { ...instance.spec, description: "v2" } })
      assert.strictEqual(i3.outcome, "updated")

      const missing = yield* Effect.flip(weft.applyWorkflowInstance({
        ...instance,
        metadata: { ...instance.metadata, name: `${name}-orphan` },
        spec: { workflowId: "wfl-01j0000000000000000000000z" }
      }))
      assert.instanceOf(missing, NotFound)
    }))

  it.effect("environments: applyEnvironment created, unchanged without the secret's value, updated; secrets masked", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const name = unique("env")
      const input = {
        metadata: { name, ownerScope: "organization" as const, org: "acme" },
        spec: { data: { URL: { value: "https://x.example" }, TOKEN: { value: "tok-client-hidden", isSecret: true } } }
      }
      const first = yield* weft.applyEnvironment(input)
      assert.strictEqual(first.outcome, "created")
      assert.deepStrictEqual(first.resource.spec.data?.TOKEN, { isSecret: true })
      const again = yield* weft.applyEnvironment({ ...input, spec: { data: { ...input.spec.data, TOKEN: { isSecret: true } } } })
      assert.strictEqual(again.outcome, "unchanged")
      const changed = yield* weft.applyEnvironment({ ...input, spec: { data: { TOKEN: { value: "tok-2", isSecret: true } } } })
      assert.strictEqual(changed.outcome, "updated")
      const listed = yield* weft.environments.list({ urlParams: { ...page, org: "acme" } })
      assert.notInclude(JSON.stringify(listed), "tok-client-hidden")
      assert.notInclude(JSON.stringify(listed), "tok-2")
      assert.isTrue(listed.entries.some((e) => e.metadata.slug === name))
    }))

  const createExecution = Effect.gen(function*() {
    const weft = yield* WeftClient.WeftClient
    const wf = yield* weft.workflows.create({ payload: workflowInput(unique("watch")) })
    return yield* weft.workflowExecutions.create({
      payload: {
        metadata: { ownerScope: "organization", org: "acme" },
        spec: { workflowId: wf.metadata.id, triggerMetadata: { email: "a@example.com" } }
      },
      headers: {}
    })
  })

  /** Watches in a fiber; resolves `first` once the initial state has arrived. */
  const startWatch = (id: string) =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const first = yield* Deferred.make<void>()
      const fiber = yield* weft.watch(id).pipe(
        Stream.tap(() => Deferred.succeed(first, undefined)),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        Effect.fork
      )
      yield* Deferred.await(first)
      return fiber
    })

  it.effect("watch: the current state, every status update in order, ends after the terminal phase", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const execution = yield* createExecution
      const id = execution.metadata.id
      const fiber = yield* startWatch(id)
      yield* weft.workflowExecutions.updateStatus({
        path: { id },
        payload: { phase: "EXECUTION_IN_PROGRESS" },
        headers: {}
      })
      yield* weft.workflowExecutions.updateStatus({
        path: { id },
        payload: { tasks: [{ taskName: "validate_email", status: "WORKFLOW_TASK_COMPLETED" }] },
        headers: {}
      })
      yield* weft.workflowExecutions.updateStatus({
        path: { id },
        payload: { phase: "EXECUTION_COMPLETED", output: { ok: true } },
        headers: {}
      })
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Execution", "Execution", "Execution", "Execution"])
      assert.deepStrictEqual(events.map((e) => (e as WatchEvent.Execution).version), [1, 2, 3, 4])
      assert.deepStrictEqual(events.map((e) => e.execution.status.phase), [
        "EXECUTION_PENDING",
        "EXECUTION_IN_PROGRESS",
        "EXECUTION_IN_PROGRESS",
        "EXECUTION_COMPLETED"
      ])
      assert.strictEqual(events[2].execution.status.tasks?.[0].status, "WORKFLOW_TASK_COMPLETED")
      assert.isTrue(WatchEvent.isFinal(events[3]))
      assert.deepStrictEqual(events[3].execution.status.output, { ok: true })

      // Already terminal: one event, then the end.
      const replay = yield* weft.watch(id).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      assert.strictEqual(replay.length, 1)
      assert.strictEqual(replay[0].execution.status.phase, "EXECUTION_COMPLETED")
    }))

  it.effect("watch: deletion ends the stream with a Deleted event", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const execution = yield* createExecution
      const fiber = yield* startWatch(execution.metadata.id)
      yield* weft.workflowExecutions.delete({ path: { id: execution.metadata.id }, headers: {} })
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Execution", "Deleted"])
      assert.strictEqual(events[1].execution.metadata.id, execution.metadata.id)
    }))

  it.effect("watch: an unknown id fails with NotFound before any event", () =>
    Effect.gen(function*() {
      const weft = yield* WeftClient.WeftClient
      const error = yield* weft.watch("wex-01j0000000000000000000000z").pipe(Stream.runCollect, Effect.flip)
      assert.instanceOf(error, NotFound)
      assert.strictEqual((error as NotFound).message, "WorkflowExecution not found: wex-01j0000000000000000000000z")
    }))

  it.effect("an unreachable server is a transport error, not a canonical one", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.flatMap(WeftClient.WeftClient, (weft) => weft.health()).pipe(
          Effect.provide(WeftClient.layerFetch({ baseUrl: "http://127.0.0.1:1" }))
        )
      )
      assert.strictEqual(error._tag, "RequestError")
    }))

  it.effect("the bearer token is sent when configured", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      // The server has no auth yet and ignores the header: the call still succeeds.
      const health = yield* Effect.flatMap(WeftClient.WeftClient, (weft) => weft.health()).pipe(
        Effect.provide(WeftClient.layerFetch({ baseUrl: `${server.url}/`, token: "secret" }))
      )
      assert.deepStrictEqual(health, { status: "ok" })
    }))

  it.effect("Promise facade: calls resolve, errors reject with the typed error, watch is an AsyncIterable", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const result = yield* Effect.promise(async () => {
        const weft = createWeftClient({ baseUrl: server.url })
        try {
          const name = unique("promise")
          const wf = await weft.workflows.create(workflowInput(name))
          const got = await weft.workflows.getBySlug(name, { org: "acme" })
          const applied = await weft.workflows.apply(workflowInput(name))
          const listed = await weft.workflows.list({ org: "acme" })
          const error = await weft.workflows.get("wfl-01j0000000000000000000000z").then(() => undefined, (e) => e)
          const execution = await weft.workflowExecutions.create({
            metadata: { ownerScope: "identity_account" },
            spec: { workflowId: wf.metadata.id }
          })
          const phases: Array<string | undefined> = []
          let updates: Promise<unknown> | undefined
          for await (const event of weft.watch(execution.metadata.id)) {
            phases.push(event.execution.status.phase)
            if (updates === undefined) {
              updates = weft.workflowExecutions.updateStatus(execution.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
                .then(() =>
                  weft.workflowExecutions.updateStatus(execution.metadata.id, {
                    phase: "EXECUTION_FAILED",
                    error: "boom"
                  })
                )
            }
          }
          await updates
          return { wf, got, applied, listed, error, phases }
        } finally {
          await weft.close()
        }
      })
      assert.strictEqual(result.got.metadata.id, result.wf.metadata.id)
      assert.strictEqual(result.applied.outcome, "unchanged")
      assert.isTrue(result.listed.entries.some((w) => w.metadata.id === result.wf.metadata.id))
      assert.instanceOf(result.error, NotFound)
      assert.strictEqual((result.error as NotFound).code, "NOT_FOUND")
      assert.deepStrictEqual(result.phases, ["EXECUTION_PENDING", "EXECUTION_IN_PROGRESS", "EXECUTION_FAILED"])
    }))

  it.effect("signal: 202 {accepted: true} while the run is not finished; FailedPrecondition once it is", () =>
    Effect.gen(function*() {
      const server = yield* ServerProcess.Server
      const execution = yield* createExecution
      const result = yield* Effect.promise(async () => {
        const weft = createWeftClient({ baseUrl: server.url })
        try {
          const accepted = await weft.workflowExecutions.signal(execution.metadata.id, { id: "approved", data: { by: "ada" } })
          await weft.workflowExecutions.cancel(execution.metadata.id)
          const refused = await weft.workflowExecutions.signal(execution.metadata.id, { id: "approved" }).then(() => undefined, (e) => e)
          return { accepted, refused }
        } finally {
          await weft.close()
        }
      })
      assert.deepStrictEqual(result.accepted, { accepted: true })
      assert.strictEqual(result.refused?._tag, "FailedPrecondition")
      assert.strictEqual(result.refused?.code, "FAILED_PRECONDITION")
    }))

  describe("errors in the Promise facade", () => {
    it.effect("a failed status transition rejects with FailedPrecondition", () =>
      Effect.gen(function*() {
        const server = yield* ServerProcess.Server
        const execution = yield* createExecution
        const error = yield* Effect.promise(async () => {
          const weft = createWeftClient({ baseUrl: server.url })
          try {
            await weft.workflowExecutions.updateStatus(execution.metadata.id, { phase: "EXECUTION_CANCELLED" })
            return await weft.workflowExecutions.updateStatus(execution.metadata.id, { phase: "EXECUTION_IN_PROGRESS" })
              .then(() => undefined, (e) => e)
          } finally {
            await weft.close()
          }
        })
        assert.strictEqual(error?._tag, "FailedPrecondition")
        assert.strictEqual(error?.code, "FAILED_PRECONDITION")
      }))
  })
})
