/**
 * Activities: named effects an application registers in-process, which workflows call
 * with CALL_ACTIVITY (`{activity: "<name>", input}`). An activity has schemas for its
 * input and output: the task's input is decoded with the input schema before the
 * activity runs (a mismatch fails the task with type `validation`), and its result is
 * encoded with the output schema (what the run stores and passes on is JSON).
 *
 * The engine runs a CALL_ACTIVITY as a journaled activity of the run, like an HTTP call:
 * once it has finished, a restart replays its result and never runs it again. A call cut
 * off by a crash runs again (at least once), so an activity should be idempotent.
 *
 *     const greet = Activities.make({
 *       name: "greet",
 *       input: Schema.Struct({ name: Schema.String }),
 *       output: Schema.Struct({ greeting: Schema.String }),
 *       execute: ({ name }) => Effect.succeed({ greeting: `Hello ${name}` })
 *     })
 *     Engine.layer(Interpreter.run).pipe(…, Layer.provide(Activities.layer([greet])))
 *
 * Without such a layer the registry is empty: every CALL_ACTIVITY fails (type `activity`).
 */
import { formatParseError } from "@weft/resource"
import { Cause, Context, Effect, Layer, Option, type ParseResult, Schema } from "effect"
import * as TaskErrors from "./TaskError.js"
import { TaskError } from "./TaskError.js"

/** A named effect a workflow can call, with the schemas of its input and output. */
export interface Activity<I, IE, O, OE, E, R> {
  readonly name: string
  readonly input: Schema.Schema<I, IE>
  readonly output: Schema.Schema<O, OE>
  /**
   * The activity's work. A failure with a `TaskError` fails the task with that error as
   * it is (a workflow's TRY sees its type); any other failure or defect fails it with
   * type `activity`.
   */
  readonly execute: (input: I) => Effect.Effect<O, E, R>
}

/** Any activity, as the registry holds them. */
export type Any = Activity<any, any, any, any, any, any>

/** What running the activities of `A` needs. */
export type Requirements<A extends Any> = A extends Activity<any, any, any, any, any, infer R> ? R : never

/** An activity (the identity, for inference of its types from the schemas). */
export const make = <I, IE, O, OE, E = never, R = never>(
  activity: Activity<I, IE, O, OE, E, R>
): Activity<I, IE, O, OE, E, R> => activity

export interface ActivitiesShape {
  /** The registered names, in registration order. */
  readonly names: ReadonlyArray<string>
  /**
   * Calls the activity `name` with `input` (JSON, as the task evaluated it): decodes the
   * input, runs the activity, encodes its output. Fails with type `activity` when no
   * activity has that name, `validation` when the input or output does not fit its schema.
   */
  readonly call: (name: string, input: unknown) => Effect.Effect<unknown, TaskError>
}

/**
 * The registry of the activities workflows may call. A `Context.Reference`: when the
 * application provides none, it is empty.
 */
export class Activities extends Context.Reference<Activities>()("@weft/engine/Activities", {
  defaultValue: (): ActivitiesShape => fromList([], Context.empty())
}) {}

/** The issues of a refused input or output, by field path (`input.sku: …`), bounded however large the value. */
const formatIssue = (error: ParseResult.ParseError, side: "input" | "output") => formatParseError(error, { prefix: [side] })

/** A failure of the activity's own effect, as the task's error. */
const taskErrorOf = (name: string, cause: Cause.Cause<unknown>): TaskError =>
  Option.match(Cause.failureOption(cause), {
    onSome: (error) =>
      error instanceof TaskError
        ? error
        : TaskErrors.make("activity", `activity ${name} failed: ${describe(error)}`),
    onNone: () => TaskErrors.make("activity", `activity ${name} failed: ${describe(Cause.squash(cause))}`)
  })

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error) ?? String(error)

const fromList = (activities: ReadonlyArray<Any>, context: Context.Context<never>): ActivitiesShape => {
  const byName = new Map<string, Any>()
  for (const activity of activities) {
    if (byName.has(activity.name)) throw new Error(`activity ${activity.name} is registered twice`)
    byName.set(activity.name, activity)
  }
  const call = (name: string, input: unknown): Effect.Effect<unknown, TaskError> => {
    const activity = byName.get(name)
    if (activity === undefined) {
      return Effect.fail(TaskErrors.make(
        "activity",
        `no activity named ${JSON.stringify(name)} is registered${
          byName.size === 0 ? "" : ` (registered: ${[...byName.keys()].join(", ")})`
        }`
      ))
    }
    return Schema.decodeUnknown(activity.input, { errors: "all" })(input).pipe(
      Effect.mapError((error) => TaskErrors.make("validation", `activity ${name}: ${formatIssue(error, "input")}`)),
      Effect.flatMap((decoded) =>
        Effect.suspend(() => activity.execute(decoded) as Effect.Effect<unknown, unknown>).pipe(
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.fail(taskErrorOf(name, cause))
          )
        )
      ),
      Effect.flatMap((output) =>
        Effect.mapError(
          Schema.encodeUnknown(activity.output, { errors: "all" })(output),
          (error) => TaskErrors.make("validation", `activity ${name}: ${formatIssue(error, "output")}`)
        )
      ),
      Effect.provide(context),
      Effect.withSpan("Activities.call", { attributes: { activity: name }, captureStackTrace: false })
    )
  }
  return { names: [...byName.keys()], call }
}

/**
 * The registry of `activities`, their requirements taken from the layer's context. Two
 * activities with one name are a defect when the layer is built.
 */
export const layer = <const A extends ReadonlyArray<Any>>(
  activities: A
): Layer.Layer<Activities, never, Requirements<A[number]>> =>
  Layer.effect(
    Activities,
    Effect.map(Effect.context<Requirements<A[number]>>(), (context) => fromList(activities, context as Context.Context<never>))
  )
