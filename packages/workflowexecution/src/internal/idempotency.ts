/**
 * Idempotency keys of execution starts (`workflow_execution_idempotency_keys`): which
 * execution a (org, key) started, and a hash of the request that started it, written in
 * the start's transaction. A key is kept `keyLifetime` (24 h); older ones are ignored, and
 * swept in batches.
 */
import { SqlClient } from "@effect/sql"
import { ResourceStore } from "@weft/resource"
import { Data, Duration, Effect, Option } from "effect"
import { createHash } from "node:crypto"

export const keyLifetime = Duration.hours(24)

export interface StoredKey {
  readonly requestHash: string
  readonly executionId: string
}

/** Another start recorded the same key first (a race of concurrent starts on several connections). */
export class KeyTaken extends Data.TaggedError("KeyTaken") {}

/** JSON with object keys sorted at every depth: equal JSON values, whatever their key order, give equal text. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v)

/** The hash a request is compared by: SHA-256 of its canonical JSON. */
export const requestHash = (body: unknown): string => createHash("sha256").update(canonicalJson(body)).digest("hex")

/** The key of (org, key) recorded at or after `since`. */
export const find = (org: string, key: string, since: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ request_hash: string; execution_id: string }>`SELECT request_hash, execution_id
      FROM workflow_execution_idempotency_keys WHERE org = ${org} AND key = ${key} AND created_at >= ${since}`
    return rows.length === 0
      ? Option.none<StoredKey>()
      : Option.some<StoredKey>({ requestHash: rows[0]!.request_hash, executionId: rows[0]!.execution_id })
  }).pipe(Effect.orDie)

/**
 * Records (org, key) for the execution just started, replacing an expired record or one
 * whose execution is gone. Fails with KeyTaken when a concurrent start holds it.
 */
export const record = (org: string, key: string, hash: string, executionId: string, now: string, since: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DELETE FROM workflow_execution_idempotency_keys WHERE org = ${org} AND key = ${key}
      AND (created_at < ${since} OR execution_id NOT IN (SELECT id FROM workflow_executions))`
    yield* sql`INSERT INTO workflow_execution_idempotency_keys ${
      sql.insert({ org, key, request_hash: hash, execution_id: executionId, created_at: now })
    }`
  }).pipe(
    Effect.catchTag("SqlError", (error) =>
      ResourceStore.isUniqueViolation(error) ? Effect.fail(new KeyTaken()) : Effect.die(error))
  )

/**
 * Deletes up to `limit` keys recorded before `before`; answers how many. On PostgreSQL
 * keys another transaction is deleting are skipped, so concurrent sweeps do not queue.
 */
export const sweep = (before: string, limit: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lock = sql.onDialectOrElse({ pg: () => sql` FOR UPDATE SKIP LOCKED`, orElse: () => sql`` })
    const rows = yield* sql<{ org: string }>`DELETE FROM workflow_execution_idempotency_keys WHERE (org, key) IN (
      SELECT org, key FROM workflow_execution_idempotency_keys WHERE created_at < ${before} LIMIT ${limit}${lock}
    ) RETURNING org`
    return rows.length
  }).pipe(Effect.orDie)

/** Forgets the keys that started these executions (they are deleted), in the caller's transaction. */
export const forget = (executionIds: ReadonlyArray<string>): Effect.Effect<void, never, SqlClient.SqlClient> =>
  executionIds.length === 0 ? Effect.void : Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`DELETE FROM workflow_execution_idempotency_keys WHERE ${sql.in("execution_id", executionIds)}`).pipe(
      Effect.asVoid,
      Effect.orDie
    )
