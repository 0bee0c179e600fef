import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { InvalidArgument, NotFound, ResourceStore } from "@weft/resource"
import {
  Cause,
  Chunk,
  Effect,
  Exit,
  HashMap,
  Logger,
  LogLevel,
  Option,
  Ref,
  Tracer
} from "effect"
import { Pipeline } from "../src/index.js"
import { fake, StoreLive, table } from "./fixtures.js"

/** A step that records its name into `log` and adds `added`. */
const recording = <A extends object>(log: Ref.Ref<Array<string>>, name: string, added: A) =>
  Pipeline.step(name, (_: unknown) => Effect.as(Ref.update(log, (xs) => [...xs, name]), added))

interface RecordedSpan {
  readonly name: string
  readonly parent: string | undefined
  exit?: Exit.Exit<unknown, unknown>
}

/** A tracer that records every span it makes, with its parent's name and its exit. */
const recordingTracer = () => {
  const spans: Array<RecordedSpan> = []
  let n = 0
  const tracer = Tracer.make({
    span(name, parent, context, links, startTime, kind) {
      const record: RecordedSpan = {
        name,
        parent: Option.match(parent, { onNone: () => undefined, onSome: (p) => p._tag === "Span" ? p.name : p.spanId })
      }
      spans.push(record)
      const spanId = `span-${++n}`
      const attributes = new Map<string, unknown>()
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end(_endTime, exit) {
          record.exit = exit
        },
        attribute(key, value) {
          attributes.set(key, value)
        },
        event() {},
        addLinks() {}
      }
      return span
    },
    context: (f) => f()
  })
  return { spans, tracer }
}

describe("Pipeline", () => {
  it.effect("runs the steps in order and merges what each adds into the context", () =>
    Effect.gen(function*() {
      const log = yield* Ref.make<Array<string>>([])
      const pipeline = Pipeline.make<{ readonly n: number }>("p").pipe(
        Pipeline.andThen(Pipeline.step("double", (ctx: { readonly input: { readonly n: number } }) => {
          return Effect.as(Ref.update(log, (xs) => [...xs, "double"]), { doubled: ctx.input.n * 2 })
        })),
        Pipeline.andThen(Pipeline.step("plusOne", (ctx: { readonly doubled: number }) => {
          return Effect.as(Ref.update(log, (xs) => [...xs, "plusOne"]), { result: ctx.doubled + 1 })
        })),
        Pipeline.andThen(recording(log, "nothing", {}))
      )
      const out = yield* Pipeline.run(pipeline, { n: 20 })
      assert.deepStrictEqual(out, { input: { n: 20 }, doubled: 40, result: 41 })
      assert.deepStrictEqual(yield* Ref.get(log), ["double", "plusOne", "nothing"])
      assert.strictEqual(pipeline.name, "p")
      assert.deepStrictEqual(pipeline.steps.map((s) => s.name), ["double", "plusOne", "nothing"])
    }))

  it.effect("a later step's value replaces an earlier one of the same key", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<string>("p").pipe(
        Pipeline.andThen(Pipeline.step("a", () => Effect.succeed({ value: 1, keep: "k" }))),
        Pipeline.andThen(Pipeline.step("b", () => Effect.succeed({ value: "two" })))
      )
      const out = yield* Pipeline.run(pipeline, "in")
      assert.deepStrictEqual(out, { input: "in", value: "two", keep: "k" })
      const typed: string = out.value
      assert.strictEqual(typed, "two")
    }))

  it.effect("with no steps the result is the context made of the input", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Pipeline.run(Pipeline.make<number>("empty"), 7), { input: 7 })
    }))

  it.effect("andThen leaves the original pipeline unchanged", () =>
    Effect.gen(function*() {
      const base = Pipeline.make<number>("p")
      const longer = base.pipe(Pipeline.andThen(Pipeline.step("a", () => Effect.succeed({ a: 1 }))))
      assert.strictEqual(base.steps.length, 0)
      assert.strictEqual(longer.steps.length, 1)
      assert.deepStrictEqual(yield* Pipeline.run(base, 1), { input: 1 })
    }))

  it.effect("from: continues from a context another pipeline built", () =>
    Effect.gen(function*() {
      const head = Pipeline.make<number>("head").pipe(
        Pipeline.andThen(Pipeline.step("a", (ctx: { readonly input: number }) => Effect.succeed({ a: ctx.input + 1 })))
      )
      const tail = Pipeline.from<{ readonly input: number; readonly a: number }>("tail").pipe(
        Pipeline.andThen(Pipeline.step("b", (ctx: { readonly a: number }) => Effect.succeed({ b: ctx.a * 10 })))
      )
      const mid = yield* Pipeline.run(head, 1)
      const out = yield* Pipeline.run(tail, mid)
      assert.deepStrictEqual(out, { input: 1, a: 2, b: 20 })
    }))

  it.effect("a pipeline can be run many times, each run from its own input", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<number>("p").pipe(
        Pipeline.andThen(Pipeline.step("sq", (ctx: { readonly input: number }) => Effect.succeed({ sq: ctx.input ** 2 })))
      )
      const results = yield* Effect.all([1, 2, 3].map((n) => Pipeline.run(pipeline, n)), { concurrency: "unbounded" })
      assert.deepStrictEqual(results.map((r) => r.sq), [1, 4, 9])
    }))

  it.effect("stops at the first failure: later steps do not run", () =>
    Effect.gen(function*() {
      const log = yield* Ref.make<Array<string>>([])
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(recording(log, "one", { one: 1 })),
        Pipeline.andThen(Pipeline.step("two", () =>
          Effect.zipRight(
            Ref.update(log, (xs) => [...xs, "two"]),
            Effect.fail(new InvalidArgument({ message: "metadata.name: is required" }))
          ))),
        Pipeline.andThen(recording(log, "three", { three: 3 }))
      )
      const error = yield* Effect.flip(Pipeline.run(pipeline, undefined))
      assert.instanceOf(error, InvalidArgument)
      assert.strictEqual(error.message, "metadata.name: is required")
      assert.deepStrictEqual(yield* Ref.get(log), ["one", "two"])
    }))

  it.effect("a failure in the first step runs nothing else; failures keep their type", () =>
    Effect.gen(function*() {
      const log = yield* Ref.make<Array<string>>([])
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(Pipeline.step("load", () => Effect.fail(NotFound.of("Workflow", "abc")))),
        Pipeline.andThen(recording(log, "after", {}))
      )
      const error = yield* Effect.flip(Pipeline.run(pipeline, undefined))
      assert.instanceOf(error, NotFound)
      assert.strictEqual(error.message, "Workflow not found: abc")
      assert.deepStrictEqual(yield* Ref.get(log), [])
    }))

  it.effect("a defect in a step stops the pipeline and stays a defect", () =>
    Effect.gen(function*() {
      const log = yield* Ref.make<Array<string>>([])
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(Pipeline.step("boom", () => Effect.die(new Error("bug")))),
        Pipeline.andThen(recording(log, "after", {}))
      )
      const exit = yield* Effect.exit(Pipeline.run(pipeline, undefined))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      assert.deepStrictEqual(yield* Ref.get(log), [])
    }))

  it.effect("each step runs in a span named <pipeline>/<step>, inside the pipeline's span", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<Array<[string, string | undefined]>>([])
      const spanStep = (name: string) =>
        Pipeline.step(name, () =>
          Effect.gen(function*() {
            const span = yield* Effect.currentSpan
            const parent = Option.getOrUndefined(span.parent)
            const entry: [string, string | undefined] = [span.name, parent?._tag === "Span" ? parent.name : undefined]
            yield* Ref.update(seen, (xs) => [...xs, entry])
            return {}
          }))
      const pipeline = Pipeline.make<void>("Workflows.create").pipe(
        Pipeline.andThen(spanStep("ValidateSchema")),
        Pipeline.andThen(spanStep("Persist"))
      )
      yield* Pipeline.run(pipeline, undefined)
      assert.deepStrictEqual(yield* Ref.get(seen), [
        ["Workflows.create/ValidateSchema", "Workflows.create"],
        ["Workflows.create/Persist", "Workflows.create"]
      ])
    }))

  it.effect("every step's span is ended with its exit, also the failing one's", () =>
    Effect.gen(function*() {
      const { spans, tracer } = recordingTracer()
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(Pipeline.step("ok", () => Effect.succeed({ x: 1 }))),
        Pipeline.andThen(Pipeline.step("bad", () => Effect.fail(new InvalidArgument({ message: "no" })))),
        Pipeline.andThen(Pipeline.step("never", () => Effect.succeed({ y: 1 })))
      )
      yield* Effect.exit(Pipeline.run(pipeline, undefined).pipe(Effect.withTracer(tracer)))
      const byName = new Map(spans.map((s) => [s.name, s]))
      assert.deepStrictEqual(spans.map((s) => s.name).sort(), ["p", "p/bad", "p/ok"])
      assert.strictEqual(byName.get("p/ok")?.parent, "p")
      assert.strictEqual(byName.get("p/bad")?.parent, "p")
      assert.isTrue(byName.get("p/ok")?.exit !== undefined && Exit.isSuccess(byName.get("p/ok")!.exit!))
      assert.isTrue(byName.get("p/bad")?.exit !== undefined && Exit.isFailure(byName.get("p/bad")!.exit!))
      assert.isTrue(byName.get("p")?.exit !== undefined && Exit.isFailure(byName.get("p")!.exit!))
    }))

  it.effect("logs each step's duration at debug level", () =>
    Effect.gen(function*() {
      const lines: Array<{ level: LogLevel.LogLevel; message: unknown; annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        lines.push({ level: logLevel, message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(Pipeline.step("a", () => Effect.succeed({ a: 1 }))),
        Pipeline.andThen(Pipeline.step("b", () => Effect.succeed({ b: 1 })))
      )
      yield* Pipeline.run(pipeline, undefined).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      const stepLines = lines.filter((l) => typeof l.annotations.step === "string")
      assert.deepStrictEqual(stepLines.map((l) => l.annotations.step), ["p/a", "p/b"])
      for (const line of stepLines) {
        assert.strictEqual(line.level, LogLevel.Debug)
        assert.isNumber(line.annotations.durationMs)
        const ms = line.annotations.durationMs as number
        assert.isTrue(Number.isFinite(ms) && ms >= 0, `durationMs = ${ms}`)
      }
    }))

  it.effect("the step logs are not written at the default (info) level", () =>
    Effect.gen(function*() {
      const lines: Array<unknown> = []
      const logger = Logger.make(({ message }) => {
        lines.push(message)
      })
      const pipeline = Pipeline.make<void>("p").pipe(Pipeline.andThen(Pipeline.step("a", () => Effect.succeed({}))))
      yield* Pipeline.run(pipeline, undefined).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Info)
      )
      assert.deepStrictEqual(lines, [])
    }))
})

describe("Pipeline.runInTransaction", () => {
  const insertStep = (slug: string) =>
    Pipeline.step(`insert-${slug}`, () =>
      Effect.flatMap(ResourceStore.ResourceStore, (store) => store.insert(table, fake({ slug }))).pipe(
        Effect.as({})
      ))

  const count = Effect.flatMap(ResourceStore.ResourceStore, (store) => store.list(table, { pageSize: 100 })).pipe(
    Effect.map((page) => page.entries.map((r) => r.metadata.slug).sort())
  )

  it.effect("rolls back earlier inserts when a later step fails", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(insertStep("one")),
        Pipeline.andThen(insertStep("two")),
        Pipeline.andThen(Pipeline.step("fail", () => Effect.fail(new InvalidArgument({ message: "late" }))))
      )
      const error = yield* Effect.flip(Pipeline.runInTransaction(pipeline, undefined))
      assert.instanceOf(error, InvalidArgument)
      assert.strictEqual(error.message, "late")
      assert.deepStrictEqual(yield* count, [])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("rolls back when a later step fails with a store error (duplicate slug)", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(insertStep("one")),
        Pipeline.andThen(insertStep("one"))
      )
      const error = yield* Effect.flip(Pipeline.runInTransaction(pipeline, undefined))
      assert.strictEqual(error._tag, "AlreadyExists")
      assert.deepStrictEqual(yield* count, [])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("rolls back when a later step dies", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(insertStep("one")),
        Pipeline.andThen(Pipeline.step("bug", () => Effect.die("bug")))
      )
      const exit = yield* Effect.exit(Pipeline.runInTransaction(pipeline, undefined))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      assert.deepStrictEqual(yield* count, [])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("commits when every step succeeds", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(insertStep("one")),
        Pipeline.andThen(insertStep("two")),
        Pipeline.andThen(Pipeline.step("done", () => Effect.succeed({ done: true })))
      )
      const out = yield* Pipeline.runInTransaction(pipeline, undefined)
      assert.isTrue(out.done)
      assert.deepStrictEqual(yield* count, ["one", "two"])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("inside an open transaction it is a savepoint: its failure undoes only its own writes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const inner = Pipeline.make<void>("inner").pipe(
        Pipeline.andThen(insertStep("inner")),
        Pipeline.andThen(Pipeline.step("fail", () => Effect.fail(new InvalidArgument({ message: "inner" }))))
      )
      yield* Effect.gen(function*() {
        yield* Effect.flatMap(ResourceStore.ResourceStore, (store) => store.insert(table, fake({ slug: "before" })))
        const error = yield* Effect.flip(Pipeline.runInTransaction(inner, undefined))
        assert.strictEqual(error.message, "inner")
        yield* Effect.flatMap(ResourceStore.ResourceStore, (store) => store.insert(table, fake({ slug: "after" })))
      }).pipe(sql.withTransaction)
      assert.deepStrictEqual(yield* count, ["after", "before"])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("an SQL failure inside a step becomes a defect, and nothing is kept", () =>
    Effect.gen(function*() {
      const pipeline = Pipeline.make<void>("p").pipe(
        Pipeline.andThen(insertStep("one")),
        Pipeline.andThen(Pipeline.step("badSql", () =>
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT * FROM no_such_table`).pipe(Effect.as({}))))
      )
      const exit = yield* Effect.exit(Pipeline.runInTransaction(pipeline, undefined))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      const defect = Exit.isFailure(exit) ? Chunk.unsafeHead(Cause.defects(exit.cause)) : undefined
      assert.strictEqual((defect as { _tag?: string })._tag, "SqlError")
      assert.deepStrictEqual(yield* count, [])
    }).pipe(Effect.provide(StoreLive)))

  it.effect("concurrent transactional pipelines each commit or roll back on their own", () =>
    Effect.gen(function*() {
      const good = (slug: string) => Pipeline.make<void>("good").pipe(Pipeline.andThen(insertStep(slug)))
      const bad = (slug: string) =>
        Pipeline.make<void>("bad").pipe(
          Pipeline.andThen(insertStep(slug)),
          Pipeline.andThen(Pipeline.step("fail", () => Effect.fail(new InvalidArgument({ message: "x" }))))
        )
      yield* Effect.all(
        [
          Effect.either(Pipeline.runInTransaction(good("g1"), undefined)),
          Effect.either(Pipeline.runInTransaction(bad("b1"), undefined)),
          Effect.either(Pipeline.runInTransaction(good("g2"), undefined)),
          Effect.either(Pipeline.runInTransaction(bad("b2"), undefined))
        ],
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(yield* count, ["g1", "g2"])
    }).pipe(Effect.provide(StoreLive)))
})

