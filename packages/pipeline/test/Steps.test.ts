import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import {
  Aborted,
  AlreadyExists,
  FailedPrecondition,
  InvalidArgument,
  Metadata,
  NotFound,
  ResourceId,
  ResourceKind,
  ResourceStore
} from "@weft/resource"
import { Effect, Exit, Option, Ref, TestClock } from "effect"
import { Pipeline, Steps } from "../src/index.js"
import { buildFake, fake, type FakeExecution, FakeInput, StoreLive, table } from "./fixtures.js"

const Store = ResourceStore.ResourceStore
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678)
const NOW_ISO = "2025-01-02T03:04:05.678Z"

const insert = (r: FakeExecution) => Effect.flatMap(Store, (store) => store.insert(table, r))
const stored = (id: string) => Effect.flatMap(Store, (store) => store.get(table, id))
const all = Effect.flatMap(Store, (store) => store.list(table, { pageSize: 100 })).pipe(
  Effect.map((page) => page.entries)
)

/** A decoded request, as ValidateSchema would leave it. */
const request = (metadata: Metadata.MetadataInput = {}, spec: Partial<FakeInput["spec"]> = {}): FakeInput => ({
  metadata,
  spec: { workflowId: "wfl-default", ...spec }
})

describe("ValidateSchema", () => {
  const validate = Steps.ValidateSchema(FakeInput)

  it("is named ValidateSchema", () => {
    assert.strictEqual(validate.name, "ValidateSchema")
  })

  it.effect("decodes the body into request", () =>
    Effect.gen(function*() {
      const out = yield* validate.run({
        input: { body: { metadata: { name: "My Run", ownerScope: 2 }, spec: { workflowId: "wfl-1" } } }
      })
      assert.deepStrictEqual(out, {
        request: { metadata: { name: "My Run", ownerScope: "organization" }, spec: { workflowId: "wfl-1" } }
      })
    }))

  it.effect("applies the schema's defaults and ignores excess properties", () =>
    Effect.gen(function*() {
      const out = yield* validate.run({ input: { body: { spec: { workflowId: "wfl-1", extra: 1 }, other: true } } })
      assert.deepStrictEqual(out.request, { metadata: {}, spec: { workflowId: "wfl-1" } })
    }))

  it.effect("a bad body is INVALID_ARGUMENT naming the field path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        validate.run({ input: { body: { spec: { workflowId: "wfl-1", steps: [{ name: "ok" }, { name: "" }] } } } })
      )
      assert.instanceOf(error, InvalidArgument)
      assert.strictEqual(error.code, "INVALID_ARGUMENT")
      assert.isTrue(error.message.startsWith("spec.steps[1].name: "), error.message)
    }))

  it.effect("reports every issue, not only the first", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        validate.run({ input: { body: { metadata: { slug: "Not A Slug" }, spec: {} } } })
      )
      assert.include(error.message, "metadata.slug: ")
      assert.include(error.message, "spec.workflowId: is missing")
    }))

  it.effect("a body that is not an object is INVALID_ARGUMENT", () =>
    Effect.gen(function*() {
      for (const body of [null, undefined, "text", 42, []]) {
        const error = yield* Effect.flip(validate.run({ input: { body } }))
        assert.instanceOf(error, InvalidArgument)
      }
    }))

  it.effect("a bad enum value is INVALID_ARGUMENT naming its path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        validate.run({ input: { body: { metadata: { ownerScope: 9 }, spec: { workflowId: "w" } } } })
      )
      assert.isTrue(error.message.startsWith("metadata.ownerScope: "), error.message)
    }))
})

describe("ResolveSlug", () => {
  const resolve = Steps.ResolveSlug()

  it.effect("keeps a client slug (even when a name is given)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* resolve.run({ request: request({ name: "Other Name", slug: "mine" }) }), {
        slug: "mine"
      })
      assert.deepStrictEqual(yield* resolve.run({ request: request({ slug: "only-slug" }) }), { slug: "only-slug" })
    }))

  it.effect("derives the slug from the name", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* resolve.run({ request: request({ name: "My Agent" }) }), { slug: "my-agent" })
      assert.deepStrictEqual(yield* resolve.run({ request: request({ name: "Agent@123!" }) }), { slug: "agent123" })
      assert.deepStrictEqual(yield* resolve.run({ request: request({ name: "---hyphens---" }) }), { slug: "hyphens" })
    }))

  it.effect("a missing or blank name (without slug) is INVALID_ARGUMENT naming metadata.name", () =>
    Effect.gen(function*() {
      for (const metadata of [{}, { name: "" }, { name: "   " }]) {
        const error = yield* Effect.flip(resolve.run({ request: request(metadata) }))
        assert.instanceOf(error, InvalidArgument)
        assert.strictEqual(error.message, "metadata.name: is required")
      }
    }))

  it.effect("a name that yields no slug (no letters a-z or digits) asks for metadata.slug", () =>
    Effect.gen(function*() {
      for (const name of ["@@@ !!!", "東京"]) {
        const error = yield* Effect.flip(resolve.run({ request: request({ name }) }))
        assert.instanceOf(error, InvalidArgument)
        assert.match(error.message, /^metadata\.slug: is required, since metadata\.name /)
        assert.include(error.message, name)
      }
      assert.deepStrictEqual(yield* resolve.run({ request: request({ name: "東京", slug: "tokyo" }) }), { slug: "tokyo" })
    }))
})

describe("CheckDuplicate", () => {
  const check = Steps.CheckDuplicate(table)

  it.effect("passes when the (org, slug) is free", () =>
    Effect.gen(function*() {
      yield* insert(fake({ slug: "taken", org: "a" }))
      assert.deepStrictEqual(yield* check.run({ request: request({ org: "b" }), slug: "taken" }), {})
      assert.deepStrictEqual(yield* check.run({ request: request({}), slug: "taken" }), {})
      assert.deepStrictEqual(yield* check.run({ request: request({ org: "a" }), slug: "free" }), {})
    }).pipe(Effect.provide(StoreLive)))

  it.effect("a taken (org, slug) is ALREADY_EXISTS", () =>
    Effect.gen(function*() {
      yield* insert(fake({ slug: "taken", org: "a" }))
      yield* insert(fake({ slug: "taken" }))
      const inOrg = yield* Effect.flip(check.run({ request: request({ org: "a" }), slug: "taken" }))
      assert.instanceOf(inOrg, AlreadyExists)
      assert.strictEqual(inOrg.message, "WorkflowExecution already exists in org a: taken")
      const noOrg = yield* Effect.flip(check.run({ request: request({}), slug: "taken" }))
      assert.instanceOf(noOrg, AlreadyExists)
      assert.strictEqual(noOrg.message, "WorkflowExecution already exists: taken")
    }).pipe(Effect.provide(StoreLive)))
})

describe("BuildNewState", () => {
  const buildState = Steps.BuildNewState(table, buildFake)

  it.effect("makes a fresh id, version 1 and the created audit on both blocks", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const { state } = yield* buildState.run({
        request: request(
          { name: "My Run", org: "acme", ownerScope: "organization", labels: { a: "b" }, annotations: { c: "d" }, tags: ["t"] },
          { note: "hi" }
        ),
        slug: "my-run"
      })
      assert.match(state.metadata.id, /^wex-[0-9a-hjkmnp-tv-z]{26}$/)
      assert.deepStrictEqual(state.metadata, {
        id: state.metadata.id,
        name: "My Run",
        slug: "my-run",
        org: "acme",
        ownerScope: "organization",
        labels: { a: "b" },
        annotations: { c: "d" },
        tags: ["t"],
        version: 1
      })
      const info = {
        createdBy: { id: "system" },
        createdAt: NOW_ISO,
        updatedBy: { id: "system" },
        updatedAt: NOW_ISO,
        event: "created"
      }
      assert.deepStrictEqual(state.status.audit, { specAudit: info, statusAudit: info })
      assert.deepStrictEqual(state.spec, { workflowId: "wfl-default", note: "hi" })
      assert.strictEqual(state.apiVersion, "agentic.stigmer.ai/v1")
      assert.strictEqual(state.kind, "WorkflowExecution")
    }))

  it.effect("hands the kind's build the metadata, audit and time it used", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const seen: Array<Steps.NewStateParts> = []
      const step = Steps.BuildNewState(table, (req: FakeInput, parts) => {
        seen.push(parts)
        return buildFake(req, parts)
      })
      const { state } = yield* step.run({ request: request({ name: "x" }), slug: "x" })
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0].now, NOW_ISO)
      assert.deepStrictEqual(seen[0].metadata, state.metadata)
      assert.deepStrictEqual(seen[0].audit, Metadata.auditCreated(NOW_ISO))
    }))

  it.effect("leaves absent optional fields out (no undefined holes in the stored JSON)", () =>
    Effect.gen(function*() {
      const { state } = yield* buildState.run({ request: request({ name: "Bare" }), slug: "bare" })
      assert.deepStrictEqual(Object.keys(state.metadata).sort(), ["id", "name", "slug", "version"])
      assert.notInclude(JSON.stringify(state), "null")
    }))

  it.effect("uses the slug as the name when no name is given", () =>
    Effect.gen(function*() {
      const { state } = yield* buildState.run({ request: request({ slug: "just-a-slug" }), slug: "just-a-slug" })
      assert.strictEqual(state.metadata.name, "just-a-slug")
    }))

  it.effect("drops ownerScope api_resource_owner_scope_unspecified (= absent)", () =>
    Effect.gen(function*() {
      const { state } = yield* buildState.run({
        request: request({ name: "x", ownerScope: "api_resource_owner_scope_unspecified" }),
        slug: "x"
      })
      assert.isFalse("ownerScope" in state.metadata)
    }))

  it.effect("keeps the other owner scopes", () =>
    Effect.gen(function*() {
      for (const scope of ["platform", "organization", "identity_account"] as const) {
        const { state } = yield* buildState.run({ request: request({ name: "x", ownerScope: scope }), slug: "x" })
        assert.strictEqual(state.metadata.ownerScope, scope)
      }
    }))

  it.effect("a client-supplied id is INVALID_ARGUMENT naming metadata.id", () =>
    Effect.gen(function*() {
      const built = yield* Ref.make(0)
      const step = Steps.BuildNewState(table, (req: FakeInput, parts) => {
        Effect.runSync(Ref.update(built, (n) => n + 1))
        return buildFake(req, parts)
      })
      const error = yield* Effect.flip(
        step.run({ request: request({ name: "x", id: "wex-01arz3ndektsv4rrffq69g5fav" }), slug: "x" })
      )
      assert.instanceOf(error, InvalidArgument)
      assert.isTrue(error.message.startsWith("metadata.id: "), error.message)
      assert.strictEqual(yield* Ref.get(built), 0)
    }))

  it.effect("each build gets a new id", () =>
    Effect.gen(function*() {
      const a = yield* buildState.run({ request: request({ name: "x" }), slug: "x" })
      const b = yield* buildState.run({ request: request({ name: "x" }), slug: "x" })
      assert.notStrictEqual(a.state.metadata.id, b.state.metadata.id)
    }))
})

describe("Persist", () => {
  const persist = Steps.Persist(table)

  it.effect("inserts when there is no existing resource", () =>
    Effect.gen(function*() {
      const r = fake({ slug: "new" })
      assert.deepStrictEqual(yield* persist.run({ state: r }), { state: r })
      assert.deepStrictEqual(yield* stored(r.metadata.id), Option.some(r))
      const again = fake({ slug: "newer" })
      yield* persist.run({ state: again, existing: undefined })
      assert.deepStrictEqual(yield* stored(again.metadata.id), Option.some(again))
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an insert of a taken slug is ALREADY_EXISTS", () =>
    Effect.gen(function*() {
      yield* insert(fake({ slug: "dup" }))
      const error = yield* Effect.flip(persist.run({ state: fake({ slug: "dup" }) }))
      assert.instanceOf(error, AlreadyExists)
    }).pipe(Effect.provide(StoreLive)))

  it.effect("updates when the pipeline loaded an existing resource", () =>
    Effect.gen(function*() {
      const existing = yield* insert(fake({ slug: "e" }))
      const next: FakeExecution = {
        ...existing,
        metadata: { ...existing.metadata, version: 2 },
        spec: { ...existing.spec, note: "changed" }
      }
      assert.deepStrictEqual(yield* persist.run({ state: next, existing }), { state: next })
      assert.deepStrictEqual(yield* stored(existing.metadata.id), Option.some(next))
      assert.strictEqual((yield* all).length, 1)
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an update from a stale version is ABORTED", () =>
    Effect.gen(function*() {
      const existing = yield* insert(fake({ slug: "e" }))
      const stale: FakeExecution = { ...existing, metadata: { ...existing.metadata, version: 5 } }
      const error = yield* Effect.flip(persist.run({ state: stale, existing }))
      assert.instanceOf(error, Aborted)
      assert.deepStrictEqual(yield* stored(existing.metadata.id), Option.some(existing))
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an unchanged update writes nothing", () =>
    Effect.gen(function*() {
      const existing = yield* insert(fake({ slug: "e" }))
      const out = yield* persist.run({ state: existing, existing, unchanged: true })
      assert.deepStrictEqual(out, { state: existing })
      assert.deepStrictEqual(yield* stored(existing.metadata.id), Option.some(existing))
    }).pipe(Effect.provide(StoreLive)))
})

describe("checkIfMatch", () => {
  const check = (ifMatch: string | undefined, version: number) =>
    Effect.exit(Steps.checkIfMatch("Workflow", "wfl-1", ifMatch, version))

  it.effect("accepts an absent header, *, the current strong ETag, alone or in a list, and the bare version", () =>
    Effect.gen(function*() {
      for (
        const header of [
          undefined,
          "*",
          " * ",
          "\"2\"",
          "2",
          " \"2\" ",
          "\"1\", \"2\"",
          "\"1\",\"2\"",
          "W/\"2\", \"2\"",
          "\"x,y\", \"2\"",
          "\"1\", 2"
        ]
      ) {
        assert.isTrue(Exit.isSuccess(yield* check(header, 2)), `If-Match ${header} should match version 2`)
      }
    }))

  it.effect("a weak tag never matches, even of the current version (strong comparison, RFC 9110)", () =>
    Effect.gen(function*() {
      for (const header of ["W/\"2\"", " W/\"2\" ", "W/\"9\", W/\"2\"", "W/\"1\", W/\"2\", W/\"3\""]) {
        const error = yield* Effect.flip(Steps.checkIfMatch("Workflow", "wfl-1", header, 2))
        assert.instanceOf(error, Aborted, header)
        assert.strictEqual(error.code, "ABORTED")
      }
    }))

  it.effect("a different version is ABORTED naming the stored version and the header", () =>
    Effect.gen(function*() {
      for (const header of ["\"1\"", "W/\"3\"", "1", "\"1\", \"3\"", "\"22\"", "\"\"", "", "abc", "\"2", "*, \"1\"", "\"2,\""]) {
        const error = yield* Effect.flip(Steps.checkIfMatch("Workflow", "wfl-1", header, 2))
        assert.instanceOf(error, Aborted)
        assert.strictEqual(error.code, "ABORTED")
        assert.include(error.message, "wfl-1")
        assert.include(error.message, "\"2\"")
      }
    }))
})

const loaders = [
  ["LoadExisting", Steps.LoadExisting(table)],
  ["LoadExistingForDelete", Steps.LoadExistingForDelete(table)]
] as const

for (const [name, load] of loaders) {
  describe(name, () => {
    it("is named after the step", () => {
      assert.strictEqual(load.name, name)
    })

    it.effect("loads the stored resource as existing", () =>
      Effect.gen(function*() {
        const r = yield* insert(fake({ version: 2 }))
        assert.deepStrictEqual(yield* load.run({ input: { id: r.metadata.id } }), { existing: r })
      }).pipe(Effect.provide(StoreLive)))

    it.effect("an unknown id is NOT_FOUND \"<Kind> not found: <id>\"", () =>
      Effect.gen(function*() {
        const id = ResourceId.makeSync(ResourceKind.WorkflowExecution)
        const error = yield* Effect.flip(load.run({ input: { id } }))
        assert.instanceOf(error, NotFound)
        assert.strictEqual(error.message, `WorkflowExecution not found: ${id}`)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("If-Match of another version is ABORTED", () =>
      Effect.gen(function*() {
        const r = yield* insert(fake({ version: 2 }))
        for (const ifMatch of ["\"1\"", "W/\"3\"", "7"]) {
          const error = yield* Effect.flip(load.run({ input: { id: r.metadata.id, ifMatch } }))
          assert.instanceOf(error, Aborted)
        }
      }).pipe(Effect.provide(StoreLive)))

    it.effect("If-Match \"2\", a list holding it, and * are accepted at version 2; W/\"2\" is not", () =>
      Effect.gen(function*() {
        const r = yield* insert(fake({ version: 2 }))
        for (const ifMatch of ["\"2\"", "\"1\", \"2\"", "*"]) {
          assert.deepStrictEqual(yield* load.run({ input: { id: r.metadata.id, ifMatch } }), { existing: r })
        }
        const weak = yield* Effect.flip(load.run({ input: { id: r.metadata.id, ifMatch: "W/\"2\"" } }))
        assert.instanceOf(weak, Aborted)
      }).pipe(Effect.provide(StoreLive)))

    it.effect("a missing resource is NOT_FOUND even with If-Match", () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(load.run({ input: { id: "wex-nope", ifMatch: "\"1\"" } }))
        assert.instanceOf(error, NotFound)
      }).pipe(Effect.provide(StoreLive)))
  })
}

describe("LoadTarget", () => {
  const load = Steps.LoadTarget(table)

  it.effect("loads the stored resource as target", () =>
    Effect.gen(function*() {
      const r = yield* insert(fake())
      assert.deepStrictEqual(yield* load.run({ input: { id: r.metadata.id } }), { target: r })
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an unknown id is NOT_FOUND naming the id", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load.run({ input: { id: "wex-missing" } }))
      assert.instanceOf(error, NotFound)
      assert.strictEqual(error.message, "WorkflowExecution not found: wex-missing")
    }).pipe(Effect.provide(StoreLive)))
})

describe("LoadByReference", () => {
  const load = Steps.LoadByReference(table)

  it.effect("loads by (org, slug)", () =>
    Effect.gen(function*() {
      const inOrg = yield* insert(fake({ slug: "ref", org: "acme" }))
      const noOrg = yield* insert(fake({ slug: "ref" }))
      assert.deepStrictEqual(yield* load.run({ input: { slug: "ref", org: "acme" } }), { target: inOrg })
      assert.deepStrictEqual(yield* load.run({ input: { slug: "ref" } }), { target: noOrg })
      assert.deepStrictEqual(yield* load.run({ input: { slug: "ref", org: undefined } }), { target: noOrg })
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an unknown slug (or one in another org) is NOT_FOUND naming the slug", () =>
    Effect.gen(function*() {
      yield* insert(fake({ slug: "ref", org: "acme" }))
      const missing = yield* Effect.flip(load.run({ input: { slug: "nope", org: "acme" } }))
      assert.instanceOf(missing, NotFound)
      assert.strictEqual(missing.message, "WorkflowExecution not found: nope")
      const otherOrg = yield* Effect.flip(load.run({ input: { slug: "ref", org: "other" } }))
      assert.strictEqual(otherOrg.message, "WorkflowExecution not found: ref")
    }).pipe(Effect.provide(StoreLive)))
})

describe("LoadForApply", () => {
  const load = Steps.LoadForApply(table)

  it.effect("finds the resource with the request's (org, slug)", () =>
    Effect.gen(function*() {
      const r = yield* insert(fake({ slug: "apply-me", org: "acme" }))
      assert.deepStrictEqual(yield* load.run({ request: request({ org: "acme" }), slug: "apply-me" }), { existing: r })
    }).pipe(Effect.provide(StoreLive)))

  it.effect("leaves existing undefined when there is none (not an error)", () =>
    Effect.gen(function*() {
      yield* insert(fake({ slug: "apply-me", org: "acme" }))
      assert.deepStrictEqual(yield* load.run({ request: request({ org: "other" }), slug: "apply-me" }), {
        existing: undefined
      })
      assert.deepStrictEqual(yield* load.run({ request: request({}), slug: "nothing" }), { existing: undefined })
    }).pipe(Effect.provide(StoreLive)))
})

describe("BuildUpdateState", () => {
  // The fake kind is execution-like: its name is optional, so an update may omit it.
  const optionalName = { name: "optional" } as const
  const mergeNote = (_: FakeExecution, req: FakeInput) =>
    Effect.succeed({ workflowId: req.spec.workflowId, ...(req.spec.note !== undefined ? { note: req.spec.note } : {}) })
  const replaceSpec = Steps.BuildUpdateState(table, mergeNote, optionalName)

  const existingOf = () =>
    fake({ slug: "upd", org: "acme", ownerScope: "organization", version: 3, labels: { old: "label" } })

  it.effect("keeps id, slug, org, owner scope, creation audit and status; bumps version; event updated", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const existing = existingOf()
      const { state, unchanged } = yield* replaceSpec.run({
        input: {},
        existing,
        request: request({ name: "Renamed", labels: { new: "label" }, tags: ["x"] }, { note: "changed" })
      })
      assert.isFalse(unchanged)
      assert.deepStrictEqual(state.metadata, {
        id: existing.metadata.id,
        name: "Renamed",
        slug: "upd",
        org: "acme",
        ownerScope: "organization",
        labels: { new: "label" },
        tags: ["x"],
        version: 4
      })
      assert.deepStrictEqual(state.spec, { workflowId: "wfl-default", note: "changed" })
      assert.strictEqual(state.status.phase, existing.status.phase)
      for (const block of [state.status.audit.specAudit, state.status.audit.statusAudit]) {
        assert.strictEqual(block.createdAt, "2024-01-01T00:00:00.000Z")
        assert.deepStrictEqual(block.createdBy, { id: "system" })
        assert.strictEqual(block.updatedAt, NOW_ISO)
        assert.deepStrictEqual(block.updatedBy, { id: "system" })
        assert.strictEqual(block.event, "updated")
      }
      assert.strictEqual(state.apiVersion, existing.apiVersion)
      assert.strictEqual(state.kind, existing.kind)
    }))

  it.effect("keeps the name when the request has none", () =>
    Effect.gen(function*() {
      const existing = existingOf()
      const { state } = yield* replaceSpec.run({ input: {}, existing, request: request({}, { note: "n" }) })
      assert.strictEqual(state.metadata.name, existing.metadata.name)
      assert.strictEqual(state.metadata.version, 4)
    }))

  it.effect("a kind whose name is required refuses an update without one, or with a blank one", () =>
    Effect.gen(function*() {
      const existing = existingOf()
      const required = Steps.BuildUpdateState(table, mergeNote)
      for (const metadata of [{}, { name: "  " }]) {
        const error = yield* Effect.flip(required.run({ input: {}, existing, request: request(metadata, { note: "n" }) }))
        assert.instanceOf(error, InvalidArgument)
        assert.strictEqual(error.message, "metadata.name: is required")
      }
      const { state } = yield* required.run({ input: {}, existing, request: request({ name: "Named" }, { note: "n" }) })
      assert.strictEqual(state.metadata.name, "Named")
    }))

  it.effect("the same slug, org, id and owner scope as stored are accepted", () =>
    Effect.gen(function*() {
      const existing = existingOf()
      const { state } = yield* replaceSpec.run({
        input: {},
        existing,
        request: request(
          { slug: "upd", org: "acme", id: existing.metadata.id, ownerScope: "organization" },
          { note: "n" }
        )
      })
      assert.strictEqual(state.metadata.version, 4)
    }))

  it.effect("refuses a changed slug, org or id with INVALID_ARGUMENT naming the field", () =>
    Effect.gen(function*() {
      const existing = existingOf()
      const cases: Array<[Metadata.MetadataInput, string]> = [
        [{ slug: "other" }, "metadata.slug"],
        [{ org: "other" }, "metadata.org"],
        [{ id: "wex-01arz3ndektsv4rrffq69g5fav" }, "metadata.id"],
        [{ ownerScope: "platform" }, "metadata.ownerScope"]
      ]
      for (const [metadata, field] of cases) {
        const error = yield* Effect.flip(replaceSpec.run({ input: {}, existing, request: request(metadata) }))
        assert.instanceOf(error, InvalidArgument)
        assert.isTrue(error.message.startsWith(`${field}: `), error.message)
      }
    }))

  it.effect("a mergeSpec failure propagates (and nothing is built)", () =>
    Effect.gen(function*() {
      const step = Steps.BuildUpdateState(table, (existing: FakeExecution, req: FakeInput) =>
        req.spec.workflowId !== existing.spec.workflowId
          ? Effect.fail(new InvalidArgument({ message: "spec.workflowId: is immutable" }))
          : Effect.succeed(existing.spec), optionalName)
      const error = yield* Effect.flip(
        step.run({ input: {}, existing: existingOf(), request: request({}, { workflowId: "wfl-other" }) })
      )
      assert.instanceOf(error, InvalidArgument)
      assert.strictEqual(error.message, "spec.workflowId: is immutable")
    }))

  it.effect("mergeSpec's own error type is kept", () =>
    Effect.gen(function*() {
      const step = Steps.BuildUpdateState(
        table,
        (_: FakeExecution, __: FakeInput) => Effect.fail(new FailedPrecondition({ message: "terminal" })),
        optionalName
      )
      const error = yield* Effect.flip(step.run({ input: {}, existing: existingOf(), request: request({}) }))
      assert.instanceOf(error, FailedPrecondition)
    }))

  it.effect("an update that changes nothing is marked unchanged and keeps the version and audit", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW)
      const existing = existingOf()
      const out = yield* replaceSpec.run({
        input: {},
        existing,
        request: request({ name: existing.metadata.name, labels: { old: "label" } })
      })
      assert.isTrue(out.unchanged)
      assert.deepStrictEqual(out.state, existing)
    }))

  it.effect("dropping the labels is a change", () =>
    Effect.gen(function*() {
      const existing = existingOf()
      const out = yield* replaceSpec.run({ input: {}, existing, request: request({}) })
      assert.isFalse(out.unchanged)
      assert.isFalse("labels" in out.state.metadata)
      assert.strictEqual(out.state.metadata.version, 4)
    }))
})

describe("DeleteResource", () => {
  const del = Steps.DeleteResource(table)

  it.effect("deletes existing and leaves it as deleted", () =>
    Effect.gen(function*() {
      const r = yield* insert(fake({ slug: "bye" }))
      const other = yield* insert(fake({ slug: "stay" }))
      assert.deepStrictEqual(yield* del.run({ existing: r }), { deleted: r })
      assert.isTrue(Option.isNone(yield* stored(r.metadata.id)))
      assert.deepStrictEqual(yield* stored(other.metadata.id), Option.some(other))
    }).pipe(Effect.provide(StoreLive)))

  it.effect("NOT_FOUND when it is already gone", () =>
    Effect.gen(function*() {
      const r = fake({ slug: "ghost" })
      const error = yield* Effect.flip(del.run({ existing: r }))
      assert.instanceOf(error, NotFound)
      assert.strictEqual(error.message, `WorkflowExecution not found: ${r.metadata.id}`)
    }).pipe(Effect.provide(StoreLive)))
})

describe("compact / deepEqual", () => {
  it("compact drops undefined values only", () => {
    assert.deepStrictEqual(Steps.compact({ a: 1, b: undefined, c: null, d: "", e: 0 }), { a: 1, c: null, d: "", e: 0 })
  })

  it("deepEqual compares JSON structurally; absent equals empty", () => {
    assert.isTrue(Steps.deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }))
    assert.isTrue(Steps.deepEqual({ a: 1, b: undefined }, { a: 1 }))
    assert.isTrue(Steps.deepEqual(undefined, {}))
    assert.isTrue(Steps.deepEqual(undefined, []))
    assert.isFalse(Steps.deepEqual({ a: 1 }, { a: 2 }))
    assert.isFalse(Steps.deepEqual([1, 2], [2, 1]))
    assert.isFalse(Steps.deepEqual({ a: 1 }, { a: 1, b: 2 }))
    assert.isFalse(Steps.deepEqual(undefined, { a: 1 }))
    assert.isFalse(Steps.deepEqual("1", 1))
  })
})

describe("standard pipelines, end to end", () => {
  const createPipeline = Pipeline.make<{ readonly body: unknown }>("Fakes.create").pipe(
    Pipeline.andThen(Steps.ValidateSchema(FakeInput)),
    Pipeline.andThen(Steps.ResolveSlug()),
    Pipeline.andThen(Steps.CheckDuplicate(table)),
    Pipeline.andThen(Steps.BuildNewState(table, buildFake)),
    Pipeline.andThen(Steps.Persist(table))
  )
  const updatePipeline = Pipeline.make<Steps.ByIdInput & { readonly body: unknown }>("Fakes.update").pipe(
    Pipeline.andThen(Steps.ValidateSchema(FakeInput)),
    Pipeline.andThen(Steps.LoadExisting(table)),
    Pipeline.andThen(Steps.BuildUpdateState(table, (_: FakeExecution, req: FakeInput) =>
      Effect.succeed({ workflowId: req.spec.workflowId, ...(req.spec.note !== undefined ? { note: req.spec.note } : {}) }))),
    Pipeline.andThen(Steps.Persist(table))
  )
  const deletePipeline = Pipeline.make<Steps.ByIdInput>("Fakes.delete").pipe(
    Pipeline.andThen(Steps.LoadExistingForDelete(table)),
    Pipeline.andThen(Steps.DeleteResource(table))
  )
  const getPipeline = Pipeline.make<{ readonly id: string }>("Fakes.get").pipe(
    Pipeline.andThen(Steps.LoadTarget(table))
  )

  it.effect("create → get → update → delete", () =>
    Effect.gen(function*() {
      const created = yield* Pipeline.runInTransaction(createPipeline, {
        body: { metadata: { name: "My Run", org: "acme" }, spec: { workflowId: "wfl-1" } }
      })
      const id = created.state.metadata.id
      assert.strictEqual(created.slug, "my-run")
      assert.strictEqual(created.state.metadata.version, 1)

      const got = yield* Pipeline.run(getPipeline, { id })
      assert.deepStrictEqual(got.target, created.state)

      const updated = yield* Pipeline.runInTransaction(updatePipeline, {
        id,
        ifMatch: "\"1\"",
        body: { metadata: { name: "My Run" }, spec: { workflowId: "wfl-1", note: "n" } }
      })
      assert.strictEqual(updated.state.metadata.version, 2)
      assert.deepStrictEqual(yield* stored(id), Option.some(updated.state))

      const stale = yield* Effect.flip(
        Pipeline.runInTransaction(deletePipeline, { id, ifMatch: "\"1\"" })
      )
      assert.instanceOf(stale, Aborted)

      const weak = yield* Effect.flip(Pipeline.runInTransaction(deletePipeline, { id, ifMatch: "W/\"2\"" }))
      assert.instanceOf(weak, Aborted)
      assert.deepStrictEqual(yield* stored(id), Option.some(updated.state))

      const deleted = yield* Pipeline.runInTransaction(deletePipeline, { id, ifMatch: "\"2\"" })
      assert.deepStrictEqual(deleted.deleted, updated.state)
      assert.deepStrictEqual(yield* all, [])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("a duplicate create is ALREADY_EXISTS and stores nothing new", () =>
    Effect.gen(function*() {
      const body = { metadata: { name: "Dup" }, spec: { workflowId: "wfl-1" } }
      yield* Pipeline.runInTransaction(createPipeline, { body })
      const error = yield* Effect.flip(Pipeline.runInTransaction(createPipeline, { body }))
      assert.instanceOf(error, AlreadyExists)
      assert.strictEqual((yield* all).length, 1)
    }).pipe(Effect.provide(StoreLive)))

  it.effect("concurrent creates of one slug: one is created, the other ALREADY_EXISTS", () =>
    Effect.gen(function*() {
      const body = { metadata: { name: "Race" }, spec: { workflowId: "wfl-1" } }
      const results = yield* Effect.all(
        [
          Effect.either(Pipeline.runInTransaction(createPipeline, { body })),
          Effect.either(Pipeline.runInTransaction(createPipeline, { body }))
        ],
        { concurrency: "unbounded" }
      )
      const lefts = results.filter((r) => r._tag === "Left")
      assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1)
      assert.strictEqual(lefts.length, 1)
      assert.instanceOf(lefts[0].left, AlreadyExists)
      assert.strictEqual((yield* all).length, 1)
    }).pipe(Effect.provide(StoreLive)))

  it.effect("a failing update leaves the stored resource untouched", () =>
    Effect.gen(function*() {
      const created = yield* Pipeline.runInTransaction(createPipeline, {
        body: { metadata: { name: "Keep" }, spec: { workflowId: "wfl-1" } }
      })
      const id = created.state.metadata.id
      const error = yield* Effect.flip(Pipeline.runInTransaction(updatePipeline, {
        id,
        body: { metadata: { slug: "renamed" }, spec: { workflowId: "wfl-1" } }
      }))
      assert.instanceOf(error, InvalidArgument)
      assert.deepStrictEqual(yield* stored(id), Option.some(created.state))
    }).pipe(Effect.provide(StoreLive)))

  it.effect("a client id on create is refused and nothing is stored", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(Pipeline.runInTransaction(createPipeline, {
        body: { metadata: { name: "X", id: "wex-01arz3ndektsv4rrffq69g5fav" }, spec: { workflowId: "wfl-1" } }
      }))
      assert.instanceOf(error, InvalidArgument)
      const rows = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM workflow_executions`
      assert.strictEqual(rows[0].n, 0)
    }).pipe(Effect.provide(StoreLive)))
})
