/**
 * Running a service's calls with the services it captured when it was built.
 *
 * A service's operations need services the Layer provided (the SqlClient, the store,
 * another kind's capability); the caller should not have to provide them again. They are
 * captured when the service is built and added to each call's context, on top of the
 * caller's: everything else the caller has stays in place, so the call's spans nest under
 * the caller's span, its log annotations and fiber refs apply, and a call made inside the
 * caller's transaction joins it (as a savepoint).
 */
import { Context, Effect } from "effect"

/** Supplies a service's captured requirements to an effect. */
export type Provide<R> = <A, E>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E>

/**
 * Captures the services `tags` name from the Layer being built, and answers how to
 * supply them to the service's calls.
 */
export const capture = <const Tags extends ReadonlyArray<Context.Tag<any, any>>>(
  ...tags: Tags
): Effect.Effect<Provide<Context.Tag.Identifier<Tags[number]>>, never, Context.Tag.Identifier<Tags[number]>> =>
  Effect.map(Effect.context<Context.Tag.Identifier<Tags[number]>>(), (context) => {
    const captured = Context.pick(...tags)(context) as Context.Context<any>
    return <A, E>(effect: Effect.Effect<A, E, Context.Tag.Identifier<Tags[number]>>) =>
      Effect.mapInputContext(effect, (caller: Context.Context<never>) => Context.merge(caller, captured)) as Effect.Effect<A, E>
  })
