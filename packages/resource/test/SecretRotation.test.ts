import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { Migrations, ResourceKind, ResourceStore, ResourceTable, SecretBox, SecretRotation } from "../src/index.js"

const table = ResourceTable.make(ResourceKind.Environment)
const migrations = Migrations.make("rotation", {
  sqlite: {
    "0001_create": [
      `CREATE TABLE environments (id TEXT PRIMARY KEY NOT NULL, org TEXT NOT NULL, slug TEXT NOT NULL,
        version INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL)`
    ]
  }
})

const oldKey = randomBytes(32)
const newKey = randomBytes(32)
const oldBox = SecretBox.make({ current: oldKey })
const rotatedBox = SecretBox.make({ current: newKey, previous: [oldKey] })

const insert = (id: string, version: number, doc: unknown) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO environments ${
      sql.insert({ id, org: "", slug: id, version, created_at: "t", updated_at: "t", doc: JSON.stringify(doc) })
    }`).pipe(Effect.orDie)

const docs = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ id: string; version: number; doc: string }>`SELECT id, version, doc FROM environments ORDER BY id`).pipe(Effect.orDie)

const withRotatedKey = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(effect, Layer.merge(ResourceStore.layerTest([migrations]), SecretBox.layer({ current: newKey, previous: [oldKey] })))

describe("SecretRotation", () => {
  it.effect("re-seals every envelope under the current key, in place, version kept; a second run has nothing to do", () =>
    withRotatedKey(Effect.gen(function*() {
      const a = oldBox.seal("alpha")
      const b = oldBox.seal("beta")
      yield* insert("env-a", 3, { spec: { data: { A: { isSecret: true, sealed: a }, P: { value: "plain" } } } })
      yield* insert("env-b", 1, { spec: { data: { B: { isSecret: true, sealed: b } } }, nested: [{ sealed: rotatedBox.seal("gamma") }] })
      yield* insert("env-c", 1, { spec: { data: {} } })
      // More rows than one page.
      for (let i = 0; i < 250; i++) yield* insert(`env-p${String(i).padStart(3, "0")}`, 1, { s: oldBox.seal(`v${i}`) })

      const [result] = yield* SecretRotation.rotate([table])
      assert.deepStrictEqual(result, { kind: "Environment", resources: 252, values: 252 })

      const rows = yield* docs
      const byId = new Map(rows.map((r) => [r.id, r]))
      assert.strictEqual(byId.get("env-a")!.version, 3)
      const newOnly = SecretBox.make({ current: newKey })
      const docA = JSON.parse(byId.get("env-a")!.doc)
      assert.deepStrictEqual(newOnly.open(docA.spec.data.A.sealed), Either.right("alpha"))
      assert.strictEqual(docA.spec.data.P.value, "plain")
      const docB = JSON.parse(byId.get("env-b")!.doc)
      assert.deepStrictEqual(newOnly.open(docB.spec.data.B.sealed), Either.right("beta"))
      assert.deepStrictEqual(newOnly.open(docB.nested[0].sealed), Either.right("gamma"))
      assert.deepStrictEqual(newOnly.open(JSON.parse(byId.get("env-p249")!.doc).s), Either.right("v249"))
      for (const row of rows) assert.notInclude(row.doc, a.split(":")[2])

      assert.deepStrictEqual(yield* SecretRotation.rotate([table]), [{ kind: "Environment", resources: 0, values: 0 }])
    })))

  it.effect("seals secret values an earlier version stored in plain; other values stay as they are", () =>
    withRotatedKey(Effect.gen(function*() {
      yield* insert("env-old", 2, {
        spec: { envSpec: { data: { TOKEN: { isSecret: true, value: "s3cr3t-plain", description: "d" }, HOST: { value: "h" } } } }
      })
      const [result] = yield* SecretRotation.rotate([table])
      assert.deepStrictEqual(result, { kind: "Environment", resources: 1, values: 1 })
      const [row] = yield* docs
      assert.strictEqual(row.version, 2)
      assert.notInclude(row.doc, "s3cr3t-plain")
      const data = JSON.parse(row.doc).spec.envSpec.data
      assert.deepStrictEqual(data.HOST, { value: "h" })
      assert.deepStrictEqual(Object.keys(data.TOKEN).sort(), ["description", "isSecret", "sealed"])
      assert.deepStrictEqual(SecretBox.make({ current: newKey }).open(data.TOKEN.sealed), Either.right("s3cr3t-plain"))
      assert.deepStrictEqual(yield* SecretRotation.rotate([table]), [{ kind: "Environment", resources: 0, values: 0 }])
    })))

  it.effect("an envelope no configured key opens stops the rotation, naming the resource", () =>
    withRotatedKey(Effect.gen(function*() {
      yield* insert("env-x", 1, { s: SecretBox.make({ current: randomBytes(32) }).seal("lost") })
      const error = yield* Effect.flip(SecretRotation.rotate([table]))
      assert.strictEqual(error._tag, "SecretUnreadable")
      assert.include(error.message, "Environment env-x")
    })))
})
