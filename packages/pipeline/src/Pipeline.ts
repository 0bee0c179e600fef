/**
 * A handler as a named pipeline of named steps.
 *
 * A step reads a typed context (the input and what earlier steps left) and returns the
 * values it adds to it. The pipeline runs its steps in order, stops at the first
 * failure, wraps every step in a span `<pipeline>/<step>` and logs each step's duration
 * at debug level. `runInTransaction` runs a whole pipeline in one SQL transaction, so a
 * failing step leaves nothing behind, whichever package its steps come from.
 */
import type { SqlClient } from "@effect/sql"
import { Transaction } from "@weft/resource"
import { Duration, Effect } from "effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"

/** One named step: from the context it needs to the values it adds. */
export interface Step<in C, out A, out E = never, out R = never> {
  readonly name: string
  readonly run: (context: C) => Effect.Effect<A, E, R>
}

/** A step whose result adds nothing to the context. */
export type Check<C, E = never, R = never> = Step<C, {}, E, R>

export const step = <C, A extends object = {}, E = never, R = never>(
  name: string,
  run: (context: C) => Effect.Effect<A, E, R>
): Step<C, A, E, R> => ({ name, run })

/** Merges what a step adds into the context; later values replace earlier ones. */
export type Merge<C, A> = [keyof A] extends [never] ? C : Omit<C, keyof A> & A

export interface Pipeline<in I, out C, out E = never, out R = never> extends Pipeable {
  readonly name: string
  readonly steps: ReadonlyArray<Step<any, any, any, any>>
  /** The context the first step sees, made from the input. */
  readonly seed: (input: any) => object
  /** Phantom: the context after the last step. */
  readonly _C?: (_: never) => C
  readonly _I?: (_: I) => void
  readonly _E?: (_: never) => E
  readonly _R?: (_: never) => R
}

const PipelineProto = {
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

const makePipeline = <I, C, E, R>(
  name: string,
  steps: ReadonlyArray<Step<any, any, any, any>>,
  seed: (input: any) => object
): Pipeline<I, C, E, R> => Object.assign(Object.create(PipelineProto), { name, steps, seed })

/** A pipeline with no steps yet; its context starts as `{ input }`. */
export const make = <I>(name: string): Pipeline<I, { readonly input: I }> =>
  makePipeline(name, [], (input) => ({ input }))

/**
 * A pipeline over a decoded request: its context starts as `{ input, request }`, where
 * `request` is `input.request`, the value the caller handed over already decoded (by
 * HttpApi at the edge, or by the kind's `decode` for a caller holding JSON).
 */
export const forRequest = <I extends { readonly request: unknown }>(
  name: string
): Pipeline<I, { readonly input: I; readonly request: I["request"] }> =>
  makePipeline(name, [], (input: I) => ({ input, request: input.request }))

/**
 * A pipeline that continues from a context another pipeline built (a branch, such as
 * the create or update half of an apply): its input is that context.
 */
export const from = <C extends object>(name: string): Pipeline<C, C> => makePipeline(name, [], (context) => context)

/** Appends a step. The pipeline's context must already hold what the step reads. */
export const andThen = <C, A, E2, R2>(next: Step<C, A, E2, R2>) =>
<I, C0 extends C, E, R>(self: Pipeline<I, C0, E, R>): Pipeline<I, Merge<C0, A>, E | E2, R | R2> =>
  makePipeline(self.name, [...self.steps, next], self.seed)

/** Runs every step in order; the result is the final context. */
export const run = <I, C, E, R>(self: Pipeline<I, C, E, R>, input: I): Effect.Effect<C, E, R> =>
  Effect.suspend(() => {
    let effect: Effect.Effect<any, any, any> = Effect.succeed(self.seed(input))
    for (const s of self.steps) {
      const spanName = `${self.name}/${s.name}`
      effect = Effect.flatMap(effect, (context) =>
        s.run(context).pipe(
          Effect.timed,
          Effect.flatMap(([duration, added]) =>
            Effect.as(
              Effect.logDebug("pipeline step").pipe(
                Effect.annotateLogs({ step: spanName, durationMs: Duration.toMillis(duration) })
              ),
              added === undefined ? context : { ...context, ...added }
            )
          ),
          Effect.withSpan(spanName, { captureStackTrace: false })
        ))
    }
    return effect
  }).pipe(Effect.withSpan(self.name, { captureStackTrace: false })) as Effect.Effect<C, E, R>

/**
 * Runs the pipeline inside one SQL transaction (a savepoint when one is open already),
 * queued fairly with the other writers; `afterCommit` sees the final context once the
 * transaction has committed, in commit order (see `Transaction` in `@weft/resource`).
 */
export const runInTransaction = <I, C, E, R, R2 = never>(
  self: Pipeline<I, C, E, R>,
  input: I,
  afterCommit?: (context: C) => Effect.Effect<void, never, R2>
): Effect.Effect<C, E, R | R2 | SqlClient.SqlClient> => Transaction.run(run(self, input), afterCommit)
