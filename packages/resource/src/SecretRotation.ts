/**
 * Re-sealing every stored secret value under the current key, after `WEFT_SECRET_KEY`
 * changed (the old key given as `WEFT_SECRET_KEY_PREVIOUS`), and sealing the secret values
 * an earlier version stored in plain (run it once after upgrading such a database). Documents are read a page at
 * a time by id; each envelope (found anywhere in a document: envelopes are
 * self-describing) that is not under the current key is opened and sealed again. The row
 * is rewritten in place, version kept: what a client sees does not change. A row changed
 * meanwhile (another replica) is read again.
 */
import { SqlClient } from "@effect/sql"
import { Effect, Either } from "effect"
import type { ResourceTable } from "./ResourceTable.js"
import { isEnvelope, SecretBox, type SecretBoxService, SecretUnreadable } from "./SecretBox.js"

export interface Rotated {
  /** The table's kind. */
  readonly kind: string
  /** Resources rewritten. */
  readonly resources: number
  /** Values re-sealed. */
  readonly values: number
}

/**
 * `value` with each envelope not under the current key re-sealed, and each secret entry
 * still holding its value in plain (`{isSecret: true, value}`, as versions before
 * workflow and execution secrets were sealed stored them) sealed; counts what it sealed.
 */
const reseal = (box: SecretBoxService, value: unknown, count: { n: number }): unknown => {
  if (isEnvelope(value)) {
    if (box.isCurrent(value)) return value
    const plain = box.open(value)
    if (Either.isLeft(plain)) throw plain.left
    count.n++
    return box.seal(plain.right)
  }
  if (Array.isArray(value)) return value.map((item) => reseal(box, item, count))
  if (isPlainSecret(value)) {
    const { value: plain, ...rest } = value
    count.n++
    return { ...rest, sealed: box.seal(plain) }
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = reseal(box, item, count)
    return out
  }
  return value
}

const isPlainSecret = (value: unknown): value is { readonly isSecret: true; readonly value: string } =>
  typeof value === "object" && value !== null && (value as { isSecret?: unknown }).isSecret === true &&
  typeof (value as { value?: unknown }).value === "string" && !("sealed" in value)

const pageSize = 200

/** Re-seals the envelopes of one table's documents. */
export const rotateTable = (table: ResourceTable<any>): Effect.Effect<Rotated, SecretUnreadable, SqlClient.SqlClient | SecretBox> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const box = yield* SecretBox
    const name = table.kind.table
    let after = ""
    let resources = 0
    let values = 0
    while (true) {
      const rows = yield* sql<{ id: string; version: number; doc: string }>`SELECT id, version, doc FROM ${sql(name)}
        WHERE id > ${after} ORDER BY id LIMIT ${pageSize}`.pipe(Effect.orDie)
      for (const row of rows) {
        let current = row
        while (true) {
          const count = { n: 0 }
          const doc = yield* Effect.try({
            try: () => reseal(box, JSON.parse(current.doc), count),
            catch: (error) =>
              error instanceof SecretUnreadable
                ? new SecretUnreadable({ message: `${table.kind.kind} ${row.id}: ${error.message}` })
                : new SecretUnreadable({ message: `${table.kind.kind} ${row.id}: ${String(error)}` })
          })
          if (count.n === 0) break
          const updated = yield* sql<{ id: string }>`UPDATE ${sql(name)} SET doc = ${JSON.stringify(doc)}
            WHERE id = ${row.id} AND version = ${current.version} RETURNING id`.pipe(Effect.orDie)
          if (updated.length === 1) {
            resources++
            values += count.n
            break
          }
          const again = yield* sql<{ id: string; version: number; doc: string }>`SELECT id, version, doc
            FROM ${sql(name)} WHERE id = ${row.id}`.pipe(Effect.orDie)
          if (again.length === 0) break // deleted meanwhile
          current = again[0]
        }
      }
      if (rows.length < pageSize) break
      after = rows[rows.length - 1].id
    }
    return { kind: table.kind.kind, resources, values }
  }).pipe(Effect.withSpan("SecretRotation.rotateTable", { attributes: { table: table.kind.table }, captureStackTrace: false }))

/** Re-seals every table's envelopes, one table after another. */
export const rotate = (tables: ReadonlyArray<ResourceTable<any>>) => Effect.forEach(tables, rotateTable)
