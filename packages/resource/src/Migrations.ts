/**
 * Each package keeps its own migrations table (`weft_migrations_<name>`), so packages
 * can be composed in any order without one's ids shadowing another's.
 */
import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"

export const run = (
  name: string,
  migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>
) =>
  Migrator.make({})({
    loader: Migrator.fromRecord(migrations),
    table: `weft_migrations_${name}`
  }).pipe(Effect.orDie, Effect.withSpan("Migrations.run", { attributes: { name }, captureStackTrace: false }))

/** A Layer that runs the migrations when it is built. */
export const layer = (
  name: string,
  migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>
): Layer.Layer<never, never, SqlClient.SqlClient> => Layer.effectDiscard(run(name, migrations))
